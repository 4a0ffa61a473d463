"""Contacts masked inside free text (138****5678, q***@163.com), keeping the shape the citizen typed
(full-width digits, dashes, +86) while the middle digits are hidden; other personal numbers (resident ID, bank card,
WeChat, QQ) too where citizens' text is shown to staff (`redact_personal_data`), and in text that is published also
IP addresses (`redact_addresses`). A nomination stores its text with contacts masked and resident ID, bank card and QQ
numbers whole (`redact_contacts_for_storage`), for the display masking to hide until a logged reveal; text stored by
older rules, which masked some of those digits, gets them back from its source (`numbers_restored`)."""
import ipaddress
import re
from collections.abc import Sequence

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
# A local number (7 or 8 digits, no area code) followed by a unit of money or a count is an amount: 捐款 1000000 元.
_AMOUNT_UNIT = re.compile(r"\s*(?:元|块|万|亿|余|多|人|户|次|个|件|份|斤|公斤|米|公里|岁|天|小时)")
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
    return _phones_masked(_EMAIL.sub(lambda match: mask_email(match.group()), text))


def _phones_masked(text: str, left_alone: Sequence[tuple[int, int]] = ()) -> str:
    """`text` with its phone-like numbers masked, except inside the spans `left_alone`."""
    pieces, end = [], 0
    half_width = text.translate(_HALF_WIDTH)
    for start, stop in left_alone:
        # Letters: a phone number can neither start nor end inside the span, nor touch it, as with its digits.
        half_width = half_width[:start] + "x" * (stop - start) + half_width[stop:]
    for match in _PHONE_LIKE.finditer(half_width):
        if match["country"] is None and match["national"].isdigit() and len(match["national"]) <= 8 \
                and _AMOUNT_UNIT.match(half_width, match.end()):
            continue
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
# A QQ number after QQ or 扣扣, as it is nicknamed (QQ:12345678, QQ号 12345678, qq12345678, 扣扣 12345678): 5 to 11
# digits, from 1-9. A QQ group (QQ群) is not a person's; a QQ mailbox is masked as an e-mail address.
_QQ = re.compile(r"(?:(?<![A-Za-z])qq|扣扣)\s*(?:号码|号)?\s*:?\s*(?P<value>[1-9]\d{4,10})(?![0-9A-Za-z])", re.IGNORECASE)


