"""The only writers of nominations: creation from an inbound message, state, fields and notes."""
import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models, transaction
from django.utils.translation import gettext as _

from xuanshu.campaigns.enums import NomineeKind
from xuanshu.campaigns.models import Area, Category
from xuanshu.core.errors import DomainError, IllegalTransition, PermissionDenied
from xuanshu.core.masking import mask_email, mask_phone
from xuanshu.core.phones import parse_cn_phone, to_e164
from xuanshu.core.redaction import numbers_restored, redact_contacts_for_storage
from xuanshu.core.services import record_activity
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.enums import REASON_REQUIRED, TRANSITIONS, NominationState
from xuanshu.nominations.models import FollowUpMessage, Nomination, NominationNote
from xuanshu.nominations.signals import nomination_created, nomination_edited

logger = logging.getLogger("xuanshu.nominations")


@dataclass(frozen=True)
class NominationDraft:
    """What a channel's interpreter read out of an inbound message."""

    nominee_name: str
    nominee_kind: str
    deeds: str
    category_code: str | None = None
    area_code: str | None = None
    place_detail: str = ""
    nominator_name: str = ""
    nominator_phone: str = ""
    nominator_email: str = ""
    consent_at: dt.datetime | None = None
    source_text: str = ""  # the free text the draft was read from; empty for structured forms


@transaction.atomic  # the reference allocated below, the nomination and its audit row: all or nothing
def create_nomination_from_draft(*, inbound: InboundMessage, draft: NominationDraft, actor=None) -> Nomination:
    """Create the nomination for an inbound message; re-running for the same message returns it unchanged.

    Contacts typed into the text fields (a phone number in the deeds) are masked, whatever the channel: the
    nomination is shown to viewers, exported without contacts and may be published. The raw inbound message
    keeps them, revealed only through the console's logged flow; the contact fields keep theirs. Resident ID and bank
    card numbers are stored whole, however grouped, and masked wherever the text is shown until a logged reveal
    (`redact_contacts_for_storage` says why).
    """
    existing = Nomination.objects.filter(inbound=inbound).first()
    if existing:
        return existing
    campaign = inbound.campaign
    if campaign is None:
        raise DomainError("inbound message has no campaign", code="not_a_nomination")
    if not inbound.reference:
        # Channels that decide only on processing (e-mail) get their reference here, in this transaction.
        from xuanshu.intake.services import allocate_reference

        inbound.reference = allocate_reference(campaign)
        type(inbound).objects.filter(pk=inbound.pk).update(reference=inbound.reference)
    nomination = Nomination(
        campaign=campaign,
        reference=inbound.reference,
        inbound=inbound,
        channel=inbound.channel,
        received_at=inbound.received_at,
        nominee_name=redact_contacts_for_storage(draft.nominee_name.strip()),
        nominee_kind=draft.nominee_kind,
        category=Category.objects.get(campaign=campaign, code=draft.category_code) if draft.category_code else None,
        area=Area.objects.get(campaign=campaign, code=draft.area_code) if draft.area_code else None,
        place_detail=redact_contacts_for_storage(draft.place_detail.strip()),
        deeds=redact_contacts_for_storage(draft.deeds.strip()),
        nominator_name=redact_contacts_for_storage(draft.nominator_name.strip()),
        nominator_phone=draft.nominator_phone,
        nominator_email=draft.nominator_email.strip(),
        consent_at=draft.consent_at,
        is_demo=inbound.is_demo,
    )
    nomination.full_clean()
    with transaction.atomic():
        nomination.save()
        record_activity(
            actor=actor, actor_label=f"channel:{inbound.channel}", action="nomination.create", subject=nomination,
            new_value={"state": nomination.state, "inbound": inbound.pk},
        )
        transaction.on_commit(lambda: nomination_created.send(
            sender=Nomination, nomination=nomination, inbound=inbound, source_text=draft.source_text,
        ))
    return nomination


