"""Contacts in a message: phones (phonenumbers, E.164 and display form), e-mail addresses, WeChat ids."""
import functools
import re
from dataclasses import dataclass

import phonenumbers

from xuanshu.core.phones import display_phone, parse_cn_phone, to_e164

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_WECHAT_ID = re.compile(r"(?:微信号?|wechat|WeChat|vx|VX|wx)\s*[:：]?\s*([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9@])")


@dataclass(frozen=True)
class Found:
    value: str
    display: str
    start: int
    end: int


def find_phones(text: str, *, exclude: set[str] = frozenset()) -> list[Found]:
    """Valid mainland mobiles and area-coded landlines, in order, each once; `exclude` holds E.164 numbers
    that are not the nominator's (the campaign's own hotline, quoted from the newspaper)."""
    found, seen = [], set(exclude)
    for match in phonenumbers.PhoneNumberMatcher(text, "CN", leniency=phonenumbers.Leniency.VALID):
        number = parse_cn_phone(match.raw_string)
        if number is None:
            continue
        e164 = to_e164(number)
        if e164 in seen:
            continue
        seen.add(e164)
        found.append(Found(e164, display_phone(e164), match.start, match.end))
    return found


def find_emails(text: str) -> list[Found]:
    found, seen = [], set()
    for match in EMAIL.finditer(text):
        address = match.group().lower()
        if address not in seen:
            seen.add(address)
            found.append(Found(address, match.group(), match.start(), match.end()))
    return found


def find_wechat_ids(text: str) -> list[Found]:
    return [Found(m.group(1), m.group(1), m.start(1), m.end(1)) for m in _WECHAT_ID.finditer(text)]


@functools.lru_cache(maxsize=64)
def hotline_e164(hotline: str) -> frozenset[str]:
    number = parse_cn_phone(hotline or "")
    return frozenset({to_e164(number)}) if number else frozenset()
