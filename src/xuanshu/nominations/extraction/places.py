"""Where the nominee lives and does the deeds, normalised to Liaocheng's divisions (see data/gazetteer.json).

A functional zone (开发区, 高新区, 度假区) is kept as named, beside the administrative county its town
belongs to. A native of the city who lives and works elsewhere is placed `outside`; a hometown mentioned
beside a workplace in the city does not decide the county.
"""
import functools
import re
from dataclasses import dataclass, field

from xuanshu.nominations.extraction.lexicon import gazetteer
from xuanshu.nominations.extraction.text import CJK

OUTSIDE_PLACES = [
    "北京", "上海", "天津", "重庆", "深圳", "广州", "杭州", "青岛", "济南", "西安", "南京", "苏州", "武汉", "成都", "郑州", "石家庄",
    "大连", "厦门", "宁波", "长沙", "合肥", "沈阳", "哈尔滨", "长春", "太原", "昆明", "福州", "南昌", "烟台", "潍坊", "淄博", "东莞",
    "无锡", "佛山", "珠海", "温州", "广东", "浙江", "江苏", "海外", "国外", "外地", "美国", "日本", "韩国", "德国", "新加坡",
]
# Living or working somewhere (as opposed to studying, competing or coming from there).
_WORK_CUE = re.compile(rf"(?:在|到|赴)(?:[{CJK}]{{0,3}}?)(?:{'|'.join(OUTSIDE_PLACES)}|京|沪)[{CJK}]{{0,12}}?"
                       r"(?:工作|创业|经营|从事|打拼|发展|定居|任职|开公司|办企业|创办|经商|做生意)"
                       rf"|(?:旅居|现居|定居|任职于|就职于|现任职于|工作于)[:：]?[{CJK}]{{0,3}}?(?:{'|'.join(OUTSIDE_PLACES)})"
                       r"|在外(?:打拼|创业|经商|工作|发展)")
_NATIVE_CUE = re.compile(r"籍|老家|家乡|故乡|回乡|乡亲|反哺|桑梓")
_HOMETOWN_BEFORE = re.compile(r"(?:老家|籍贯|祖籍|出生在|出生于|生于|来自|老家是|老家在)[:：是在]?$")
_HOMETOWN_AFTER = re.compile(r"^(?:籍|人(?!民)|走出|的人|出生)")
_VILLAGE_AFTER = re.compile(rf"^((?!的)[{CJK}]{{1,4}}?村|(?!的)[{CJK}]{{2,4}}?社区)(?![民里医委支干子])")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    kind: str  # city, county, zone, town
    county: str | None = None  # gazetteer county code
    area: str | None = None  # campaign-independent area slug (county's or zone's)
    town: str | None = None


@dataclass
class Place:
    county: str | None = None  # area slug, before the campaign maps it
    county_name: str | None = None
    administrative_county: str | None = None
    zone: str | None = None
    town: str | None = None
    village: str | None = None
    text: str = ""
    hometown: str | None = None
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, what) in the view
    confidence: float = 0.0


@functools.cache
def _index():
    data = gazetteer()
    entries: dict[str, Mention] = {}
    counties = {county["code"]: county for county in data["counties"]}
    for name in [data["city"]["name"], *data["city"]["aliases"]]:
        entries[name] = Mention(0, 0, "city")
    for county in data["counties"]:
        for name in [county["name"], *county["aliases"]]:
            entries[name] = Mention(0, 0, "county", county=county["code"], area=county["area"])
    for zone in data["zones"]:
        for name in [zone["name"], *zone["aliases"]]:
            entries[name] = Mention(0, 0, "zone", area=zone["area"])
    for town in data["towns"]:
        area = counties[town["county"]]["area"]
        entries[town["name"]] = Mention(0, 0, "town", county=town["county"], area=area, town=town["name"])
        if town["short_alone"]:
            entries.setdefault(town["short"], Mention(0, 0, "town", county=town["county"], area=area, town=town["name"]))
        for suffix in ("街道办事处", "街道办", "街道", "镇", "乡", "办事处"):
            entries.setdefault(town["short"] + suffix, Mention(0, 0, "town", county=town["county"], area=area, town=town["name"]))
    names = sorted(entries, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(name) for name in names))
    county_names = {county["code"]: county["name"] for county in data["counties"]}
    county_names.update({zone["area"]: zone["name"] for zone in data["zones"]})
    return entries, pattern, county_names, counties


