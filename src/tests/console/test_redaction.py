"""Contacts inside raw messages are masked on screen, keeping the shape the citizen typed."""
import pytest

from xuanshu.core.redaction import redact_contacts

CASES = [
    ("电话13812341234。", "电话138****1234。"),
    ("+8613812341234", "+86138****1234"),
    ("+86 138-1234-5678", "+86 138-****-5678"),
    ("138 1234 5678", "138 **** 5678"),
    ("０６３５－８４５１２３４", "０６３５－***１２３４"),  # full-width, as some phone keyboards type it
    ("１３８１２３４１２３４", "１３８****１２３４"),
    ("010-12345678", "010-****5678"),
    # E.164 landlines drop the leading 0 of the area code (the partner API's "contact": "+866358451234").
    ('"contact": "+866358451234"', '"contact": "+86635***1234"'),
    ("+86 635 8451234", "+86 635 ***1234"),
    ("0635 845 1234 或 010 1234 5678", "0635 *** 1234 或 010 **** 5678"),  # the national format, as display_phone writes it
    ("QQ 12345678", "QQ ****5678"),
    ("邮箱 liming@example.com 谢谢", "邮箱 l***@example.com 谢谢"),
    # Not contacts: dates, short numbers, digits inside hashes and ids.
    ("2024-05-12 和 1999-12-31", "2024-05-12 和 1999-12-31"),
    ("救起了 3 名落水儿童，捐款 120000 元", "救起了 3 名落水儿童，捐款 120000 元"),
    ("a0123456789abcdef", "a0123456789abcdef"),
    ("订单号 866358451234 和 8663584512345", "订单号 866358451234 和 8663584512345"),
    ("<CreateTime>1732817579</CreateTime><MsgId>24601234567890123</MsgId>", "<CreateTime>1732817579</CreateTime><MsgId>24601234567890123</MsgId>"),
]


@pytest.mark.parametrize(("raw", "shown"), CASES)
def test_redact_contacts(raw, shown):
    assert redact_contacts(raw) == shown
