"""Choosing a nominee for a nomination among candidates that share its blocking key.

Blocking keeps this cheap: a nomination is only compared with nominees whose nominations sound like its
name (same pinyin, with zh/z, ch/c, sh/s and -ng/-n blurred). A nominee is represented by a few of its
nominations (the first and the latest), so a popular nominee costs no more than a rare one.
"""
from collections.abc import Hashable
from dataclasses import dataclass, field

from xuanshu.nominations.dedup.matching import GROUP, Features, Match, compare

MEMBERS_COMPARED = (1, 4)  # the first and the latest nominations of each candidate nominee
MAX_SUGGESTIONS = 3


@dataclass
class Candidate:
    """A nominee as the finder sees it: its representative nominations."""

    key: Hashable  # a nominee id, or a provisional key during a bulk run
    order: int = 0  # older nominees first: ties go to them
    members: list[Features] = field(default_factory=list)
    total: int = 0

    def add(self, features: Features) -> None:
        self.total += 1
        first, latest = MEMBERS_COMPARED
        if len(self.members) < first + latest:
            self.members.append(features)
        else:
            del self.members[first]
            self.members.append(features)


@dataclass(frozen=True)
class PairMatch:
    candidate: Hashable
    other: Features  # the candidate's nomination that matched best
    match: Match


@dataclass(frozen=True)
class Decision:
    """Where a nomination goes: an existing nominee (auto match) or a new one, and what to suggest."""

    joins: PairMatch | None
    suggestions: list[PairMatch]


def best_match(features: Features, candidate: Candidate) -> PairMatch | None:
    best = None
    for member in candidate.members:
        if member.nomination_id == features.nomination_id:
            continue
        match = compare(features, member)
        if match is not None and (best is None or match.score > best.match.score):
            best = PairMatch(candidate=candidate.key, other=member, match=match)
    return best


def decide(features: Features, candidates: list[Candidate]) -> Decision:
    """Join the best automatic match (ties go to the older nominee); suggest the grey-zone ones."""
    scored = [pair for candidate in candidates if (pair := best_match(features, candidate)) is not None]
    scored.sort(key=lambda pair: -pair.match.score)  # stable: candidates come oldest first
    automatic = [pair for pair in scored if pair.match.auto]
    joins = automatic[0] if automatic else None
    # An automatic match that lost to a better one is still worth an editor's look.
    suggestions = [pair for pair in scored if pair is not joins and (pair.match.auto or pair.match.suggest)]
    return Decision(joins=joins, suggestions=suggestions[:MAX_SUGGESTIONS])


def index_keys(features: Features) -> tuple[str, ...]:
    """Where a nomination is filed in memory. Groups are filed by county as well as by name: a group is
    never matched with one in another county, so each county's chapters form their own block."""
    if features.kind != GROUP:
        return (features.block_key,)
    if features.area_id is None:
        return (f"{features.block_key}|?",)
    return (f"{features.block_key}|{features.area_id}", f"{features.block_key}|*")


def query_keys(features: Features) -> tuple[str, ...]:
    """Where to look for a nomination's candidates (see index_keys); a person's name read the other way round
    too (Wang Li / 李旺: see matching.features_for)."""
    if features.kind != GROUP:
        return (features.block_key, *features.other_keys)
    if features.area_id is None:
        return (f"{features.block_key}|*", f"{features.block_key}|?")
    return (f"{features.block_key}|{features.area_id}", f"{features.block_key}|?")


class BlockIndex:
    """Candidates by blocking key, for clustering many nominations in memory."""

    def __init__(self) -> None:
        self._by_key: dict[str, dict[Hashable, Candidate]] = {}
        self._candidates: dict[Hashable, Candidate] = {}

    def candidates_for(self, features: Features) -> list[Candidate]:
        found: dict[Hashable, Candidate] = {}
        for key in query_keys(features):
            found.update(self._by_key.get(key, {}))
        return sorted(found.values(), key=lambda candidate: candidate.order)

    def add(self, candidate_key: Hashable, features: Features) -> None:
        candidate = self._candidates.get(candidate_key)
        if candidate is None:
            candidate = self._candidates[candidate_key] = Candidate(key=candidate_key, order=len(self._candidates))
        candidate.add(features)
        for key in index_keys(features):
            self._by_key.setdefault(key, {})[candidate_key] = candidate