def _masked_span(original: str, keep_head: int, keep_tail: int, *, separators: bool = True) -> str:
    """`original` with its letters and digits hidden but the first `keep_head` and last `keep_tail`; separators (space,
    dash) stay, unless `separators` is False (an id, whose _ and - are part of it)."""
    positions = [i for i, ch in enumerate(original) if ch.isalnum() or not separators]
    hidden = set(positions[keep_head:len(positions) - keep_tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(original))


# A raw message's own ids are long numbers too (WeChat's <MsgId>24601234567890123</MsgId>, "msg_id": "…" in a
# partner's JSON): a number that is the whole value of an element or key named as an id or a time is not a person's.
_MACHINE_FIELD_BEFORE = re.compile(r'(?:<(?P<tag>[A-Za-z][\w.-]{0,40})>|"[A-Za-z_]{0,40}(?:id|Id|ID|time|Time)"\s*:\s*"?)$')


def _machine_id(text: str, start: int, stop: int) -> bool:
    before = _MACHINE_FIELD_BEFORE.search(text, max(start - 50, 0), start)
    if before is None:
        return False
    if before["tag"] is not None:
        return text.startswith(f"</{before['tag']}>", stop) and before["tag"].endswith(("Id", "ID", "id", "Time"))
    return True


# (pattern, group masked, how, whether a machine id is left alone): applied in this order, each on the text the ones
# before it have masked.
_IDENTIFIER_PASSES = (
    (_WECHAT_LABELLED, "value", lambda value: _masked_span(value, 1, 1, separators=False), False),
    (_WXID, "value", lambda value: _masked_span(value, 0, 1, separators=False), False),
    (_QQ, "value", lambda value: _masked_span(value, 1, 1), False),
    (_RESIDENT_ID, 0, lambda number: _masked_span(number, 4, 4), True),
    (_OLD_RESIDENT_ID, 0, lambda number: _masked_span(number, 4, 3), True),
    (_BANK_CARD, 0, lambda number: _masked_span(number, 4, 4), True),
)


def _identifiers_found(text: str) -> tuple[str, list[tuple[int, int, re.Pattern]]]:
    """`text` with its identifiers masked, and where each masked one is, with the pattern that found it. Masking keeps
    every character's position (one character becomes one *), so a span is the same in `text` and in the masked copy."""
    found = []
    for pattern, group, mask, spare_machine_ids in _IDENTIFIER_PASSES:
        pieces, end = [], 0
        for match in pattern.finditer(text.translate(_ASCII_WIDTH)):  # matched on the half-width copy
            start, stop = match.span(group)
            if spare_machine_ids and _machine_id(text, start, stop):
                continue
            pieces += [text[end:start], mask(text[start:stop])]
            found.append((start, stop, pattern))
            end = stop
        text = "".join(pieces) + text[end:]
    return text, sorted(found, key=lambda span: span[:2])


def _identifiers_masked(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`text` with its identifiers masked, and where each masked one is."""
    masked, found = _identifiers_found(text)
    return masked, [(start, stop) for start, stop, _pattern in found]


def redact_identifiers(text: str) -> str:
    """`text` with resident ID numbers (3701**********123X), bank card numbers (6222 **** **** 0123), WeChat ids
    (微信号：z*******8, wxid_*******k) and QQ numbers (QQ：1******8) masked."""
    return _identifiers_masked(text)[0]


def restore_identifiers(edited: str, original: str) -> str:
    """`edited`, a copy of `original` shown with its identifiers masked and then changed by an editor, with each
    masked identifier still in it put back as `original` has it, so that saving a correction does not overwrite the
    stored text with the masks. One the editor deleted stays deleted. When two different numbers look alike masked
    (3701**********1234 twice) and the editor deleted one of them, which one is unknown: both stay masked rather than
    a number landing where another was."""
    masked, spans = _identifiers_masked(original)
    originals: dict[str, list[str]] = {}
    for start, stop in spans:
        originals.setdefault(masked[start:stop], []).append(original[start:stop])
    known = {mask: numbers for mask, numbers in originals.items()
             if len(set(numbers)) == 1 or edited.count(mask) == len(numbers)}
    if not known:
        return edited
    pattern = re.compile("|".join(re.escape(mask) for mask in sorted(known, key=len, reverse=True)))
    in_order = {mask: iter(numbers) for mask, numbers in known.items()}

    def put_back(match: re.Match) -> str:
        numbers = known[match.group()]
        return numbers[0] if len(set(numbers)) == 1 else next(in_order[match.group()])

    return pattern.sub(put_back, edited)


def identifiers_in(text: str) -> bool:
    """Whether `text` holds a resident ID, bank card, WeChat or QQ number that `redact_identifiers` masks."""
    return bool(_identifiers_masked(text or "")[1])


# The identifiers that are runs of digits, which the phone pattern would otherwise take whole or in part for a phone
# number (6222 0212 3456 7890 read as 6222 plus the landline 0212 3456 7890; QQ 12345678 as a local number).
_PERSONAL_NUMBERS = (_RESIDENT_ID, _OLD_RESIDENT_ID, _BANK_CARD, _QQ)


def redact_contacts_for_storage(text: str) -> str:
    """`text` as a nomination stores a citizen's words: contacts masked (`redact_contacts`), resident ID, bank card and
    QQ numbers left whole, however they are grouped, for the display masking (`redact_personal_data`) to mask."""
    # Why whole rather than masked here too: the raw message keeps every number either way (raw first), but an editor
    # checking a donation account or a nominee's identity works from the nomination, through the console's logged
    # reveal; the same numbers run together were always stored whole. What is left whole is exactly what
    # `redact_personal_data` masks on screen, in exports and on public pages (the same patterns on the same text): a
    # number it would spare as a machine id is masked here like any other phone-like number.
    return _stored_with_numbers(text)[0]


def _stored_with_numbers(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`redact_contacts_for_storage(text)`, and where in it each number it leaves whole is."""
    text = _EMAIL.sub(lambda match: mask_email(match.group()), text)
    numbers = [(start, stop) for start, stop, pattern in _identifiers_found(text)[1] if pattern in _PERSONAL_NUMBERS]
    return _phones_masked(text, numbers), numbers  # phone masking keeps every character's position


def numbers_restored(stored: str, text: str) -> tuple[str, int] | None:
    """`stored`, made from `text` by an older storage redaction that masked resident ID, bank card or QQ numbers (or
    some of their digits) as phone numbers, with each such number put back as `redact_contacts_for_storage(text)`
    keeps it, and how many numbers were put back; nothing outside those numbers changes. None when `stored` does not
    line up with that storage character for character, differing at most in which digits are masked (*): it was not
    made from `text` (an edit, another reading of the message), so no position in it can be trusted to be the same."""
    now, numbers = _stored_with_numbers(text)
    if len(now) != len(stored) or any(
        old != new and not ((old == "*" and new.isdigit()) or (new == "*" and old.isdigit()))
        for old, new in zip(stored, now)
    ):
        return None
    restored = [(start, stop) for start, stop in numbers if stored[start:stop] != now[start:stop]]
    for start, stop in restored:
        stored = stored[:start] + now[start:stop] + stored[stop:]
    return stored, len(restored)


def redact_personal_data(text: str) -> str:
    """`text` as staff see a citizen's words by default: contacts (`redact_contacts`) and resident ID, bank card,
    WeChat and QQ numbers (`redact_identifiers`) masked."""
    # E-mail addresses first, so that a QQ mailbox (12345678@qq.com) is masked as one, not as a QQ number; the other
    # identifiers before phone numbers, so that a card written in fours (6222 0212 3456 7890) is masked as a card.
    return redact_contacts(redact_identifiers(_EMAIL.sub(lambda match: mask_email(match.group()), text)))


def redact_addresses(text: str) -> str:
    """`text` as it may be published: contacts, resident ID, bank card, WeChat and QQ numbers masked
    (`redact_personal_data`), and IP addresses cut to their network's first part."""
    return _IPV6_LIKE.sub(_ipv6_masked, _IPV4.sub(_ipv4_masked, redact_personal_data(text)))
