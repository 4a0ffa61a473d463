"""Sensitive-content screening against a configurable word list (data/sensitive_words.txt by default).

The list is a text file, one `word<TAB>category` a line; point `XUANSHU_SENSITIVE_WORDS_FILE` (setting or
environment variable) at another file to replace it. Matching ignores script, width, case, spaces and
punctuation, so 法 轮 功 and 賭博 are found; positions are given in the original text.
"""
import functools
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from xuanshu.nominations.extraction.keyword import _t2s
from xuanshu.nominations.extraction.lexicon import DATA

SETTING = "XUANSHU_SENSITIVE_WORDS_FILE"


@dataclass(frozen=True)
class WordList:
    words: dict[str, str]  # normalised word -> category
    digest: str
    pattern: re.Pattern | None


@dataclass(frozen=True)
class Hit:
    word: str
    category: str
    start: int
    end: int


def word_list_path() -> Path | None:
    from django.conf import settings

    configured = getattr(settings, SETTING, None) or os.environ.get(SETTING)
    return Path(configured) if configured else None


def _fold(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded.lower() if len(folded) == 1 else ch


def _squeeze(text: str) -> tuple[str, list[int]]:
    """Simplified, half-width, lower-case letters and digits only, with each one's offset in `text`."""
    simplified = _t2s().convert("".join(_fold(ch) for ch in text))
    if len(simplified) != len(text):
        simplified = "".join(_fold(ch) for ch in text)
    kept, origin = [], []
    for index, ch in enumerate(simplified):
        if ch.isalnum():
            kept.append(ch)
            origin.append(index)
    return "".join(kept), origin


@functools.lru_cache(maxsize=4)
def _load(path: str, modified: float) -> WordList:
    raw = Path(path).read_bytes() if path else (DATA / "sensitive_words.txt").read_bytes()
    words = {}
    for line in raw.decode("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _tab, category = line.partition("\t")
        squeezed, _origin = _squeeze(word.strip())
        if squeezed:
            words[squeezed] = category.strip() or "other"
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))) if words else None
    return WordList(words, hashlib.sha256(raw).hexdigest(), pattern)


def word_list() -> WordList:
    """The configured list, re-read when its file changes."""
    path = word_list_path()
    return _load(str(path) if path else "", path.stat().st_mtime if path else 0.0)


def find_sensitive(text: str, words: WordList | None = None) -> list[Hit]:
    words = words or word_list()
    if not text or words.pattern is None:
        return []
    squeezed, origin = _squeeze(text)
    return [
        Hit(match.group(), words.words[match.group()], origin[match.start()], origin[match.end() - 1] + 1)
        for match in words.pattern.finditer(squeezed)
    ]
