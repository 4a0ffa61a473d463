"""Contacts masked inside free text (138****5678, q***@163.com), keeping the shape the citizen typed
(full-width digits, dashes, +86) while the middle digits are hidden."""
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


def redact_addresses(text: str) -> str:
    """`text` with contacts masked (`redact_contacts`) and IP addresses cut to their network's first part."""
    return _IPV6_LIKE.sub(_ipv6_masked, _IPV4.sub(_ipv4_masked, redact_contacts(text)))