def _require(actor, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(_("You do not have permission to do this."))


class StaleState(DomainError):
    """The nomination is no longer in the state the editor's page showed; nothing was changed."""

    def __init__(self, message: str, *, current: str):
        super().__init__(message, code="stale_state")
        self.current = current


def set_nomination_state(
    *, nomination: Nomination, new_state: str, actor, reason: str = "", expected_state: str | None = None,
) -> Nomination:
    """The only writer of a nomination's state: checks TRANSITIONS, audits in the same transaction.

    With `expected_state` (the state the editor's page showed), a nomination that has left that state since is not
    moved: StaleState is raised, checked under the row lock, so two editors' moves cannot both pass.
    """
    _require(actor, "nominations.review_nomination")
    _check_state_move(new_state, reason)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Nomination.objects.select_for_update().get(pk=nomination.pk)
        old_state = locked.state
        if expected_state is not None and old_state != expected_state:
            raise StaleState(
                _("It has left “%(shown)s” since the page was drawn: it is now “%(current)s”.")
                % {"shown": _state_label(expected_state), "current": NominationState(old_state).label},
                current=old_state,
            )
        if new_state not in TRANSITIONS[old_state]:
            raise IllegalTransition(
                _("A nomination cannot go from “%(old)s” to “%(new)s”.")
                % {"old": NominationState(old_state).label, "new": NominationState(new_state).label}
            )
        locked.state = new_state
        locked.save(update_fields=["state", "updated_at"])
        record_activity(
            actor=actor, action=f"nomination.{new_state}", subject=locked,
            old_value={"state": old_state}, new_value={"state": new_state}, reason=reason,
        )
    nomination.state = new_state
    nomination.updated_at = locked.updated_at
    return nomination


def _check_state_move(new_state: str, reason: str) -> None:
    if new_state not in NominationState.values:
        raise IllegalTransition(_("Unknown state: %(state)s") % {"state": new_state})
    if new_state in REASON_REQUIRED and not (reason or "").strip():
        raise DomainError(_("Please give a reason for this change."), code="reason_required")


def _state_label(state: str) -> str:
    return NominationState(state).label if state in NominationState.values else state


# The most nominations one batch moves: a page of the queue is 50.
BATCH_MOVE_MAX = 100


@dataclass(frozen=True)
class SkippedMove:
    reference: str
    code: str  # stale_state, illegal_transition, already_there, not_found
    message: str  # why, in the language of the request


@dataclass(frozen=True)
class BatchMove:
    new_state: str
    moved: list[str]  # references, in the order asked
    skipped: list[SkippedMove]


def move_nominations(*, shown_states: Mapping[int, str], new_state: str, actor, reason: str = "") -> BatchMove:
    """Move each nomination (id → the state the editor's page showed) to `new_state`, one at a time.

    Per item, not all or nothing: each move is `set_nomination_state` in its own transaction (the state and its
    audit row together), and a nomination that cannot move is skipped and reported with why: it left the state the
    page showed, its state does not allow this move, it is already there, or it no longer exists. What applies to
    the whole batch (permission, an unknown state, a missing reason, too many) is refused before anything moves.
    """
    _require(actor, "nominations.review_nomination")
    _check_state_move(new_state, reason)
    if len(shown_states) > BATCH_MOVE_MAX:
        raise DomainError(_("Select at most %(count)d nominations at a time.") % {"count": BATCH_MOVE_MAX},
                          code="too_many")
    found = Nomination.objects.only("id", "reference", "state").in_bulk(list(shown_states))
    moved, skipped = [], []
    for nomination_id, shown in shown_states.items():
        nomination = found.get(nomination_id)
        if nomination is None:
            skipped.append(SkippedMove(f"#{nomination_id}", "not_found", _("It no longer exists.")))
            continue
        if shown == new_state and nomination.state == new_state:
            skipped.append(SkippedMove(nomination.reference, "already_there",
                                       _("It is already “%(state)s”.") % {"state": _state_label(new_state)}))
            continue
        try:
            set_nomination_state(nomination=nomination, new_state=new_state, actor=actor, reason=reason,
                                 expected_state=shown)
        except Nomination.DoesNotExist:  # deleted since it was read above
            skipped.append(SkippedMove(nomination.reference, "not_found", _("It no longer exists.")))
        except StaleState as error:
            skipped.append(SkippedMove(nomination.reference, error.code, error.message))
        except IllegalTransition:
            skipped.append(SkippedMove(nomination.reference, "illegal_transition", _(
                "“%(old)s” cannot move to “%(new)s”.") % {"old": _state_label(shown), "new": _state_label(new_state)}))
        else:
            moved.append(nomination.reference)
    return BatchMove(new_state=new_state, moved=moved, skipped=skipped)


EDITABLE_FIELDS = [
    "nominee_name", "nominee_kind", "category", "area", "place_detail", "deeds",
    "nominator_name", "nominator_phone", "nominator_email",
]
_CONTACT_MASKS = {"nominator_phone": mask_phone, "nominator_email": mask_email}
# Free text that is shown and exported without a reveal: contacts in it are masked when it is written.
MASKED_TEXT_FIELDS = ("nominee_name", "place_detail", "deeds", "nominator_name")


# Fields whose loaded values an edit form carries as digests, to notice another editor's save. Not the contacts:
# a short digest of a phone number is easily reversed, and the form is not a contact reveal.
VERSIONED_FIELDS = ("nominee_name", "nominee_kind", "category", "area", "place_detail", "deeds", "nominator_name")


class EditConflict(DomainError):
    """Another editor changed some of the same fields after this editor loaded the form; `fields` names them."""

    def __init__(self, message: str, *, fields: list[str]):
        super().__init__(message, code="edit_conflict")
        self.fields = fields


def _newlines(text: str) -> str:
    # Browsers send a textarea's line breaks as CRLF; stored text keeps LF, so an unchanged save changes nothing.
    return text.replace("\r\n", "\n").replace("\r", "\n")


# The longest deeds a channel with a limit takes in: the partner API's 10,000 characters (the web form and the hotline
# take 5,000). An e-mail has no limit, so deeds that came longer may be corrected or shortened, never lengthened.
EDITED_DEEDS_MAX_CHARS = 10_000


def deeds_limit(current: str) -> int:
    """The most characters an editor may save as deeds that now read `current`."""
    return max(EDITED_DEEDS_MAX_CHARS, len(_newlines(current or "")))


def deeds_length(text: str) -> int:
    """The length of deeds as they are stored (a line break counts once)."""
    return len(_newlines(text))


def field_digest(field: str, value) -> str:
    """A short digest of one editable field's value (a model instance by its key), as an edit form carries it."""
    if isinstance(value, models.Model):
        value = value.pk
    text = "" if value is None else _newlines(str(value))
    return hashlib.sha256(f"{field}\0{text}".encode()).hexdigest()[:16]


def nomination_field_digests(nomination: Nomination) -> dict[str, str]:
    """The digests of a nomination's editable fields as stored now (contacts left out)."""
    return {
        field: field_digest(field, getattr(nomination, f"{field}_id" if field in ("category", "area") else field))
        for field in VERSIONED_FIELDS
    }


def update_nomination_fields(
    *, nomination: Nomination, actor, changes: dict, reason: str = "", loaded: Mapping[str, str] | None = None,
) -> Nomination:
    """Correct a nomination's structured fields; each changed field is audited with old and new values.

    Contacts are written to the audit log masked, so the log does not become a second copy of them; an empty contact
    clears it. Contacts typed into the text fields are masked in the nomination itself too, as on creation.
    `loaded` holds the digests of the fields as the editor's form showed them: a field that another editor has
    changed since, to another value than this one, raises EditConflict and nothing is saved.
    """
    _require(actor, "nominations.review_nomination")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"not editable: {', '.join(sorted(unknown))}")
    changes = dict(changes)
    if isinstance(changes.get("deeds"), str):
        limit, length = deeds_limit(nomination.deeds), deeds_length(changes["deeds"])
        if length > limit:
            raise DomainError(_("Please shorten this to at most %(limit_value)d characters (now %(show_value)d).")
                              % {"limit_value": limit, "show_value": length}, code="deeds_too_long")
    for field in MASKED_TEXT_FIELDS:
        if isinstance(changes.get(field), str):
            changes[field] = redact_contacts_for_storage(_newlines(changes[field]))
    if changes.get("nominator_phone"):
        number = parse_cn_phone(changes["nominator_phone"])
        if number is None:
            raise DomainError(_("Enter a valid mainland mobile number or a landline with area code."), code="phone")
        changes["nominator_phone"] = to_e164(number)
    if "nominee_kind" in changes and changes["nominee_kind"] not in NomineeKind.values:
        raise DomainError(_("Choose individual or group."), code="nominee_kind")
    with transaction.atomic():
        locked = Nomination.objects.select_for_update().get(pk=nomination.pk)
        if loaded is not None:
            _refuse_conflicts(locked, changes, loaded)
        old, new = {}, {}
        for field, value in changes.items():
            current = getattr(locked, field)
            if current == value:
                continue
            mask = _CONTACT_MASKS.get(field)
            old[field] = mask(current) if mask else _plain(current)
            new[field] = mask(value) if mask else _plain(value)
            setattr(locked, field, value)
        if not new:
            return nomination
        locked.full_clean()
        locked.save()
        record_activity(actor=actor, action="nomination.edit", subject=locked, old_value=old, new_value=new, reason=reason)
        transaction.on_commit(lambda: nomination_edited.send(sender=Nomination, nomination=locked, fields=sorted(new)))
    return locked


