"""What the extractor needs to know about a campaign: keyword, categories, areas, hotline.

Built from a Campaign row, from a campaign TOML file, or (no campaign at all) from the defaults shipped
in data/categories.toml and data/gazetteer.json, whose area codes are the seed campaign's.
"""
import functools
from dataclasses import dataclass

from xuanshu.nominations.extraction.categories import category_data
from xuanshu.nominations.extraction.lexicon import gazetteer


@dataclass(frozen=True)
class CampaignProfile:
    keyword: str
    keyword_variants: tuple[str, ...]
    categories: tuple[tuple[str, str, str], ...]  # (code, name, description)
    areas: tuple[tuple[str, str, str], ...]  # (code, name, kind)
    hotline: str = ""
    slug: str = ""

    def area_code(self, gazetteer_area: str | None) -> str | None:
        """The campaign's area code for a gazetteer area (county or zone slug, or `outside`)."""
        if gazetteer_area is None:
            return None
        return _area_map(self.areas).get(gazetteer_area)

    def area_name(self, code: str | None) -> str | None:
        return next((name for area_code, name, _kind in self.areas if area_code == code), None)


@functools.lru_cache(maxsize=64)
def _area_map(areas: tuple[tuple[str, str, str], ...]) -> dict[str, str]:
    """Match the campaign's areas to the gazetteer by name (茌平区 ~ 茌平), and `outside` by kind."""
    data = gazetteer()
    names = {county["area"]: [county["name"], *county["aliases"]] for county in data["counties"]}
    names.update({zone["area"]: [zone["name"], *zone["aliases"]] for zone in data["zones"]})
    mapping = {}
    for code, name, kind in areas:
        if kind == "outside":
            mapping["outside"] = code
            continue
        for slug, known in names.items():
            if name in known or any(alias in name for alias in known if len(alias) >= 3):
                mapping.setdefault(slug, code)
    return mapping


def default_profile() -> CampaignProfile:
    data, places = category_data(), gazetteer()
    default = data["default"]
    areas = [(county["area"], county["name"], "county") for county in places["counties"]]
    areas += [(zone["area"], zone["name"], "zone") for zone in places["zones"]]
    areas.append(("outside", "聊城市外", "outside"))
    return CampaignProfile(
        keyword=default["keyword"],
        keyword_variants=tuple(default["keyword_variants"]),
        categories=tuple((code, spec["name"], "") for code, spec in data["categories"].items()),
        areas=tuple(areas),
        hotline=default["hotline"],
    )


def profile_for_campaign(campaign) -> CampaignProfile:
    """From a Campaign row (its active categories and areas)."""
    return CampaignProfile(
        keyword=campaign.keyword,
        keyword_variants=tuple(campaign.keyword_variants or ()),
        categories=tuple(campaign.categories.filter(is_active=True).values_list("code", "name", "description")),
        areas=tuple(campaign.areas.filter(is_active=True).values_list("code", "name", "kind")),
        hotline=campaign.hotline,
        slug=campaign.slug,
    )


def profile_from_spec(spec) -> CampaignProfile:
    """From a parsed campaign file (campaigns.loader.CampaignSpec), without a database."""
    return CampaignProfile(
        keyword=spec.keyword,
        keyword_variants=tuple(spec.keyword_variants),
        categories=tuple((c.code, c.name, c.description) for c in spec.categories),
        areas=tuple((a.code, a.name, a.kind) for a in spec.areas),
        hotline=spec.hotline,
        slug=spec.slug,
    )
