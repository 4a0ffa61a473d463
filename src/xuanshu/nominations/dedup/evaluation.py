"""Precision and recall of the duplicate finder on the labelled pairs in data/labelled_pairs.toml."""
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from xuanshu.nominations.dedup.matching import Features, Match, NominationRecord, compare, features_for
from xuanshu.nominations.dedup.places import AreaAliases

LABELLED_PAIRS = Path(__file__).resolve().parent / "data" / "labelled_pairs.toml"
PARTS = ("tune", "held_out")


@dataclass(frozen=True)
class LabelledPair:
    a: str
    b: str
    same: bool
    case: str
    part: str


@dataclass
class Outcome:
    """Counts for one part of the set. 'Surfaced' means merged automatically or suggested to an editor."""

    pairs: int = 0
    same: int = 0
    auto_true: int = 0
    auto_false: int = 0
    suggested_true: int = 0
    suggested_false: int = 0
    mistakes: list[tuple[LabelledPair, Match | None]] = field(default_factory=list)

    def add(self, pair: LabelledPair, match: Match | None) -> None:
        self.pairs += 1
        self.same += pair.same
        auto = bool(match and match.auto)
        suggested = bool(match and match.suggest)
        if auto:
            self.auto_true += pair.same
            self.auto_false += not pair.same
        elif suggested:
            self.suggested_true += pair.same
            self.suggested_false += not pair.same
        if auto != pair.same and (pair.same or auto or suggested):
            # Missed merges (a duplicate left to a suggestion or apart) and wrong merges or suggestions.
            self.mistakes.append((pair, match))

    @property
    def auto_precision(self) -> float:
        return _ratio(self.auto_true, self.auto_true + self.auto_false)

    @property
    def auto_recall(self) -> float:
        return _ratio(self.auto_true, self.same)

    @property
    def suggestion_precision(self) -> float:
        return _ratio(self.suggested_true, self.suggested_true + self.suggested_false)

    @property
    def suggestion_recall(self) -> float:
        """Of the duplicates not merged automatically, how many were suggested."""
        return _ratio(self.suggested_true, self.same - self.auto_true)

    @property
    def surfaced_precision(self) -> float:
        true = self.auto_true + self.suggested_true
        return _ratio(true, true + self.auto_false + self.suggested_false)

    @property
    def surfaced_recall(self) -> float:
        return _ratio(self.auto_true + self.suggested_true, self.same)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def load_labelled_set(path: Path = LABELLED_PAIRS) -> tuple[dict[str, Features], list[LabelledPair]]:
    """The labelled records as comparable features, and the labelled pairs."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    area_ids = {code: number for number, code in enumerate(data["areas"], start=1)}
    aliases = AreaAliases.from_areas(
        (area_ids[code], name, "outside" if code == "outside" else "county") for code, name in data["areas"].items()
    )
    features = {}
    for number, record in enumerate(data["record"], start=1):
        nomination = NominationRecord(
            nomination_id=number, nominee_name=record["name"], nominee_kind=record.get("kind", "individual"),
            area_id=area_ids.get(record.get("area", "")), place_detail=record.get("place", ""), deeds=record["deeds"],
        )
        features[record["id"]] = features_for(nomination, aliases)
    pairs = [LabelledPair(a=p["a"], b=p["b"], same=p["same"], case=p["case"], part=p["part"]) for p in data["pair"]]
    return features, pairs


def evaluate(path: Path = LABELLED_PAIRS) -> dict[str, Outcome]:
    """Outcomes for each part of the set and for all of it."""
    features, pairs = load_labelled_set(path)
    outcomes = {part: Outcome() for part in (*PARTS, "all")}
    for pair in pairs:
        match = compare(features[pair.a], features[pair.b])
        outcomes[pair.part].add(pair, match)
        outcomes["all"].add(pair, match)
    return outcomes


def hard_negatives_merged(path: Path = LABELLED_PAIRS) -> list[LabelledPair]:
    """Pairs labelled as different people that would be merged automatically (should be none)."""
    features, pairs = load_labelled_set(path)
    return [
        pair for pair in pairs
        if not pair.same and (match := compare(features[pair.a], features[pair.b])) is not None and match.auto
    ]
