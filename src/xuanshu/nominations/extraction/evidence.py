"""The console's evidence panel: the message with each extracted value highlighted, the extracted values
with their confidence, and the sensitive-content screening. Read-only; contacts masked unless revealed."""
from django.utils.translation import gettext_lazy as _

from xuanshu.campaigns.enums import NomineeKind
from xuanshu.core.masking import mask_email
from xuanshu.nominations.extraction.corrections import mask_contacts
from xuanshu.nominations.extraction.models import Extraction, Screening
from xuanshu.nominations.extraction.screening import find_sensitive
from xuanshu.nominations.extraction.services import public_text_hits

# (span field prefix, css kind, label); the first kind that covers a character wins its highlight.
KINDS = [
    ("sensitive", "sensitive", _("Sensitive word")),
    ("nominator.phones", "contact", _("Nominator's phone")),
    ("nominator.emails", "contact", _("Nominator's e-mail")),
    ("nominator.wechat_ids", "contact", _("Nominator's WeChat id")),
    ("nominees", "nominee", _("Nominee")),
    ("nominator.name", "nominator", _("Nominator")),
    ("place", "place", _("Place")),
    ("category", "category", _("Category cue")),
    ("keyword", "keyword", _("Campaign keyword")),
]
_ORDER = {prefix: index for index, (prefix, _kind, _label) in enumerate(KINDS)}


def _kind_of(field: str) -> tuple[int, str, str]:
    for prefix, kind, label in KINDS:
        if field == prefix or field.startswith(prefix + ".") or field.startswith(prefix + "["):
            return _ORDER[prefix], kind, label
    return len(KINDS), "other", field


def highlighted_pieces(text: str, spans: list[dict], *, reveal: bool) -> list[dict]:
    """`text` cut into pieces, each either plain or one highlighted value (masked unless `reveal`)."""
    owner: list[tuple | None] = [None] * len(text)
    for span in spans:
        rank, kind, label = _kind_of(span["field"])
        for position in range(max(span["start"], 0), min(span["end"], len(text))):
            if owner[position] is None or rank < owner[position][0]:
                owner[position] = (rank, kind, label, span["field"], span["start"])
    pieces: list[dict] = []
    for position, ch in enumerate(text):
        key = owner[position]
        if pieces and pieces[-1]["key"] == key:
            pieces[-1]["text"] += ch
        else:
            pieces.append({"key": key, "text": ch})
    shown = []
    for piece in pieces:
        key, value = piece["key"], piece["text"]
        if not reveal:
            value = mask_email(value) if key and key[1] == "contact" and "@" in value else mask_contacts(value)
        shown.append({"text": value, "kind": key[1] if key else "", "label": key[2] if key else "", "field": key[3] if key else ""})
    return shown


def _confidence(result: dict, key: str) -> str:
    value = (result.get("confidence") or {}).get(key)
    return f"{value:.2f}" if isinstance(value, (int, float)) else "—"


def also_named(result: dict, recorded_name: str) -> list[str]:
    """Nominees the extractor found that the nomination does not record (a nomination records one nominee, the
    first found: 王秀兰和李建国两位志愿者… records 王秀兰), so an editor sees them instead of losing them."""
    recorded = "".join(recorded_name.split())
    names = [nominee["name"] for nominee in result.get("nominees", [])]
    if not recorded:
        return names[1:]
    return [name for name in names if "".join(name.split()) not in recorded]


def extracted_rows(result: dict, *, reveal: bool, category_names: dict | None = None, recorded_name: str | None = None) -> list[dict]:
    """The extracted values as table rows. With `recorded_name` (the nomination's nominee as it is now), the other
    nominees found in the message get a row of their own, with a note."""
    place = result.get("place") or {}
    nominator = result.get("nominator") or {}
    phones = [p["display"] for p in nominator.get("phones", [])]
    emails = list(nominator.get("emails", []))
    if not reveal:
        phones = [mask_contacts(phone) for phone in phones]
        emails = [mask_email(email) for email in emails]
    nominees = [
        f"{n['name']} ({(NomineeKind.GROUP if n['is_group'] else NomineeKind.INDIVIDUAL).label})"
        + (f": {'、'.join(n['members'])}" if n.get("members") else "")
        for n in result.get("nominees", [])
    ]
    place_parts = [place.get("county_name"), place.get("zone") if place.get("zone") != place.get("county_name") else None,
                   place.get("town"), place.get("village")]
    others = also_named(result, recorded_name) if recorded_name is not None else []
    return [
        {"label": _("Nominees"), "value": "；".join(nominees) or "—", "confidence": _confidence(result, "nominees")},
        *([{"label": _("Also named in the message"), "value": "、".join(others), "confidence": "—", "note": _(
            "Not this nomination's nominee. Check whether they need a nomination of their own, or whether this one is for a group."
        )}] if others else []),
        {"label": _("Category"), "value": (category_names or {}).get(result.get("category")) or result.get("category") or "—",
         "confidence": _confidence(result, "category")},
        {"label": _("County"), "value": " · ".join(p for p in place_parts if p) or "—", "confidence": _confidence(result, "place")},
        {"label": _("Nominator"), "value": nominator.get("name") or "—", "confidence": _confidence(result, "nominator")},
        {"label": _("Phones"), "value": "，".join(phones) or "—", "confidence": _confidence(result, "phones")},
        {"label": _("E-mail"), "value": "，".join(emails) or "—", "confidence": "—"},
        {"label": _("Summary"), "value": result.get("summary") or "—", "confidence": "—"},
    ]


def evidence_for_console(nomination, *, reveal: bool = False) -> dict:
    """What the evidence panel shows for one nomination (empty parts when there is nothing to show)."""
    extraction = Extraction.objects.filter(nomination=nomination).first()
    screening = Screening.objects.filter(nomination=nomination).first()
    panel = {"extraction": None, "hits": public_text_hits(nomination), "flagged_on_arrival": bool(screening and screening.flagged)}
    if extraction is not None:
        spans = list(extraction.result.get("spans", []))
        spans += [{"field": "sensitive", "start": hit.start, "end": hit.end} for hit in find_sensitive(extraction.text)]
        panel["extraction"] = {
            "pieces": highlighted_pieces(extraction.text, spans, reveal=reveal),
            "rows": extracted_rows(extraction.result, reveal=reveal,
                                   category_names=dict(nomination.campaign.categories.values_list("code", "name")),
                                   recorded_name=nomination.nominee_name),
            "version": extraction.version,
            "created_at": extraction.created_at,
        }
    return panel
