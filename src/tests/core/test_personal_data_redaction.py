"""Citizens' text as staff see it by default: contacts and resident ID, bank card, WeChat and QQ numbers masked
(`redact_personal_data`); an editor's correction of masked text keeps the stored identifiers (`restore_identifiers`)."""
import pytest

from xuanshu.core.redaction import identifiers_in, redact_personal_data, restore_identifiers


@pytest.mark.parametrize("typed, shown", [
    ("婆婆身份证370102199001011234，请核实", "婆婆身份证3701**********1234，请核实"),
    ("老身份证 370102900101123 还在用", "老身份证 3701********123 还在用"),
    ("捐款请打到 6222 0212 3456 7890", "捐款请打到 6222 **** **** 7890"),  # a card in fours, not a landline
    ("卡号6222021234567890123", "卡号6222***********0123"),
    ("加我微信：zhang_san88 细聊", "加我微信：z*********8 细聊"),
    ("微信号ｚｈａｎｇｓａｎ８８", "微信号ｚ********８"),  # full-width, as a phone keyboard types it
    ("对方 wxid_k2l3m4n5o6p7", "对方 wxid_***********7"),
    ("QQ号 987654321，电话13812345678", "QQ号 9*******1，电话138****5678"),
    ("邮箱 12345678@qq.com", "邮箱 1***@qq.com"),
    ("家里电话 8451234，谢谢", "家里电话 ***1234，谢谢"),
    # In a raw message, a number the citizen wrote is theirs, whatever surrounds it.
    ("<Content><![CDATA[6222021234567890123]]></Content>", "<Content><![CDATA[6222***********0123]]></Content>"),
    ("<Content>370102199001011234</Content>", "<Content>3701**********1234</Content>"),
    ('{"deeds": "卡号 6222021234567890123"}', '{"deeds": "卡号 6222***********0123"}'),
])
def test_identifiers_and_contacts_are_masked(typed, shown):
    assert redact_personal_data(typed) == shown


@pytest.mark.parametrize("ordinary", [
    "推荐编号 CCLC2024-000123，已受理",
    "２０２４年５月１日 12:30:45 在东昌府区见义勇为",
    "2024-05-01 至 2024-12-31 每周二、四",
    "捐款 100000 元，帮助 35 户困难家庭",
    "累计捐款 1,250,000 元",
    "累计捐款 1000000 元，资助 12345678 人次",  # amounts of seven or eight digits, not local phone numbers
    "电话 138****5678，邮箱 l***@example.com",  # already masked: stays as it is
    "身份证3701**********1234",
    "微信公众号“聊城晚报”，微信 MicroMessenger 里搜索",
    "QQ群 123456789",
    # A raw message's own ids: WeChat's MsgId (17 digits from 2: a bank card's shape) and a partner's message id.
    "<CreateTime>1732817579</CreateTime><MsgId>24601234567890123</MsgId><MsgDataId>370102199001011234</MsgDataId>",
    '{"msg_id": "24601234567890123", "sent_time": 370102199001011234}',
])
def test_ordinary_text_is_left_as_it_is(ordinary):
    assert redact_personal_data(ordinary) == ordinary


ORIGINAL = "照顾婆婆二十年。婆婆身份证370102199001011234，捐款卡 6222 0212 3456 7890，微信号：zhang_san88。"
SHOWN = "照顾婆婆二十年。婆婆身份证3701**********1234，捐款卡 6222 **** **** 7890，微信号：z*********8。"


def test_restore_puts_back_what_was_masked_around_an_editors_correction():
    assert redact_personal_data(ORIGINAL) == SHOWN
    assert restore_identifiers(SHOWN, ORIGINAL) == ORIGINAL
    corrected = SHOWN.replace("二十年", "二十多年").replace("。婆婆", "。\n婆婆")
    assert restore_identifiers(corrected, ORIGINAL) == ORIGINAL.replace("二十年", "二十多年").replace("。婆婆", "。\n婆婆")


def test_restore_keeps_a_deleted_identifier_deleted_and_leaves_typed_text_alone():
    without_card = SHOWN.replace("捐款卡 6222 **** **** 7890，", "")
    assert restore_identifiers(without_card, ORIGINAL) == ORIGINAL.replace("捐款卡 6222 0212 3456 7890，", "")
    assert restore_identifiers("新写的事迹，身份证3701**********1234", "别的原文") == "新写的事迹，身份证3701**********1234"


def test_restore_follows_the_order_of_two_identifiers_masked_alike():
    original = "甲 370102199001011234，乙 370102199505051234"
    shown = "甲 3701**********1234，乙 3701**********1234"
    assert redact_personal_data(original) == shown
    assert restore_identifiers(shown, original) == original
    # One of the two deleted: which one is unknown, so the other stays masked rather than get the wrong number.
    assert restore_identifiers(shown.replace("甲 3701**********1234，", ""), original) == "乙 3701**********1234"


def test_identifiers_in():
    assert (identifiers_in(ORIGINAL), identifiers_in("电话13812345678，推荐编号 CCLC2024-000123"), identifiers_in("")) == (
        True, False, False)
