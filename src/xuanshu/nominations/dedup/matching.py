"""Do two nominations name the same nominee? A score out of 100 with its reasons, from name, place and deeds.

Pure functions over plain records, so the pipeline, the bulk run and the evaluation share one rule:
- the name gates everything: no score unless the names are equal, sound alike, or nearly so;
- a different county never merges on its own (namesakes are common), it can at most be suggested;
- the deeds decide between namesakes in one place.
"""
import datetime as dt
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from xuanshu.nominations.dedup.names import (
    name_pinyin,
    normalise_name,
    phrase_pinyin,
    sound_key,
    split_surname,
    surname_last_reading,
    surname_spellings,
    to_simplified,
)
from xuanshu.nominations.dedup.places import AreaAliases, group_core, town_of

AUTO_MERGE_SCORE = 80
SUGGEST_SCORE = 60

# Points for each signal: at most 100 in all.
NAME_POINTS = {
    "same_name": 40, "homophone_name": 30, "pinyin_name": 30, "pinyin_name_reordered": 30, "similar_name": 20,
    "same_group_name": 45, "similar_group_name": 30,
}
SAME_COUNTY, COUNTY_UNKNOWN = 15, 8
SAME_TOWN, TOWN_UNKNOWN = 10, 4
DEEDS_POINTS = 35
# Deeds similarity below RELATED_DEEDS is what two unrelated accounts share; from FULL_DEEDS up, the
# accounts tell one story. Two long accounts of different stories count against a match.
RELATED_DEEDS, FULL_DEEDS = 0.15, 0.35
DIFFERENT_DEEDS_PENALTY = 10
LONG_ACCOUNT = 20  # content characters

GROUP = "group"

# Characters that carry no meaning of their own in a nomination; dropping them keeps the deeds
# comparison on what was done, where and to whom.
_FILLER = str.maketrans("", "", (
    "的了是在他她它们和与及也都还又把被给就着过地得之其而并或等个一这那有为以于对从到向由让使将很更最已曾所"
    "我你您人家年月日多来去说做要会能可没不上下中里大小后前时"
))
_CAMPAIGN_WORDS = re.compile(r"推荐|出彩聊城人|被推荐人|推荐人|事迹|来电|先生|女士|同志|老师|师傅|大爷|阿姨")
_NON_WORD = re.compile(r"[^\w]|_|\d", re.UNICODE)


@dataclass(frozen=True)
class NominationRecord:
    """What the duplicate finder reads of a nomination."""

    nomination_id: int
    nominee_name: str
    nominee_kind: str
    area_id: int | None
    place_detail: str
    deeds: str
    received_at: dt.datetime | None = None
    channel: str = ""


@dataclass(slots=True)
class Features:
    nomination_id: int
    kind: str
    raw_name: str
    name: str  # normalised full name
    core: str  # individuals: the name; groups: the name without its place prefix
    surname: str
    syllables: tuple[str, ...]
    block_key: str  # names that sound alike (or nearly) share it
    area_id: int | None
    town: str
    deeds: str  # content characters only
    deeds_chars: str  # the distinct content characters, sorted
    received_at: dt.datetime | None = None
    channel: str = ""
    # A pinyin name that may be written surname last (Wang Li): its other reading, surname first (li wang).
    reordered: tuple[str, ...] = ()
    # Further blocks to look in: where names that may be the same person read the other way are filed.
    other_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    score: int
    reasons: list[dict] = field(default_factory=list)
    auto: bool = False

    @property
    def suggest(self) -> bool:
        return not self.auto and self.score >= SUGGEST_SCORE


def features_for(record: NominationRecord, aliases: AreaAliases) -> Features | None:
    """The comparable form of a nomination, or None while it has no name."""
    name = normalise_name(record.nominee_name)
    if not name:
        return None
    # "Outside the city" is no county: a native working in Beijing and the same person at home may match.
    area_id, town = aliases.county(record.area_id), town_of(record.place_detail, aliases)
    if record.nominee_kind == GROUP:
        core, prefix_area, prefix_town = group_core(name, aliases)
        area_id = area_id or prefix_area
        town = town or prefix_town
        syllables = phrase_pinyin(core)
        surname = ""
        block_key = "g:" + sound_key(syllables)
    else:
        core = name
        surname, _ = split_surname(name)
        syllables = name_pinyin(name)
        reordered, other_keys = _other_order(record.nominee_name, name, surname, syllables)
        if reordered and reordered[1]:
            syllables, reordered = reordered[0], ()  # Xiulan Wang: surely Western order, read as wang xiu lan
        elif reordered:
            reordered = reordered[0]
        block_key = "p:" + sound_key(syllables)
    deeds = content_of(record.deeds, (name, core))
    return Features(
        nomination_id=record.nomination_id, kind=record.nominee_kind, raw_name=record.nominee_name, name=name,
        core=core, surname=surname, syllables=syllables, block_key=block_key[:200], area_id=area_id, town=town,
        deeds=deeds, deeds_chars="".join(sorted(set(deeds))), received_at=record.received_at, channel=record.channel,
        **({"reordered": reordered, "other_keys": other_keys} if record.nominee_kind != GROUP else {}),
    )


def _other_order(raw: str, name: str, surname: str, syllables: tuple[str, ...]) -> tuple[tuple | None, tuple[str, ...]]:
    """A pinyin name that may be written surname last: (its surname-first reading, certain?), and the blocks where a
    name in characters it may be is filed. A name in characters whose given name is spelled like a surname (李旺:
    wang) also looks where a pinyin name written the other way round (Wang Li) is filed."""
    if name.isascii():
        reading = surname_last_reading(raw)
        if reading is None or reading[1]:
            return reading, ()
        return reading, ("p:" + sound_key(reading[0]),)
    head = len(surname)
    if len(syllables) > head and "".join(syllables[head:]) in surname_spellings():
        return None, ("p:" + sound_key(syllables[head:] + syllables[:head]),)
    return None, ()


