import pytest

from xuanshu.core.masking import mask_email, mask_phone
from xuanshu.core.phones import display_phone, last_four_digits, parse_cn_phone, to_e164


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
