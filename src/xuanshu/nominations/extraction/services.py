"""Writers of this app's records: the extraction of a free-text nomination, its screening, and re-extraction of
what older rules read (reextract_stale)."""
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as data_field

from django.db import transaction
from django.utils import timezone

from xuanshu.campaigns.models import Area, Campaign, Category
from xuanshu.core.models import ActivityLog
from xuanshu.core.redaction import redact_contacts_for_storage
from xuanshu.core.services import record_activity
from xuanshu.intake.enums import Channel
from xuanshu.nominations.extraction.corrections import current_fields, editor_edited_fields, extracted_fields
from xuanshu.nominations.extraction.extractor import EXTRACTOR_VERSION, extract_fields
from xuanshu.nominations.extraction.models import Extraction, Screening
from xuanshu.nominations.extraction.profile import profile_for_campaign
from xuanshu.nominations.extraction.screening import find_sensitive, word_list
from xuanshu.nominations.models import Nomination

# The fields of a nomination that may be shown publicly, in the order they are screened.
PUBLIC_FIELDS = ("nominee_name", "place_detail", "deeds")


def record_extraction(*, nomination: Nomination, text: str) -> Extraction:
    """Run the extractor on the message a free-text nomination was read from, and keep its result."""
    result = extract_fields(text, profile_for_campaign(nomination.campaign))
    with transaction.atomic():
        extraction, _created = Extraction.objects.update_or_create(
            nomination=nomination, defaults={"text": text, "result": result, "version": EXTRACTOR_VERSION},
        )
    return extraction


def public_text_hits(nomination: Nomination) -> list[dict]:
    """Sensitive words in the nomination's public fields as they are now."""
    words = word_list()
    hits = []
    for field in PUBLIC_FIELDS:
        for hit in find_sensitive(getattr(nomination, field) or "", words):
            hits.append({"word": hit.word, "category": hit.category, "field": field, "start": hit.start, "end": hit.end})
    return hits


def screen_nomination(*, nomination: Nomination) -> Screening:
    """Screen the nomination's public text against the word list and keep the flag for editors."""
    hits = public_text_hits(nomination)
    with transaction.atomic():
        screening, _created = Screening.objects.update_or_create(
            nomination=nomination,
            defaults={"flagged": bool(hits), "matches": hits, "word_list": word_list().digest, "screened_at": timezone.now()},
        )
    return screening


# What re-extraction may rewrite in a nomination: the fields the extractor fills in a draft, not the contacts
# (the sender's own contacts win over those read in the text) nor the deeds (the message itself).
REEXTRACTED_FIELDS = ("nominee_name", "nominee_kind", "category", "area", "place_detail", "nominator_name")
# A change to one of these may move the nomination to another nominee (dedup.receivers.MATCHED_FIELDS).
GROUPING_FIELDS = {"nominee_name", "nominee_kind", "area", "place_detail"}
# Channels whose nominations take their fields from the extractor (draft_from_text); the web form's and the
# hotline's fields are what the citizen or the operator entered, and only the evidence is read again there.
FREE_TEXT_CHANNELS = {Channel.WECHAT, Channel.EMAIL, Channel.API}
_LENGTHS = {"nominee_name": 100, "place_detail": 200, "nominator_name": 100}


@dataclass
class ReextractSummary:
    """What reextract_stale did: counts, the fields it rewrote, and whose grouping may change."""

    checked: int = 0
    reextracted: int = 0
    nominations_changed: int = 0
    fields_changed: dict[str, int] = data_field(default_factory=dict)
    kept_for_editors: int = 0  # fields an editor corrected (or that never came from the extractor), left as they are
    versions: dict[str, int] = data_field(default_factory=dict)  # old version → extractions re-run
    regroup_nominees: set[int] = data_field(default_factory=set)  # nominees a changed nomination belongs to
    unassigned_renamed: set[int] = data_field(default_factory=set)  # changed nominations with no nominee yet
    campaigns: set[int] = data_field(default_factory=set)  # campaigns of the nominations whose grouping fields changed


def stale_extractions(*, campaign: Campaign | None = None):
    """Extractions made by an older rules version than the running one, oldest first."""
    rows = Extraction.objects.exclude(version=EXTRACTOR_VERSION)
    return rows.filter(nomination__campaign=campaign) if campaign is not None else rows


