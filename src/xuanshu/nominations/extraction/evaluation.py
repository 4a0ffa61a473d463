"""Scoring the extractor against the labelled set in data/eval/ (dev, heldout, fresh and reported; see its README).

Matching rules (see data/eval/README.md): names are compared in simplified script without spaces or
punctuation; a group also matches when its leading place names differ (东阿县义工联合会 ~ 义工联合会) or
when both sides list the same members (刘洪亮、崔玉兰夫妇 ~ 刘洪亮和崔玉兰). A group's members are scored per gold group
(accuracy: the same set of names) and per member (precision, recall).
"""
import json
import re
import unicodedata
from dataclasses import dataclass, field

from xuanshu.nominations.extraction.extractor import extract_fields
from xuanshu.nominations.extraction.keyword import _t2s
from xuanshu.nominations.extraction.lexicon import DATA
from xuanshu.nominations.extraction.places import find_mentions
from xuanshu.nominations.extraction.profile import CampaignProfile

PARTS = ("dev", "heldout", "fresh", "reported")
FIELDS = ("nominee_name", "nominee_kind", "nominee_members", "county", "town", "category", "phones", "nominator", "keyword_found")
_NOT_NAME = re.compile(r"[\W_]+")


def load_part(part: str) -> list[dict]:
    text = (DATA / "eval" / f"{part}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def normalise_name(name: str | None) -> str:
    return _NOT_NAME.sub("", _t2s().convert(unicodedata.normalize("NFKC", name or "")))


def _group_core(name: str) -> str:
    core = normalise_name(name)
    while True:
        mentions = [m for m in find_mentions(core) if m.start == 0 and m.end < len(core)]
        if not mentions:
            return core
        core = core[mentions[0].end:]


def _same_nominee(predicted: dict, gold: dict) -> bool:
    if normalise_name(predicted["name"]) == normalise_name(gold["name"]):
        return True
    if gold["is_group"] and predicted["is_group"]:
        if _group_core(predicted["name"]) == _group_core(gold["name"]):
            return True
        members = {normalise_name(m) for m in predicted.get("members", [])}
        return bool(members) and members == {normalise_name(m) for m in gold.get("members", [])}
    return False


@dataclass
class Tally:
    true_positive: int = 0
    predicted: int = 0
    gold: int = 0
    correct: int = 0
    total: int = 0
    errors: list = field(default_factory=list)

    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    def recall(self) -> float:
        return self.true_positive / self.gold if self.gold else 1.0

    def f1(self) -> float:
        p, r = self.precision(), self.recall()
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0

    def as_dict(self) -> dict:
        return {
            "precision": round(self.precision(), 3), "recall": round(self.recall(), 3), "f1": round(self.f1(), 3),
            "accuracy": round(self.accuracy(), 3), "n": self.total,
        }


def _single(tally: Tally, predicted, gold, example_id: str) -> None:
    tally.total += 1
    tally.predicted += predicted is not None
    tally.gold += gold is not None
    if predicted == gold:
        tally.correct += 1
        tally.true_positive += predicted is not None
    else:
        tally.errors.append((example_id, predicted, gold))


def _members(tally: Tally, predicted: dict | None, gold: dict, example_id: str) -> None:
    """A gold group's members against those of the nominee read for it (none when no nominee was read)."""
    found = {normalise_name(m) for m in predicted["members"]} if predicted is not None and predicted["is_group"] else set()
    wanted = {normalise_name(m) for m in gold["members"]}
    tally.total += 1
    tally.predicted += len(found)
    tally.gold += len(wanted)
    tally.true_positive += len(found & wanted)
    if found == wanted:
        tally.correct += 1
    else:
        tally.errors.append((example_id, sorted(found), sorted(wanted)))


def evaluate(examples: list[dict], profile: CampaignProfile | None = None) -> dict[str, Tally]:
    """Tallies for each field over `examples` (rows of an eval part)."""
    tallies = {name: Tally() for name in FIELDS}
    for example in examples:
        result = extract_fields(example["text"], profile)
        example_id = example["id"]
        predicted, gold = result["nominees"], example["nominees"]
        names = tallies["nominee_name"]
        names.predicted += len(predicted)
        names.gold += len(gold)
        names.total += 1
        unmatched = list(predicted)
        for gold_nominee in gold:
            match = next((p for p in unmatched if _same_nominee(p, gold_nominee)), None)
            if match is not None:
                unmatched.remove(match)
                names.true_positive += 1
        matched_all = not unmatched and len(predicted) == len(gold) and all(
            any(_same_nominee(p, g) for p in predicted) for g in gold
        )
        names.correct += matched_all
        if not matched_all:
            names.errors.append((example_id, [p["name"] for p in predicted], [g["name"] for g in gold]))
        kinds = tallies["nominee_kind"]
        for index, gold_nominee in enumerate(gold):
            same = next((p for p in predicted if _same_nominee(p, gold_nominee)), None)
            if same is None and index < len(predicted):
                same = predicted[index]
            kinds.total += 1
            if same is not None and same["is_group"] == gold_nominee["is_group"]:
                kinds.correct += 1
                kinds.true_positive += 1
            else:
                kinds.errors.append((example_id, same and same["is_group"], gold_nominee["is_group"]))
            kinds.predicted += same is not None
            kinds.gold += 1
            if gold_nominee["is_group"]:
                _members(tallies["nominee_members"], same, gold_nominee, example_id)
        _single(tallies["county"], result["place"]["county"], example["county"], example_id)
        _single(tallies["town"], result["place"]["town"], example["town"], example_id)
        _single(tallies["category"], result["category"], example["category"], example_id)
        predicted_nominator = normalise_name(result["nominator"]["name"]) or None
        _single(tallies["nominator"], predicted_nominator, normalise_name(example["nominator"]) or None, example_id)
        _single(tallies["keyword_found"], result["keyword_found"], example["keyword"], example_id)
        phones = tallies["phones"]
        predicted_phones = {phone["e164"] for phone in result["nominator"]["phones"]}
        gold_phones = set(example["phones"])
        phones.total += 1
        phones.predicted += len(predicted_phones)
        phones.gold += len(gold_phones)
        phones.true_positive += len(predicted_phones & gold_phones)
        phones.correct += predicted_phones == gold_phones
        if predicted_phones != gold_phones:
            phones.errors.append((example_id, sorted(predicted_phones), sorted(gold_phones)))
    return tallies
