"""Contacts masked inside free text (138****5678, q***@163.com), keeping the shape the citizen typed
(full-width digits, dashes, +86) while the middle digits are hidden; in text that is published, also IP addresses
and other personal numbers (resident ID, bank card, WeChat, QQ)."""
import ipaddress
import re

from xuanshu.core.masking import mask_email

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# CN mobiles (138 1234 5678) and area-coded landlines (0635-8451234, 0635 845 1234), with an optional +86, and local numbers
# of 7 or 8 digits; after +86, a landline without its leading 0 too (+866358451234, as E.164 writes it). Longer
# runs are timestamps and message ids; an ASCII letter or digit next to a match rules it out (hashes, openids).
_PHONE_LIKE = re.compile(
    r"(?<![0-9A-Za-z])(?P<country>(?P<plus>\+)?86[\s-]?)?"
    r"(?P<national>1\d{2}[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}[\s-]?(?:\d{7,8}|\d{3,4}[\s-]?\d{4})|(?(plus)[2-9]\d{1,2}[\s-]?\d{7,8}|(?!))|\d{7,8})"
    r"(?![0-9A-Za-z])"
)
# Matching runs on a one-for-one half-width copy, so positions in it are positions in the original.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９＋－　", "0123456789+- ")


def _digits_to_keep(match: re.Match) -> int:
    """Country code, then the mobile prefix (138) or the landline's area code (0635) stay visible."""
    national = "".join(ch for ch in match["national"] if ch.isdigit())
    country = sum(ch.isdigit() for ch in match["country"] or "")
    if national.startswith("1") and len(national) == 11:
        return country + 3
    if national.startswith("0"):
        return country + (4 if national[1] in "3456789" else 3)
    if country and len(national) >= 9:  # +86 and a landline without its 0: the area code stays visible
        return country + (3 if national[0] in "3456789" else 2)
    return country


def _mask_digits(original: str, match: re.Match) -> str:
    positions = [i for i, ch in enumerate(original) if ch.isdigit()]
    hidden = set(positions[_digits_to_keep(match):-4])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(original))


def redact_contacts(text: str) -> str:
    """`text` with e-mail addresses and phone-like numbers masked."""
    text = _EMAIL.sub(lambda match: mask_email(match.group()), text)
    pieces, end = [], 0
    for match in _PHONE_LIKE.finditer(text.translate(_HALF_WIDTH)):
        pieces += [text[end:match.start()], _mask_digits(text[match.start():match.end()], match)]
        end = match.end()
    return "".join(pieces) + text[end:]


# Network addresses typed into text that is published (a vote decision's reason): an IPv4 address keeps its first
# two numbers (223.104.*.*), an IPv6 address its first two groups (2408:8207:*); a /prefix is dropped with the rest.
_IPV4 = re.compile(r"(?<![0-9.])(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}(?:/\d{1,2})?(?![0-9])")
_IPV6_LIKE = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:/\d{1,3})?(?![0-9A-Za-z:])")


def _ipv4_masked(match: re.Match) -> str:
    first, second = match.group(1), match.group(2)
    return f"{first}.{second}.*.*" if int(first) <= 255 and int(second) <= 255 else match.group()


def _ipv6_masked(match: re.Match) -> str:
    text = match.group().partition("/")[0]
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return match.group()  # a time (12:30:45) or a ratio, not an address
    groups = [group for group in text.split(":")[:2] if group]
    return ":".join(groups) + ":*" if groups else "*"


