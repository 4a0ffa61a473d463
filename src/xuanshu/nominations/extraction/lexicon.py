"""The data files the extractor ships with (see data/build.py for their sources), loaded once per process."""
import functools
import json
from dataclasses import dataclass
from importlib import resources

DATA = resources.files("xuanshu.nominations.extraction") / "data"


def read_data(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _lines(name: str):
    for line in read_data(name).splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.rstrip("\n")


@dataclass(frozen=True)
class Surnames:
    single: frozenset[str]
    compound: frozenset[str]
    weak: frozenset[str]


@functools.cache
def surnames() -> Surnames:
    single, compound, weak = set(), set(), set()
    for line in _lines("surnames.txt"):
        name, *marks = line.split()
        (compound if len(name) == 2 else single).add(name)
        if "weak" in marks:
            weak.add(name)
    return Surnames(frozenset(single), frozenset(compound), frozenset(weak))


@functools.cache
def words() -> frozenset[str]:
    return frozenset(_lines("words.txt"))


@functools.cache
def name_words() -> frozenset[str]:
    """Words of words.txt that are also everyday full names (方军, 李强; see data/build.py)."""
    return frozenset(_lines("name_words.txt"))


COMMON_GIVEN_FLOOR = -2.4


@functools.cache
def given_name_scores() -> dict[str, float]:
    scores = {}
    for line in _lines("given_names.tsv"):
        char, score = line.split("\t")
        scores[char] = float(score)
    for line in _lines("given_chars.txt"):
        for char in line.strip():
            scores[char] = max(scores.get(char, COMMON_GIVEN_FLOOR), COMMON_GIVEN_FLOOR)
    return scores


@functools.cache
def gazetteer() -> dict:
    return json.loads(read_data("gazetteer.json"))