def starts_place_name(text: str, position: int) -> bool:
    """Does a Liaocheng place name start at text[position]? (A name ends there: 殷桂兰阳谷县…)"""
    return _index()[1].match(text, position) is not None


def find_mentions(text: str) -> list[Mention]:
    entries, pattern, _names, _counties = _index()
    found = []
    for match in pattern.finditer(text):
        entry = entries[match.group()]
        if entry.kind == "county" and match.group() == "东阿" and text.startswith("阿胶", match.end()):
            pass  # 东阿阿胶 is a company of 东阿县: still the county
        found.append(Mention(match.start(), match.end(), entry.kind, entry.county, entry.area, entry.town))
    return found


def _phrases(mentions: list[Mention]) -> list[list[Mention]]:
    """Runs of adjacent mentions (聊城市东昌府区古楼街道) read as one place."""
    phrases: list[list[Mention]] = []
    for mention in mentions:
        if phrases and mention.start - phrases[-1][-1].end <= 0:
            phrases[-1].append(mention)
        else:
            phrases.append([mention])
    return phrases


def _is_hometown(text: str, phrase: list[Mention]) -> bool:
    before = text[max(0, phrase[0].start - 5):phrase[0].start]
    after = text[phrase[-1].end:phrase[-1].end + 3]
    return bool(_HOMETOWN_BEFORE.search(before) or _HOMETOWN_AFTER.match(after))


def resolve_place(text: str) -> Place:
    """The nominee's place: outside for natives working elsewhere, else the first workplace, else the hometown."""
    _entries, _pattern, county_names, counties = _index()
    phrases = [phrase for phrase in _phrases(find_mentions(text)) if any(m.kind != "city" for m in phrase)]
    hometown_phrases = [phrase for phrase in phrases if _is_hometown(text, phrase)]
    work_phrases = [phrase for phrase in phrases if phrase not in hometown_phrases]
    place = Place()
    if hometown_phrases:
        place.hometown = _area_of(hometown_phrases[0])
    work_cue = _WORK_CUE.search(text)
    if work_cue and (_NATIVE_CUE.search(text) or hometown_phrases):
        place.county, place.county_name, place.confidence = "outside", None, 0.75
        place.spans.append((work_cue.start(), work_cue.end(), "outside"))
        return place
    chosen = work_phrases[0] if work_phrases else (hometown_phrases[0] if hometown_phrases else None)
    if chosen is None:
        return place
    zone = next((m for m in chosen if m.kind == "zone"), None)
    if zone is None:
        zone = next((m for phrase in work_phrases for m in phrase if m.kind == "zone"), None)
    admin = next((m for m in chosen if m.county), None)
    place.administrative_county = counties[admin.county]["area"] if admin else None
    place.county = zone.area if zone else place.administrative_county
    place.zone = county_names.get(zone.area) if zone else None
    place.county_name = county_names.get(zone.area) if zone else (counties[admin.county]["name"] if admin else None)
    town = next((m for m in chosen if m.town), None)
    if town is None and place.administrative_county:
        town = next((m for phrase in work_phrases for m in phrase if m.town and counties[m.county]["area"] == place.administrative_county), None)
    place.town = town.town if town else None
    end = chosen[-1].end
    village = _VILLAGE_AFTER.match(text[end:end + 8]) if chosen[-1].kind == "town" else None
    if village:
        place.village = village.group(1)
        end = end + village.end()
    place.text = text[chosen[0].start:end]
    place.spans = [(m.start, m.end, m.kind) for m in chosen]
    if village:
        place.spans.append((end - len(village.group(1)), end, "village"))
    place.confidence = 0.9 if chosen in work_phrases else 0.6
    return place


def _area_of(phrase: list[Mention]) -> str | None:
    zone = next((m for m in phrase if m.kind == "zone"), None)
    if zone:
        return zone.area
    return next((m.area for m in phrase if m.area), None)
