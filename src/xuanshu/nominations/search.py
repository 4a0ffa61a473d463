"""What the console's queue search matches: nominations' text folded to one script and case, and names in pinyin.

Citizens write in either script (the web form keeps traditional characters as typed, WeChat messages are
read in simplified), and editors type either, or pinyin. The fields stay as written (they are the evidence
editors review); derived columns hold the folded text and the pinyin, computed whenever a nomination is
saved (Nomination.save) and, for rows written in bulk, by `fill_search_columns`.
"""
import functools
import re
from typing import NamedTuple

import opencc

from xuanshu.campaigns.enums import NomineeKind
from xuanshu.nominations.dedup.names import name_pinyin, normalise_name, phrase_pinyin, to_simplified

# The fields the derived columns are computed from, and the columns.
SOURCE_FIELDS = frozenset({"nominee_name", "nominee_kind", "nominator_name", "place_detail", "deeds"})
SEARCH_COLUMNS = frozenset({"search_text", "search_deeds", "nominee_pinyin", "nominee_initials"})
PINYIN_MAX = 200
INITIALS_MAX = 50

_NOT_LETTER = re.compile(r"[^a-z]")
_NOT_WORD = re.compile(r"[^\w]|_", re.UNICODE)
_PINYIN_TERM = re.compile(r"[a-z][a-z' ]*")


class SearchColumns(NamedTuple):
    search_text: str
    search_deeds: str
    nominee_pinyin: str
    nominee_initials: str


# Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) as ASCII. Not NFKC: it would also turn Chinese
# punctuation (，：（）) into ASCII, and then almost every deeds text would differ from its folded copy.
_HALF_WIDTH = {code: code - 0xFEE0 for start, end in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
               for code in range(start, end + 1)}


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Text as the search compares it: full-width letters and digits as ASCII, simplified script, lower case."""
    return _t2s().convert((text or "").translate(_HALF_WIDTH)).lower()


def name_pinyin_keys(name: str, kind: str) -> tuple[str, str]:
    """(full pinyin, initials) of a nominee's name without tones or spaces: 赵六 → ("zhaoliu", "zl").

    A person's surname is read as a surname (单 shan, 曾 zeng); a group's name as an ordinary phrase.
    Latin letters in a name are kept as they are (KTV志愿队 → "ktvzhiyuandui", "kzyd").
    """
    if kind == NomineeKind.GROUP:
        syllables = phrase_pinyin(_NOT_WORD.sub("", to_simplified(name)))
    else:
        syllables = name_pinyin(normalise_name(name))
    letters = [word for word in (_NOT_LETTER.sub("", syllable.lower()) for syllable in syllables) if word]
    return "".join(letters)[:PINYIN_MAX], "".join(word[0] for word in letters)[:INITIALS_MAX]


def search_columns(*, nominee_name: str, nominee_kind: str, nominator_name: str, place_detail: str, deeds: str) -> SearchColumns:
    """The derived search columns of a nomination's fields."""
    deeds_folded = fold(deeds)
    pinyin, initials = name_pinyin_keys(nominee_name, nominee_kind)
    return SearchColumns(
        # One line per field, so a term never matches across two of them.
        search_text="\n".join(fold(value) for value in (nominee_name, nominator_name, place_detail)),
        # Deeds are long: a folded copy is kept only where it differs from the deeds as written.
        search_deeds=deeds_folded if deeds_folded != (deeds or "") else "",
        nominee_pinyin=pinyin,
        nominee_initials=initials,
    )


def fill_search_columns(nomination):
    """Set a nomination's search columns from its fields (before a save or a bulk insert); returns it."""
    columns = search_columns(
        nominee_name=nomination.nominee_name, nominee_kind=nomination.nominee_kind, nominator_name=nomination.nominator_name,
        place_detail=nomination.place_detail, deeds=nomination.deeds,
    )
    for name, value in columns._asdict().items():
        setattr(nomination, name, value)
    return nomination


def pinyin_term(term: str) -> str | None:
    """The letters of a search term that reads as pinyin (zhao liu, zhao'liu, zl), else None."""
    lowered = term.strip().lower()
    if not lowered.isascii() or not _PINYIN_TERM.fullmatch(lowered):
        return None
    return _NOT_LETTER.sub("", lowered)
