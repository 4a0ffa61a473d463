import pytest

from xuanshu.core.masking import mask_email, mask_phone
from xuanshu.core.phones import display_phone, last_four_digits, parse_cn_phone, to_e164
from xuanshu.core.redaction import redact_addresses


@pytest.mark.parametrize(("e164", "masked"), [
    ("+8613812341234", "138****1234"),
    ("+866358451234", "0635-***1234"),
    ("+861012345678", "010-****5678"),
    ("", ""),
])
def test_mask_phone(e164, masked):
    assert mask_phone(e164) == masked


@pytest.mark.parametrize(("email", "masked"), [("qlwblc@163.com", "q***@163.com"), ("a@b.cn", "a***@b.cn"), ("", ""), ("nonsense", "")])
def test_mask_email(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(("typed", "e164"), [
    ("13812345678", "+8613812345678"),
    ("138 1234 5678", "+8613812345678"),
    ("+86 138-1234-5678", "+8613812345678"),
    ("008613812345678", "+8613812345678"),
    ("１３８１２３４５６７８", "+8613812345678"),  # full-width digits
    ("0635-8451234", "+866358451234"),
    ("（0635）8451234", "+866358451234"),
    ("０６３５－８４５１２３４", "+866358451234"),
])
def test_parse_cn_phone_accepts_what_citizens_type(typed, e164):
    assert to_e164(parse_cn_phone(typed)) == e164


@pytest.mark.parametrize("typed", ["12345", "8451234", "1381234567", "23812345678", "+1 202 555 0143", "abc", "", "1" * 50])
def test_parse_cn_phone_refuses_the_rest(typed):
    assert parse_cn_phone(typed) is None


def test_display_and_last_four():
    assert (display_phone("+866358451234"), display_phone("+8613812345678")) == ("0635 845 1234", "138 1234 5678")
    assert last_four_digits("+866358451234") == "1234"


# Personal data an editor may paste into a vote decision's reason, which is hash-chained and published.
@pytest.mark.parametrize("typed, published", [
    ("举报人 zhang.san@example.com 反映", "举报人 z***@example.com 反映"),
    ("身份证号370102199001011234", "身份证号3701**********1234"),
    ("身份证 37010219900101123X。", "身份证 3701**********123X。"),
    ("身份证：370102 19900101 123x", "身份证：3701** ******** 123x"),
    ("旧身份证370102900101123", "旧身份证3701********123"),
    ("工资卡6222021234567890123", "工资卡6222***********0123"),
    ("卡号 6222 0212 3456 7890", "卡号 6222 **** **** 7890"),
    ("卡号 4367-4212-3456-7890", "卡号 4367-****-****-7890"),
    ("微信号：zhang_san88，", "微信号：z*********8，"),
    ("加我微信号zhangsan-88", "加我微信号z*********8"),
    ("微信：Li_Si2024 刷票", "微信：L*******4 刷票"),
    ("WX: zhangsan88", "WX: z********8"),
    ("wechat id: zhang_san88", "wechat id: z*********8"),
    ("对方 wxid_k2l3m4n5o6p7 拉票", "对方 wxid_***********7 拉票"),
    ("QQ:12345678", "QQ:1******8"),
    ("qq号 987654321 拉票", "qq号 9*******1 拉票"),
    ("ＱＱ：１２３４５６７８", "ＱＱ：１******８"),
    ("QQ邮箱 12345678@qq.com", "QQ邮箱 1***@qq.com"),
    ("微信号：13912345678", "微信号：139****5678"),  # a phone number used as the WeChat id: masked as a phone number
])
def test_redact_addresses_masks_personal_numbers_an_editor_may_paste(typed, published):
    assert redact_addresses(typed) == published


@pytest.mark.parametrize("ordinary", [
    "在风控面板审核了4张已计入投票（2026-11-30 14:00–15:00）",
    "在风控面板审核了12张待核（疑）投票（按设备 123456789012…）",
    "在风控面板审核了1张已计入投票（按投票人 3f2a9b1c4d5e…）",
    "在风控面板审核了4张已计入投票（3. 王建国）",
    "7 Accepted votes By user agent 0a1b2c3d4e5f… reviewed on the fraud dashboard",
    "第 2 号候选人 20 票，2026年11月30日 12:30:45 集中投票，占当日 1200 票的 35%",
    "ledger #17644 created_us 1764460800000000",  # microsecond times of the public record
    "row_hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "微信 MicroMessenger 8.0.49 内置浏览器，wx 很多，微信投票",
    "QQ群 123456789 里有人拉票",
    "订单 62220212345",  # 11 digits from 6: neither a phone, a card nor an ID
])
def test_redact_addresses_keeps_ordinary_numbers(ordinary):
    assert redact_addresses(ordinary) == ordinary
