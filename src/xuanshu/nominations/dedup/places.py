"""Places as the duplicate finder compares them: the county-level area, the town, and group-name prefixes."""
import re
from dataclasses import dataclass

from xuanshu.nominations.dedup.names import to_simplified

CITY_PREFIXES = ("聊城市", "聊城")

# Other ways people write an area, beyond its name with or without 区/县/市 (茌平 was a county until 2019).
EXTRA_ALIASES = {
    "茌平区": ["茌平县"],
    "聊城经济技术开发区": ["经济技术开发区", "经济开发区", "经开区", "开发区"],
    "聊城高新技术产业开发区": ["高新技术产业开发区", "高新技术开发区", "高新区"],
    "江北水城旅游度假区": ["旅游度假区", "度假区"],
}
_SUFFIXES = ("区", "县", "市")

# A town or street office at the start of a place or group name: 古楼街道, 七级镇, 张鲁回族镇.
_TOWN = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:街道|镇|乡)")
_TOWN_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,5}?(?:街道|镇)")


# Area kinds that place nobody inside the city ("outside the city"): no county to compare.
UNPLACED_KINDS = {"outside"}


@dataclass(frozen=True)
class AreaAliases:
    """Every way of writing each area of a campaign, longest first, mapped to the area's id."""

    aliases: tuple[tuple[str, int], ...]
    unplaced: frozenset[int] = frozenset()

    @classmethod
    def from_areas(cls, areas) -> "AreaAliases":
        """Build from (id, name, kind) rows, e.g. `campaign.areas.values_list("id", "name", "kind")`."""
        table: dict[str, int] = {}
        unplaced = set()
        for area_id, name, kind in areas:
            if kind in UNPLACED_KINDS:
                unplaced.add(area_id)
                continue
            name = to_simplified(name)
            forms = [name, *EXTRA_ALIASES.get(name, [])]
            for prefix in CITY_PREFIXES:
                if name.startswith(prefix) and len(name) > len(prefix) + 1:
                    forms.append(name[len(prefix):])
            for form in list(forms):
                if form.endswith(_SUFFIXES) and len(form) >= 3:
                    forms.append(form[:-1])
            for form in forms:
                table.setdefault(form, area_id)
        return cls(tuple(sorted(table.items(), key=lambda item: len(item[0]), reverse=True)), frozenset(unplaced))

    def county(self, area_id: int | None) -> int | None:
        """The area as a place to compare: None when it is unknown or outside the city."""
        return None if area_id in self.unplaced else area_id

    def leading_area(self, text: str) -> tuple[int | None, str]:
        """The area named at the start of `text` (after the city), and the rest of the text."""
        text = strip_city(text)
        for alias, area_id in self.aliases:
            if text.startswith(alias) and len(text) > len(alias):
                return area_id, text[len(alias):]
        return None, text


def strip_city(text: str) -> str:
    for prefix in CITY_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def town_of(place: str, aliases: AreaAliases) -> str:
    """The town or street office a place description names (古楼街道光明社区 → 古楼街道), or ''."""
    _, rest = aliases.leading_area(to_simplified(place).replace(" ", ""))
    match = _TOWN.search(rest)
    return match.group(0) if match else ""


def group_core(name: str, aliases: AreaAliases) -> tuple[str, int | None, str]:
    """A group's name without the city, county and town it is prefixed with: (core, area id, town)."""
    area_id, rest = aliases.leading_area(name)
    town = ""
    match = _TOWN_PREFIX.match(rest)
    if match and len(rest) - match.end() >= 3:
        town, rest = match.group(0), rest[match.end():]
    return rest, area_id, town
