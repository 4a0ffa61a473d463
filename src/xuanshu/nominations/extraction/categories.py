"""Which of the campaign's categories a nomination's deeds fall under, by weighted cue words."""
import functools
import re
import tomllib
from dataclasses import dataclass

from xuanshu.nominations.extraction.lexicon import read_data


@dataclass(frozen=True)
class CategoryGuess:
    code: str | None
    confidence: float
    evidence: tuple[tuple[int, int], ...] = ()


@functools.cache
def category_data() -> dict:
    return tomllib.loads(read_data("categories.toml"))


@functools.cache
def _weights_for(code: str, name: str, description: str) -> tuple[tuple[str, float], ...]:
    known = category_data()["categories"].get(code)
    if known:
        return tuple(known["weights"].items())
    # A category this file does not know: the phrases of its own name and description are its cue words.
    phrases = {phrase for phrase in re.split(r"[^\u4e00-\u9fff]+|[、的和与及]", f"{name}，{description}") if 2 <= len(phrase) <= 6}
    return tuple((phrase, 2.0) for phrase in sorted(phrases))


@functools.lru_cache(maxsize=64)
def _matcher(categories: tuple[tuple[str, str, str], ...]) -> tuple[re.Pattern, dict[str, list[tuple[str, float]]]]:
    """One pattern for every cue word of every category, and for each word the categories it weighs for."""
    owners: dict[str, list[tuple[str, float]]] = {}
    for code, name, description in categories:
        for word, weight in _weights_for(code, name, description):
            owners.setdefault(word, []).append((code, weight))
    words = sorted(owners, key=len, reverse=True)
    return re.compile("|".join(re.escape(word) for word in words)), owners


def _overlapping_words(pattern: re.Pattern, owners: dict, text: str):
    """Every cue word found, with the shorter cue words inside it (救援 also counts 救)."""
    for match in pattern.finditer(text):
        found = match.group()
        yield found, match.start(), match.end()
        for word in owners:
            if len(word) < len(found):
                inner = found.find(word)
                while inner >= 0:
                    yield word, match.start() + inner, match.start() + inner + len(word)
                    inner = found.find(word, inner + 1)


def guess_category(text: str, categories: tuple[tuple[str, str, str], ...], *, outside: bool) -> CategoryGuess:
    """The best category among (code, name, description); athletes first, natives living elsewhere next."""
    if not categories:
        return CategoryGuess(None, 0.0)
    pattern, owners = _matcher(categories)
    scores: dict[str, float] = {code: 0.0 for code, _n, _d in categories}
    evidence: dict[str, list[tuple[int, int]]] = {code: [] for code in scores}
    for word, start, end in _overlapping_words(pattern, owners, text):
        for code, weight in owners[word]:
            scores[code] += weight
            evidence[code].append((start, end))
    codes = {code for code, _n, _d in categories}
    if "athletes" in codes and scores["athletes"] >= 7:
        return _guess("athletes", scores, evidence)
    if "hometown" in codes and outside:
        return _guess("hometown", scores, evidence, floor=0.7)
    ranked = sorted(scores, key=lambda code: (-scores[code], code != "good-conduct"))
    ranked = [code for code in ranked if code not in ("athletes", "hometown") or scores[code] >= 7]
    if "development" in codes and "good-conduct" in codes:
        if scores["development"] >= 3 and scores["development"] > scores["good-conduct"]:
            return _guess("development", scores, evidence)
        return _guess("good-conduct", scores, evidence, floor=0.4)
    best = ranked[0] if ranked else None
    return _guess(best, scores, evidence) if best and scores[best] > 0 else CategoryGuess(None, 0.0)


def _guess(code: str, scores: dict, evidence: dict, floor: float = 0.5) -> CategoryGuess:
    total = sum(scores.values()) or 1.0
    confidence = max(floor, min(0.95, scores[code] / total))
    return CategoryGuess(code, round(confidence, 2), tuple(evidence.get(code, ())))