def _refuse_conflicts(locked: Nomination, changes: dict, loaded: Mapping[str, str]) -> None:
    current = nomination_field_digests(locked)
    conflicts = [
        field for field in VERSIONED_FIELDS
        if field in changes and field in loaded and loaded[field] != current[field]
        and field_digest(field, changes[field]) != current[field]
    ]
    if conflicts:
        raise EditConflict(
            _("Another editor changed the same fields after you opened this page. Nothing was saved."), fields=conflicts,
        )


def _plain(value):
    return str(value) if value is not None and not isinstance(value, (str, int, bool)) else value


def add_nomination_note(*, nomination: Nomination, author, body: str) -> NominationNote:
    """Attach an editor's note to a nomination."""
    _require(author, "nominations.add_nominationnote")
    body = (body or "").strip()
    if not body:
        raise DomainError(_("The note is empty."), code="empty_note")
    if len(body) > 5000:
        raise DomainError(_("The note is too long (at most 5000 characters)."), code="note_too_long")
    with transaction.atomic():
        note = NominationNote.objects.create(nomination=nomination, author=author, body=body)
        record_activity(actor=author, action="nomination.note", subject=nomination, new_value={"note": note.pk})
    return note


def attach_follow_up(*, inbound: InboundMessage, nomination_id: int, text: str = "", part_text: str = "") -> FollowUpMessage:
    """Add a later message (photo, voice, text) to an open nomination; once per message.

    `part_text`, what the message adds to the nomination's own text, is read into the nomination after commit
    (extraction.services.absorb_follow_ups, which does nothing once an editor has reviewed it). Attaching the same
    message again keeps its first nomination and text; its part text follows the channel's current reading, and the
    nomination is read again, which changes nothing when nothing changed.
    """
    nomination = Nomination.objects.get(pk=nomination_id)
    follow_up, created = FollowUpMessage.objects.get_or_create(
        inbound=inbound, defaults={"nomination": nomination, "text": text, "part_text": part_text},
    )
    read_differently = not created and follow_up.part_text != part_text
    if created:
        record_activity(actor=None, actor_label=f"channel:{inbound.channel}", action="nomination.follow_up",
                        subject=nomination, new_value={"inbound": inbound.pk})
    elif read_differently:
        follow_up.part_text = part_text  # derived from the raw message, as read again (raw first)
        follow_up.save(update_fields=["part_text"])
    if follow_up.part_text or read_differently:
        joined_id = follow_up.nomination_id
        transaction.on_commit(lambda: _absorb_follow_ups_later(joined_id))
    return follow_up