# Other personal data an editor may paste into text that is published. Matching runs on a one-for-one copy with
# full-width ASCII (ＱＱ：１２３４５, 微信号：ｚｈａｎｇ) made half-width, so positions in it are positions in the original.
_ASCII_WIDTH = {**{0xFF01 + offset: 0x21 + offset for offset in range(94)}, 0x3000: 0x20}
_BIRTH_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# A resident ID: an area code (its first digit 1-9), the birth date, a sequence number and, in the 18-character
# form, a check character (0-9 or X); the 15-digit form of before 1999 has a two-digit year and no check character.
_RESIDENT_ID = re.compile(rf"(?<![0-9A-Za-z])[1-9]\d{{5}}[ -]?(?:18|19|20)\d{{2}}{_BIRTH_DATE}[ -]?\d{{3}}[0-9Xx](?![0-9A-Za-z])")
_OLD_RESIDENT_ID = re.compile(rf"(?<![0-9A-Za-z])[1-9]\d{{5}}\d{{2}}{_BIRTH_DATE}\d{{3}}(?![0-9A-Za-z])")
# A bank card: 16 to 19 digits, run together or in fours with one kind of separator. No card number starts with 0
# or 1, which keeps out the microsecond timestamps of the public record (16 digits from 1...).
_BANK_CARD = re.compile(r"(?<![0-9A-Za-z])[2-9]\d{3}(?P<sep>[ -]?)\d{4}(?P=sep)\d{4}(?P=sep)\d{4}(?:(?P=sep)\d{1,3})?(?![0-9A-Za-z])")
# A WeChat id after its label (微信号 zhang_san88, 微信：zhang_san88, wx: zhang_san88: a bare 微信 or a Latin label
# needs its colon or 号, so that "微信 MicroMessenger" stays) and a generated id anywhere (wxid_…). An id is 6 to 20
# letters, digits, _ or -, from a letter; a phone number used as the id is masked as a phone number.
_WECHAT_LABELLED = re.compile(
    r"(?:微信(?:号|账号|id|ID)\s*:?\s*|(?:微信|(?<![A-Za-z])(?:wechat|weixin|vx|wx))(?:\s*id)?\s*(?::|号)\s*:?\s*)"
    r"(?P<value>[A-Za-z][A-Za-z0-9_-]{5,19})(?![A-Za-z0-9_-])", re.IGNORECASE)
_WXID = re.compile(r"(?<![A-Za-z0-9_])wxid_(?P<value>[A-Za-z0-9_-]{4,})(?![A-Za-z0-9_-])", re.IGNORECASE)
# A QQ number after QQ (QQ:12345678, QQ号 12345678, qq12345678): 5 to 11 digits, from 1-9. A QQ group (QQ群) is not
# a person's; a QQ mailbox is masked as an e-mail address.
_QQ = re.compile(r"(?<![A-Za-z])qq\s*(?:号码|号)?\s*:?\s*(?P<value>[1-9]\d{4,10})(?![0-9A-Za-z])", re.IGNORECASE)


def _masked_span(original: str, keep_head: int, keep_tail: int, *, separators: bool = True) -> str:
    """`original` with its letters and digits hidden but the first `keep_head` and last `keep_tail`; separators (space,
    dash) stay, unless `separators` is False (an id, whose _ and - are part of it)."""
    positions = [i for i, ch in enumerate(original) if ch.isalnum() or not separators]
    hidden = set(positions[keep_head:len(positions) - keep_tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(original))


def _substitute(pattern: re.Pattern, text: str, mask, group: str | int = 0) -> str:
    """`text` with each match of `pattern` (found on the half-width copy) replaced by `mask` of the original `group`."""
    pieces, end = [], 0
    for match in pattern.finditer(text.translate(_ASCII_WIDTH)):
        start, stop = match.span(group)
        pieces += [text[end:start], mask(text[start:stop])]
        end = stop
    return "".join(pieces) + text[end:]


def redact_identifiers(text: str) -> str:
    """`text` with resident ID numbers (3701**********123X), bank card numbers (6222 **** **** 0123), WeChat ids
    (微信号：z*******8, wxid_*******k) and QQ numbers (QQ：1******8) masked."""
    text = _substitute(_WECHAT_LABELLED, text, lambda value: _masked_span(value, 1, 1, separators=False), "value")
    text = _substitute(_WXID, text, lambda value: _masked_span(value, 0, 1, separators=False), "value")
    text = _substitute(_QQ, text, lambda value: _masked_span(value, 1, 1), "value")
    text = _substitute(_RESIDENT_ID, text, lambda number: _masked_span(number, 4, 4))
    text = _substitute(_OLD_RESIDENT_ID, text, lambda number: _masked_span(number, 4, 3))
    return _substitute(_BANK_CARD, text, lambda number: _masked_span(number, 4, 4))


def redact_addresses(text: str) -> str:
    """`text` as it may be published: contacts (`redact_contacts`), resident ID, bank card, WeChat and QQ numbers
    (`redact_identifiers`) masked, and IP addresses cut to their network's first part."""
    # E-mail addresses first, so that a QQ mailbox (12345678@qq.com) is masked as one, not as a QQ number.
    text = redact_identifiers(_EMAIL.sub(lambda match: mask_email(match.group()), text))
    return _IPV6_LIKE.sub(_ipv6_masked, _IPV4.sub(_ipv4_masked, redact_contacts(text)))