def reextract_stale(*, campaign: Campaign | None = None, batch_size: int = 200, dry_run: bool = False,
                    progress: Callable[[ReextractSummary, int], None] | None = None) -> ReextractSummary:
    """Read again, with the running rules, every message whose stored extraction an older rules version made.

    Raw first: the extractor runs on the extraction's stored text (the message as its channel read it), never on the
    nomination's fields. A field of the nomination is rewritten only when it still holds what the old rules read and
    no editor has corrected it (an audited `nomination.edit` by a user, as in corrections.py); every rewrite is audited
    (`nomination.reextract`, no user). Idempotent: a re-extracted record carries the running version and is not read
    again. `progress(summary, remaining)` is called after each batch of `batch_size`.
    """
    summary = ReextractSummary()
    last_id = 0
    remaining = stale_extractions(campaign=campaign).count()
    while True:
        ids = list(stale_extractions(campaign=campaign).filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            return summary
        last_id = ids[-1]
        for extraction_id in ids:
            _reextract_one(extraction_id, summary, dry_run=dry_run)
        remaining -= len(ids)
        if progress is not None:
            progress(summary, max(remaining, 0))


def _reextract_one(extraction_id: int, summary: ReextractSummary, *, dry_run: bool) -> None:
    from xuanshu.nominations.dedup.models import NomineeMembership

    with transaction.atomic():
        # Lock only the rows written (`of`): PostgreSQL cannot lock the nullable side of the joins (category, area).
        extraction = (Extraction.objects.select_for_update(of=("self",))
                      .select_related("nomination__campaign", "nomination__category", "nomination__area")
                      .filter(pk=extraction_id).first())
        if extraction is None or extraction.version == EXTRACTOR_VERSION:
            return  # re-extracted meanwhile (another run), or the nomination is gone
        nomination = (Nomination.objects.select_for_update(of=("self",)).select_related("campaign", "category", "area")
                      .get(pk=extraction.nomination_id))
        summary.checked += 1
        old_version = extraction.version
        result = extract_fields(extraction.text, profile_for_campaign(nomination.campaign))
        was_read, now_read = extracted_fields(extraction.result), extracted_fields(result)
        edited = editor_edited_fields([nomination.pk]).get(nomination.pk, set())
        if not _fields_from_extractor(nomination):
            edited = set(REEXTRACTED_FIELDS)
        current = current_fields(nomination)
        old, new = {}, {}
        for name in REEXTRACTED_FIELDS:
            value = _stored(name, now_read[name])
            if value == current[name] or _stored(name, was_read[name]) == value:
                continue  # nothing to change
            if name in edited or current[name] != _stored(name, was_read[name]):
                summary.kept_for_editors += 1  # an editor's correction, or a value the sender or form gave
                continue
            old[name], new[name] = current[name], value
        summary.reextracted += 1
        summary.versions[old_version] = summary.versions.get(old_version, 0) + 1
        if new:
            summary.nominations_changed += 1
            for name in new:
                summary.fields_changed[name] = summary.fields_changed.get(name, 0) + 1
            if GROUPING_FIELDS & set(new):
                summary.campaigns.add(nomination.campaign_id)
                nominee_id = NomineeMembership.objects.filter(nomination=nomination).values_list("nominee_id", flat=True).first()
                if nominee_id is not None:
                    summary.regroup_nominees.add(nominee_id)
                else:
                    summary.unassigned_renamed.add(nomination.pk)
        if dry_run:
            transaction.set_rollback(True)
            return
        if new:
            _apply(nomination, new)
        extraction.result, extraction.version = result, EXTRACTOR_VERSION
        extraction.save(update_fields=["result", "version"])
        record_activity(
            actor=None, actor_label=f"extraction:{EXTRACTOR_VERSION}", action="nomination.reextract", subject=nomination,
            old_value={"version": old_version, **old}, new_value={"version": EXTRACTOR_VERSION, **new},
        )
        if set(new) & set(PUBLIC_FIELDS):
            transaction.on_commit(lambda: screen_nomination(nomination=nomination))


def _fields_from_extractor(nomination: Nomination) -> bool:
    """Did the extractor fill the nomination's fields: a free-text channel, and no editor created it (a converted tip)?"""
    if nomination.channel not in FREE_TEXT_CHANNELS:
        return False
    return not ActivityLog.objects.filter(action="nomination.create", subject_type="nominations.nomination",
                                          subject_id=str(nomination.pk), actor__isnull=False).exists()


def _stored(name: str, value):
    """An extracted value as the nomination would store it (what create_nomination_from_draft does to a draft)."""
    if name in _LENGTHS:
        return redact_contacts_for_storage((value or "")[:_LENGTHS[name]].strip())
    return value


def _apply(nomination: Nomination, new: dict) -> None:
    for name, value in new.items():
        if name == "category":
            nomination.category = Category.objects.get(campaign_id=nomination.campaign_id, code=value) if value else None
        elif name == "area":
            nomination.area = Area.objects.get(campaign_id=nomination.campaign_id, code=value) if value else None
        else:
            setattr(nomination, name, value)
    nomination.full_clean()
    nomination.save(update_fields=[*new, "updated_at"])