def _absorb_follow_ups_later(nomination_id: int) -> None:
    """Enqueue reading the nomination's follow-up text into it. After commit, so a failure never reaches the channel:
    the follow-up is stored, and editors see it beside the nomination whatever happens here."""
    from xuanshu.nominations.extraction.tasks import absorb_follow_ups_task

    try:
        absorb_follow_ups_task(nomination_id)
    except Exception:  # noqa: BLE001 - see docstring
        logger.exception("reading the follow-ups of nomination %s failed", nomination_id)


def convert_tip_to_nomination(*, tip, actor, draft: NominationDraft) -> Nomination:
    """An editor turns a reader tip into a nomination: it gets a reference and enters review as received."""
    from xuanshu.intake.enums import TipState
    from xuanshu.intake.services import set_tip_state

    _require(actor, "nominations.review_nomination")
    if tip.campaign is None:
        raise DomainError(_("This tip belongs to no campaign."), code="no_campaign")
    with transaction.atomic():
        nomination = create_nomination_from_draft(inbound=tip.inbound, draft=draft, actor=actor)
        set_tip_state(tip=tip, state=TipState.CONVERTED, actor=actor, nomination=nomination)
    return nomination


# Channels whose interpreter reads the stored post alone (no query, no file written): every text field comes from it.
_POSTED_CHANNELS = ("webform", "hotline")


