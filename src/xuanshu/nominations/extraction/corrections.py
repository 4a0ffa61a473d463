"""Labelled examples from editors' corrections: the message, what the extractor read, what editors kept.

An editor's correction is an audited `nomination.edit` by a signed-in user (ActivityLog); pipeline writes
(no user) are not corrections. Contacts are masked in the text and left out of the fields unless asked for.
"""
import re
from collections.abc import Iterator

from xuanshu.core.masking import mask_email
from xuanshu.core.models import ActivityLog
from xuanshu.nominations.extraction.models import Extraction

FIELDS = ["nominee_name", "nominee_kind", "category", "area", "place_detail", "nominator_name"]
CONTACT_FIELDS = ["nominator_phone", "nominator_email"]
_NUMBER = re.compile(r"[0-9０-９+＋][0-9０-９ \-－]{5,}[0-9０-９]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-＠]+[@＠][A-Za-z0-9\-]+(?:[.．][A-Za-z0-9\-]+)*[.．][A-Za-z]{2,}")


def mask_contacts(text: str) -> str:
    """Digits of long numbers (phones) hidden but the first three and last four; e-mail local parts hidden."""
    def hide_digits(match: re.Match) -> str:
        value = match.group()
        positions = [i for i, ch in enumerate(value) if ch.isdigit()]
        if len(positions) < 7:
            return value
        hidden = set(positions[3:-4])
        return "".join("*" if i in hidden else ch for i, ch in enumerate(value))

    return _NUMBER.sub(hide_digits, _EMAIL.sub(lambda m: mask_email(m.group()), text))


def extracted_fields(result: dict) -> dict:
    """The extractor's result in the nomination's own field names."""
    first = result["nominees"][0] if result.get("nominees") else None
    nominator = result.get("nominator") or {}
    return {
        "nominee_name": first["name"] if first else "",
        "nominee_kind": "group" if first and first["is_group"] else "individual",
        "category": result.get("category"),
        "area": (result.get("place") or {}).get("county"),
        "place_detail": (result.get("place") or {}).get("text") or "",
        "nominator_name": nominator.get("name") or "",
        "nominator_phone": nominator["phones"][0]["e164"] if nominator.get("phones") else "",
        "nominator_email": nominator["emails"][0] if nominator.get("emails") else "",
    }


def current_fields(nomination) -> dict:
    return {
        "nominee_name": nomination.nominee_name,
        "nominee_kind": nomination.nominee_kind,
        "category": nomination.category.code if nomination.category_id else None,
        "area": nomination.area.code if nomination.area_id else None,
        "place_detail": nomination.place_detail,
        "nominator_name": nomination.nominator_name,
        "nominator_phone": nomination.nominator_phone,
        "nominator_email": nomination.nominator_email,
    }


def editor_edited_fields(nomination_ids: list[int]) -> dict[int, set[str]]:
    """The fields an editor has corrected, per nomination (pipeline and re-extraction writes are no corrections)."""
    return {
        int(subject_id): {key for row in rows for key in (row.new_value or {})}
        for subject_id, rows in _editor_edits(nomination_ids).items()
    }


def _editor_edits(nomination_ids: list[int]) -> dict[str, list[ActivityLog]]:
    edits: dict[str, list[ActivityLog]] = {}
    rows = ActivityLog.objects.filter(
        action="nomination.edit", subject_type="nominations.nomination", subject_id__in=[str(i) for i in nomination_ids],
        actor__isnull=False,
    ).order_by("created_at", "id")
    for row in rows:
        edits.setdefault(row.subject_id, []).append(row)
    return edits


def corrected_examples(*, campaign_slug: str | None = None, include_uncorrected: bool = False,
                       include_contacts: bool = False, batch: int = 500) -> Iterator[dict]:
    """One labelled example per extracted nomination that an editor corrected (or every one)."""
    extractions = Extraction.objects.select_related("nomination__category", "nomination__area", "nomination__campaign")
    if campaign_slug:
        extractions = extractions.filter(nomination__campaign__slug=campaign_slug)
    extractions = extractions.order_by("id")
    fields = FIELDS + (CONTACT_FIELDS if include_contacts else [])
    last_id = 0
    while True:
        page = list(extractions.filter(id__gt=last_id)[:batch])
        if not page:
            return
        last_id = page[-1].id
        edits = _editor_edits([extraction.nomination_id for extraction in page])
        for extraction in page:
            nomination = extraction.nomination
            rows = edits.get(str(nomination.pk), [])
            if not rows and not include_uncorrected:
                continue
            extracted = {key: value for key, value in extracted_fields(extraction.result).items() if key in fields}
            corrected = {key: value for key, value in current_fields(nomination).items() if key in fields}
            edited = sorted({key for row in rows for key in (row.new_value or {}) if key in fields})
            yield {
                "reference": nomination.reference,
                "campaign": nomination.campaign.slug,
                "text": extraction.text if include_contacts else mask_contacts(extraction.text),
                "extracted": extracted,
                "corrected": corrected,
                "changed": [key for key in fields if extracted.get(key) != corrected.get(key)],
                "edited_fields": edited,
                "corrected_at": rows[-1].created_at.isoformat() if rows else None,
                "extractor_version": extraction.version,
                "nominees_found": extraction.result.get("nominees", []),
            }
