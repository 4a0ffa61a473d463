"""Match reasons for people: the stored codes (language-neutral) as translated phrases."""
from django.utils.translation import gettext_lazy as _

REASON_LABELS = {
    "same_name": _("Same name"),
    "name_written_differently": _("Name written differently (script, spacing or title)"),
    "homophone_name": _("Names sound the same"),
    "pinyin_name": _("Name written in pinyin, read the same"),
    "pinyin_name_reordered": _("Name written in pinyin with the surname last, read the same (check: either order is possible)"),
    "similar_name": _("Similar names"),
    "same_group_name": _("Same group name"),
    "similar_group_name": _("Similar group names"),
    "same_county": _("Same county"),
    "county_unknown": _("County unknown on one side"),
    "different_county": _("Different counties"),
    "same_town": _("Same town"),
    "different_town": _("Different towns"),
    "similar_deeds": _("Similar deeds (%(value)s%%)"),
    "related_deeds": _("Related deeds (%(value)s%%)"),
    "different_deeds": _("Different deeds (%(value)s%%)"),
    "merged_by_editor": _("Merged by an editor"),
    "split_by_editor": _("Split off by an editor"),
}


def describe(reasons: list[dict]) -> list[str]:
    """Each reason as a phrase in the current language; unknown codes are shown as they are."""
    phrases = []
    for reason in reasons or []:
        label = REASON_LABELS.get(reason.get("code"))
        if label is None:
            phrases.append(str(reason.get("code", "")))
        elif "value" in reason:
            phrases.append(str(label) % {"value": reason["value"]})
        else:
            phrases.append(str(label))
    return phrases