def content_of(deeds: str, names: tuple[str, ...]) -> str:
    """Deeds reduced to their content characters: simplified, without the nominee's name, filler or punctuation."""
    text = to_simplified(deeds)
    for name in sorted(set(names), key=len, reverse=True):
        if name:
            text = text.replace(name, "")
    text = _CAMPAIGN_WORDS.sub("", text)
    return _NON_WORD.sub("", text).translate(_FILLER)


def deeds_similarity(a: str, b: str, chars_a: str = "", chars_b: str = "") -> float:
    """How much of the shorter account the longer one repeats, 0 to 1: the mean of the shared characters
    and the longest common subsequence, each over the shorter account. `chars_*` are the sorted distinct
    characters, when the caller already has them."""
    if not a or not b:
        return 0.0
    chars_a = chars_a or "".join(sorted(set(a)))
    chars_b = chars_b or "".join(sorted(set(b)))
    # The longest common subsequence of two sorted character sets is their intersection.
    char_overlap = LCSseq.similarity(chars_a, chars_b) / min(len(chars_a), len(chars_b))
    sequence_overlap = LCSseq.similarity(a, b) / min(len(a), len(b))
    return (char_overlap + sequence_overlap) / 2


def name_level(a: Features, b: Features) -> str | None:
    """How alike two names are, as a reason code, or None when they are not the same name in any sense."""
    if a.kind == GROUP:
        if a.core == b.core:
            return "same_group_name"
        if fuzz.ratio(a.core, b.core) >= 85:
            return "similar_group_name"
        return None
    if a.name == b.name:
        return "same_name"
    if a.name.isascii() != b.name.isascii():
        # One is written in pinyin: it can only say how the name sounds.
        if a.syllables == b.syllables:
            return "pinyin_name"
        # Wang Li may be 李旺 written surname last; never compared reordered with another pinyin name.
        latin, other = (a, b) if a.name.isascii() else (b, a)
        return "pinyin_name_reordered" if latin.reordered and latin.reordered == other.syllables else None
    if len(a.name) != len(b.name):
        return None
    if a.syllables == b.syllables:
        return "homophone_name"
    # Same surname or sound, most characters shared, and nearly the same pinyin: 张立新 / 张立兴.
    # Pinyin alone is too lenient (张建国 / 王建国 score 87), so the characters must agree too.
    char_ratio = fuzz.ratio(a.name, b.name)
    pinyin_ratio = fuzz.ratio("".join(a.syllables), "".join(b.syllables))
    if char_ratio >= 66 and pinyin_ratio >= 90 and (a.surname == b.surname or a.syllables[0] == b.syllables[0]):
        return "similar_name"
    return None


def compare(a: Features, b: Features) -> Match | None:
    """Score two nominations as the same nominee; None when their names rule it out."""
    if a.kind != b.kind:
        return None
    level = name_level(a, b)
    if level is None:
        return None
    reasons = [{"code": level}]
    if level == "same_name" and a.raw_name != b.raw_name:
        reasons.append({"code": "name_written_differently"})
    score = NAME_POINTS[level]

    different_county = a.area_id is not None and b.area_id is not None and a.area_id != b.area_id
    if different_county:
        reasons.append({"code": "different_county"})
    elif a.area_id is not None and a.area_id == b.area_id:
        score += SAME_COUNTY
        reasons.append({"code": "same_county"})
    else:
        score += COUNTY_UNKNOWN
        reasons.append({"code": "county_unknown"})

    if different_county:
        pass  # the towns of two counties differ anyway
    elif a.town and b.town:
        if a.town == b.town:
            score += SAME_TOWN
            reasons.append({"code": "same_town"})
        else:
            reasons.append({"code": "different_town"})
    else:
        score += TOWN_UNKNOWN

    if different_county and a.kind == GROUP:
        # Groups stay where they are: the same name in another county is another chapter (蓝天救援队).
        return Match(score=min(score, SUGGEST_SCORE - 1), reasons=reasons)
    if score + DEEDS_POINTS < SUGGEST_SCORE:
        return Match(score=score, reasons=reasons)  # the deeds could not lift it to a suggestion
    similarity = deeds_similarity(a.deeds, b.deeds, a.deeds_chars, b.deeds_chars)
    percent = round(100 * similarity)
    if similarity >= RELATED_DEEDS:
        score += round(DEEDS_POINTS * min(1.0, (similarity - RELATED_DEEDS) / (FULL_DEEDS - RELATED_DEEDS)))
        reasons.append({"code": "similar_deeds" if similarity >= FULL_DEEDS else "related_deeds", "value": percent})
    else:
        reasons.append({"code": "different_deeds", "value": percent})
        if a.kind != GROUP and min(len(a.deeds), len(b.deeds)) >= LONG_ACCOUNT:
            score -= DIFFERENT_DEEDS_PENALTY

    score = max(0, min(score, 100))
    # Namesakes abound: a different county is never enough to merge without an editor.
    # Nor is a pinyin name that matches only when read the other way round (Wang Li / 李旺): an editor decides.
    auto = score >= AUTO_MERGE_SCORE and not different_county and level != "pinyin_name_reordered"
    return Match(score=score, reasons=reasons, auto=auto)
