"""Does a message carry the campaign keyword? Tolerant of how people actually type it:
spaces, full-width brackets and hashes (【推荐出彩聊城人】, #推荐出彩聊城人#), traditional script (推薦)."""
import functools
import re
import unicodedata

import opencc

# Anything that is not a letter, digit or CJK character is ignored when matching the keyword.
_NOT_WORD = re.compile(r"[^\w]|_", re.UNICODE)


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise_for_matching(text: str) -> str:
    """NFKC (full-width to half-width), traditional to simplified, lower case."""
    return _t2s().convert(unicodedata.normalize("NFKC", text or "")).lower()


def _squeeze(text: str) -> str:
    return _NOT_WORD.sub("", normalise_for_matching(text))


def mentions_keyword(text: str, *, keyword: str, variants: list[str] | tuple[str, ...] = ()) -> bool:
    """True when `text` contains the keyword or one of its variants, ignoring spacing, punctuation and script."""
    squeezed = _squeeze(text)
    return any(_squeeze(candidate) and _squeeze(candidate) in squeezed for candidate in (keyword, *variants))