@dataclass(frozen=True)
class RestoredNumbers:
    """What `restore_numbers_from_raw` did to one nomination's stored text."""

    restored: dict[str, int]  # per field, the numbers put back
    kept_for_editors: tuple[str, ...] = ()  # fields with masked digits that an editor wrote or corrected
    not_lined_up: tuple[str, ...] = ()  # fields that differ from the raw record in more than masked digits
    no_raw_text: bool = False  # the raw record gives none of its text fields (a free-text message kept no reading)


def _texts_from_raw(nomination: Nomination) -> dict[str, str]:
    """Each text field as the storage redaction was handed it on creation, read again from the raw record: a web form's
    or hotline's post through its channel's interpreter; a free-text message's deeds as the channel read them out of
    the raw record then, kept beside the nomination in its extraction (the only field copied from the message)."""
    from xuanshu.intake.channels import interpreter_for
    from xuanshu.nominations.extraction.models import Extraction

    if nomination.channel in _POSTED_CHANNELS:
        try:
            draft = interpreter_for(nomination.channel)(nomination.inbound)
        except (KeyError, TypeError):  # a post stored in another shape: nothing to read the fields by
            return {}
        if not isinstance(draft, NominationDraft):
            return {}
        return {field: getattr(draft, field).strip() for field in MASKED_TEXT_FIELDS}
    text = Extraction.objects.filter(nomination=nomination).values_list("text", flat=True).first()
    if text is None:
        return {}
    return {"deeds": redact_contacts_for_storage(text.strip()).strip()}  # as draft_from_text hands the deeds on


def restore_numbers_from_raw(*, nomination_id: int, dry_run: bool = False) -> RestoredNumbers:
    """Put back, from the raw record, the resident ID, bank card and QQ numbers that an older storage redaction masked
    (in part) as phone numbers in a nomination's text, and nothing else; a field an editor wrote or corrected is left
    as it is. Audited in the same transaction; with `dry_run`, only says what it would do."""
    from xuanshu.intake.models import ReaderTip
    from xuanshu.nominations.extraction.corrections import editor_edited_fields

    with transaction.atomic():
        nomination = Nomination.objects.select_for_update(of=("self",)).select_related("inbound").get(pk=nomination_id)
        masked = [field for field in MASKED_TEXT_FIELDS if "*" in getattr(nomination, field)]
        if not masked:
            return RestoredNumbers(restored={})
        edited = editor_edited_fields([nomination.pk]).get(nomination.pk, set())
        if ReaderTip.objects.filter(nomination=nomination).exists():
            edited = set(MASKED_TEXT_FIELDS)  # a converted tip's fields are what the editor entered, not the message
        kept = tuple(field for field in masked if field in edited)
        raw = _texts_from_raw(nomination)
        restored, not_lined_up, old, new = {}, [], {}, {}
        for field in masked:
            if field in edited or field not in raw:
                continue  # an editor's text; or, in a free-text message, the extractor's reading rather than the message
            result = numbers_restored(getattr(nomination, field), raw[field])
            if result is None:
                not_lined_up.append(field)
            elif result[1]:
                new[field], restored[field], old[field] = *result, getattr(nomination, field)
        outcome = RestoredNumbers(restored=restored, kept_for_editors=kept, not_lined_up=tuple(not_lined_up),
                                  no_raw_text=not raw and len(kept) < len(masked))
        if dry_run or not new:
            return outcome
        for field, text in new.items():
            setattr(nomination, field, text)
        nomination.full_clean()
        nomination.save(update_fields=[*new, "updated_at"])
        record_activity(actor=None, actor_label="repair-stored-numbers", action="nomination.restore_numbers",
                        subject=nomination, old_value=old, new_value=new)
    return outcome
