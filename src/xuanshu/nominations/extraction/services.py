"""Writers of this app's records: the extraction of a free-text nomination, its screening, the reading of a
nomination's follow-up text into it (absorb_follow_ups), and re-extraction of what older rules read (reextract_stale)."""
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as data_field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from xuanshu.campaigns.models import Area, Campaign, Category
from xuanshu.core.masking import mask_email, mask_phone
from xuanshu.core.models import ActivityLog
from xuanshu.core.redaction import redact_contacts_for_storage
from xuanshu.core.services import record_activity
from xuanshu.intake.enums import Channel
from xuanshu.nominations.enums import UNREVIEWED_STATES
from xuanshu.nominations.extraction.corrections import current_fields, editor_edited_fields, extracted_fields
from xuanshu.nominations.extraction.extractor import EXTRACTOR_VERSION, extract_fields
from xuanshu.nominations.extraction.models import Extraction, Screening
from xuanshu.nominations.extraction.profile import profile_for_campaign
from xuanshu.nominations.extraction.screening import find_sensitive, word_list
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.signals import nomination_edited

# The fields of a nomination that may be shown publicly, in the order they are screened.
PUBLIC_FIELDS = ("nominee_name", "place_detail", "deeds")


def record_extraction(*, nomination: Nomination, text: str) -> Extraction:
    """Run the extractor on the message a free-text nomination was read from, and keep its result.

    Run again on the same message by the same rules (a retried task), it keeps what is stored: that may already be the
    message read with its follow-ups (absorb_follow_ups), which reading the message alone would undo.
    """
    stored = Extraction.objects.filter(nomination=nomination).first()
    if stored is not None and stored.opening_text == text and stored.version == EXTRACTOR_VERSION:
        return stored
    result = extract_fields(text, profile_for_campaign(nomination.campaign))
    with transaction.atomic():
        extraction, _created = Extraction.objects.update_or_create(
            nomination=nomination,
            defaults={"text": text, "opening_text": text, "result": result, "version": EXTRACTOR_VERSION},
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


# What the text of follow-ups may fill in a nomination, when empty and no editor has corrected it: what draft_from_text
# fills, with the contacts (a phone number given only in the last part). The nominee's kind goes with the name.
ABSORBED_FIELDS = ("nominee_name", "category", "area", "place_detail", "nominator_name", "nominator_phone", "nominator_email")
# Between the parts of a nomination sent in several messages: a paragraph break, which the extractor never reads
# across as one sentence (text.build_view) and which the deeds show as it is.
PART_SEPARATOR = "\n\n"
_MASKED_IN_AUDIT = {"nominator_phone": mask_phone, "nominator_email": mask_email}


@dataclass(frozen=True)
class Absorbed:
    """What absorb_follow_ups did: `reason` says why nothing was read ('' when the extraction was updated)."""

    changed: tuple[str, ...] = ()  # the nomination's fields it wrote
    reason: str = ""  # "reviewed", "not_free_text", "no_extraction_yet", "unchanged"


def absorb_follow_ups(*, nomination_id: int) -> Absorbed:
    """Read a nomination sent in several messages whole: the opening message and the text of its follow-ups, in the
    order sent, become the extraction's text, and fill the nomination while no editor has reviewed it.

    Only in an unreviewed state (enums.UNREVIEWED_STATES) and only for a nomination whose fields came from the
    extractor (a free-text channel, not an editor's converted tip); once an editor has moved it on, nothing changes.
    The deeds become the whole text (contacts masked, as on creation) unless an editor corrected them; every other
    field is filled only when empty and never corrected by an editor: a value is never overwritten. The text is rebuilt
    from the stored messages each time, so a follow-up read twice, or parts read out of order, end in the same text.
    One audit row (`nomination.follow_up_absorbed`, old and new values) in the transaction that locks the nomination;
    after commit, `nomination_edited` screens and regroups it as after an editor's correction.
    """
    from xuanshu.nominations.selectors import follow_ups_in_sent_order

    with transaction.atomic():
        # The extraction's row, then the nomination's, as reextract_stale locks them: never the other way round.
        extraction = Extraction.objects.select_for_update().filter(nomination_id=nomination_id).first()
        if extraction is None:
            # The opening message's own analysis has not run yet (a task worker took the follow-up first). It runs
            # this once it has stored the extraction, if a follow-up has joined by then (extraction.tasks); one that
            # joins later has its own run after that.
            return Absorbed(reason="no_extraction_yet")
        nomination = (Nomination.objects.select_for_update(of=("self",)).select_related("campaign", "category", "area")
                      .get(pk=nomination_id))
        if nomination.state not in UNREVIEWED_STATES:
            return Absorbed(reason="reviewed")
        if not _fields_from_extractor(nomination):
            return Absorbed(reason="not_free_text")
        parts = list(follow_ups_in_sent_order(nomination.pk).exclude(part_text="")
                     .values_list("inbound__received_at", "inbound_id", "part_text"))
        opening = extraction.opening_text or extraction.text
        text = _joined(sorted([(nomination.received_at, nomination.inbound_id, opening), *parts]))
        if text == extraction.text:
            return Absorbed(reason="unchanged")
        result = extract_fields(text, profile_for_campaign(nomination.campaign))
        new = _absorbed_values(nomination, text, extracted_fields(result))
        current = {**current_fields(nomination), "deeds": nomination.deeds}
        old = {name: current[name] for name in new}
        extraction.text, extraction.opening_text, extraction.result, extraction.version = (
            text, opening, result, EXTRACTOR_VERSION)
        extraction.save(update_fields=["text", "opening_text", "result", "version"])
        if new:
            _apply(nomination, new)
        record_activity(
            actor=None, actor_label=f"extraction:{EXTRACTOR_VERSION}", action="nomination.follow_up_absorbed",
            subject=nomination, old_value=_audited(old),
            new_value={"follow_ups": [inbound_id for _at, inbound_id, _text in parts], **_audited(new)},
        )
        if new:
            changed = sorted(new)
            transaction.on_commit(lambda: nomination_edited.send(sender=Nomination, nomination=nomination, fields=changed))
    return Absorbed(changed=tuple(sorted(new)))


def _joined(parts: list[tuple]) -> str:
    return PART_SEPARATOR.join(text.strip() for _at, _id, text in parts if text.strip())


def _absorbed_values(nomination: Nomination, text: str, read: dict) -> dict:
    """The fields the whole text fills, as the nomination stores them (codes for category and county)."""
    edited = editor_edited_fields([nomination.pk]).get(nomination.pk, set())
    current = current_fields(nomination)
    new = {}
    deeds = redact_contacts_for_storage(text.strip()).strip()  # as draft_from_text and creation store the message
    if "deeds" not in edited and deeds != nomination.deeds:
        new["deeds"] = deeds
    for name in ABSORBED_FIELDS:
        value = _stored(name, read[name])
        if name == "nominator_email":
            value = _valid_email((value or "").strip()[:254])
        if name in edited or current[name] or not value:
            continue
        new[name] = value
        if name == "nominee_name" and "nominee_kind" not in edited and read["nominee_kind"] != current["nominee_kind"]:
            new["nominee_kind"] = read["nominee_kind"]
    return new


def _valid_email(address: str) -> str:
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def _audited(values: dict) -> dict:
    """Old or new values as the audit log keeps them: contacts masked, as update_nomination_fields writes them."""
    return {name: _MASKED_IN_AUDIT[name](value) if name in _MASKED_IN_AUDIT and value else value
            for name, value in values.items()}


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
