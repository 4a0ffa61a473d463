"""Writers of the raw inbound store: receive (idempotent, with acknowledgement) and process."""
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuanshu.campaigns.models import Campaign
from xuanshu.core.errors import IllegalTransition, PermissionDenied
from xuanshu.core.services import record_activity
from xuanshu.intake.enums import INBOUND_TRANSITIONS, TIP_TRANSITIONS, InboundStatus, TipState
from xuanshu.intake.images import ReencodedImage
from xuanshu.intake.models import Attachment, InboundFile, InboundMessage, ReaderTip, RefusedFile
from xuanshu.intake.signals import nomination_held

logger = logging.getLogger("xuanshu.intake")


@dataclass(frozen=True)
class Receipt:
    inbound: InboundMessage
    created: bool

    @property
    def reference(self) -> str | None:
        return self.inbound.reference


def allocate_reference(campaign: Campaign) -> str:
    """Next reference number of the campaign (CCLC2024-000123); call inside a transaction."""
    locked = Campaign.objects.select_for_update().only("id", "reference_prefix", "last_reference_number").get(pk=campaign.pk)
    locked.last_reference_number += 1
    Campaign.objects.filter(pk=locked.pk).update(last_reference_number=locked.last_reference_number)
    return f"{locked.reference_prefix}-{locked.last_reference_number:06d}"


def receive_inbound(
    *,
    channel: str,
    external_id: str,
    campaign: Campaign | None,
    content_digest: str = "",
    sender: str = "",
    payload: dict | None = None,
    raw_body: bytes | None = None,
    images: Sequence[tuple[str, ReencodedImage]] = (),
    wants_reference: bool = True,
    received_at=None,
    is_demo: bool = False,
    enqueue_processing: bool = True,
) -> Receipt:
    """Store a submission unchanged and its acknowledgement (reference) in one transaction.

    Idempotent on (channel, external_id, content_digest): a retry returns the first receipt and stores nothing.
    `content_digest` is for channels whose own id can be reused by another message (e-mail's Message-ID).
    A reference is allocated only while the campaign takes nominations (see interpretation.nomination_window):
    outside its nomination stage a nomination is kept as a reader tip, and has no reference to acknowledge.
    Processing is enqueued after commit and can be re-run from the stored record; a caller that
    interprets the message itself (demo seeding, editors keying in a call) passes enqueue_processing=False.
    """
    from xuanshu.intake.interpretation import held_because

    received_at = received_at or timezone.now()
    for attempt in range(2):
        existing = InboundMessage.objects.filter(channel=channel, external_id=external_id, content_digest=content_digest).first()
        if existing:
            return Receipt(inbound=existing, created=False)
        stored_files: list[Attachment] = []
        try:
            with transaction.atomic():
                inbound = InboundMessage.objects.create(
                    campaign=campaign,
                    channel=channel,
                    external_id=external_id,
                    content_digest=content_digest,
                    raw_body=raw_body,
                    payload=payload,
                    sender=sender[:255],
                    received_at=received_at,
                    reference=(
                        allocate_reference(campaign)
                        if wants_reference and campaign and held_because(campaign, received_at) is None else None
                    ),
                    is_demo=is_demo,
                )
                for position, (original_name, image) in enumerate(images):
                    stored_files.append(_store_attachment(inbound, original_name, image, position))
                if enqueue_processing:
                    transaction.on_commit(lambda inbound_id=inbound.pk: _enqueue_processing(inbound_id))
            return Receipt(inbound=inbound, created=True)
        except IntegrityError:
            # A concurrent retry of the same message won the insert; its receipt is ours.
            for attachment in stored_files:
                attachment.file.delete(save=False)
            if attempt:
                raise
        except BaseException:
            for attachment in stored_files:
                attachment.file.delete(save=False)
            raise
    raise AssertionError("unreachable")


def _store_attachment(inbound: InboundMessage, original_name: str, image: ReencodedImage, position: int) -> Attachment:
    attachment = Attachment(
        inbound=inbound,
        original_name=original_name[:255],
        original_sha256=image.original_sha256,
        original_size=image.original_size,
        sha256=image.sha256,
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        position=position,
    )
    attachment.file.save("upload", ContentFile(image.data), save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


def add_attachment(*, inbound: InboundMessage, original_name: str, image: ReencodedImage) -> Attachment:
    """Attach media that arrived after the message itself (e.g. fetched later from WeChat's media API)."""
    with transaction.atomic():
        position = inbound.attachments.count()
        attachment = _store_attachment(inbound, original_name, image, position)
        record_activity(actor=None, actor_label=f"channel:{inbound.channel}", action="inbound.attachment", subject=inbound,
                        new_value={"attachment": attachment.pk, "name": attachment.original_name})
    return attachment


def add_file(*, inbound: InboundMessage, original_name: str, data: bytes, content_type: str) -> InboundFile:
    """Keep a file that cannot be re-encoded (voice, video, a document) with its message, byte for byte."""
    kept = InboundFile(
        inbound=inbound, original_name=original_name[:255], content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(), size=len(data),
    )
    kept.file.save("upload", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            kept.position = inbound.files.count()
            kept.save()
            record_activity(actor=None, actor_label=f"channel:{inbound.channel}", action="inbound.file", subject=inbound,
                            new_value={"file": kept.pk, "name": kept.original_name, "content_type": content_type, "size": kept.size})
    except BaseException:
        kept.file.delete(save=False)
        raise
    return kept


def record_refused_file(
    *, inbound: InboundMessage, original_name: str, reason: str, position: int, content_type: str = "",
    size: int | None = None, limit: int | None = None,
) -> RefusedFile:
    """Record, once per position, a file of `inbound` that could not be kept, so that editors see what is missing."""
    with transaction.atomic():
        refused, created = RefusedFile.objects.get_or_create(
            inbound=inbound, position=position,
            defaults={"original_name": original_name[:255], "content_type": content_type[:100], "size": size,
                      "reason": reason, "limit": limit},
        )
        if created:
            record_activity(actor=None, actor_label=f"channel:{inbound.channel}", action="inbound.file_refused", subject=inbound,
                            new_value={"name": refused.original_name, "reason": reason, "size": size})
    return refused


def _enqueue_processing(inbound_id: int) -> None:
    from xuanshu.intake.tasks import process_inbound_task

    process_inbound_task(inbound_id)


def set_inbound_status(
    *, inbound: InboundMessage, status: str, error: str = "", actor=None, waiting_for: InboundMessage | None = None,
) -> InboundMessage:
    """The only writer of an inbound message's processing status (pending with `waiting_for`: it waits for that message).

    Marking a processed message processed again (a second run that found everything done) writes nothing, no audit row.
    """
    with transaction.atomic():
        locked = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
        if status not in INBOUND_TRANSITIONS[InboundStatus(locked.status)]:
            raise IllegalTransition(f"inbound {locked.status} -> {status}")
        if locked.status == status == InboundStatus.PROCESSED and not error and waiting_for is None:
            return _status_of(locked, copied_to=inbound)
        old = {"status": locked.status, "error": locked.error, "waiting_for": locked.waiting_for_id}
        locked.status = status
        locked.error = error
        locked.waiting_for = waiting_for
        locked.attempts += 1
        locked.processed_at = timezone.now()
        locked.save(update_fields=["status", "error", "waiting_for", "attempts", "processed_at"])
        new = {"status": status, "error": error, "waiting_for": locked.waiting_for_id}
        record_activity(
            actor=actor, actor_label="pipeline", action="inbound.wait" if waiting_for else f"inbound.{status}", subject=locked,
            old_value=old, new_value=new,
        )
    return _status_of(locked, copied_to=inbound)


def _status_of(locked: InboundMessage, *, copied_to: InboundMessage) -> InboundMessage:
    copied_to.status, copied_to.error, copied_to.waiting_for, copied_to.attempts, copied_to.processed_at = (
        locked.status, locked.error, locked.waiting_for, locked.attempts, locked.processed_at,
    )
    return copied_to


def process_inbound(*, inbound_id: int, actor=None) -> InboundMessage:
    """Interpret a stored message and act on it; a failure is kept on the message, never dropped.

    Re-running is safe: each outcome (nomination, tip, follow-up) is unique per inbound message, and a run that finds
    the message already processed writes no audit row.
    A message that depends on one not processed yet (a follow-up that overtook the message opening its
    nomination in the task queue) stays pending, and is processed again as soon as that one is.
    """
    from xuanshu.intake.channels import interpreter_for
    from xuanshu.intake.interpretation import NotReadyYet

    inbound = InboundMessage.objects.select_related("campaign").get(pk=inbound_id)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                apply_interpretation(inbound=inbound, interpretation=interpreter_for(inbound.channel)(inbound), actor=actor)
        except NotReadyYet as waiting:
            if attempt == 1:
                if _wait_for(inbound=inbound, other_id=waiting.inbound_id, reason=str(waiting), actor=actor):
                    return inbound
                continue  # the other message was processed meanwhile: read this one again
            logger.error("processing inbound %s failed: %s, though inbound %s is processed", inbound_id, waiting, waiting.inbound_id)
            return set_inbound_status(inbound=inbound, status=InboundStatus.FAILED, error=f"{type(waiting).__name__}: {waiting}", actor=actor)
        except Exception as error:  # noqa: BLE001 - any failure must stay visible on the record
            logger.exception("processing inbound %s failed", inbound_id)
            return set_inbound_status(inbound=inbound, status=InboundStatus.FAILED, error=f"{type(error).__name__}: {error}", actor=actor)
        return _mark_processed(inbound=inbound, actor=actor)
    raise AssertionError("unreachable")


def _mark_processed(*, inbound: InboundMessage, actor=None) -> InboundMessage:
    """Mark `inbound` processed and resume what waits for it; as it becomes processed (not when it already was), its
    channel acts on it in the same transaction (channels.on_processed: WeChat fetches the media of a message it could
    not decrypt at receipt). The row lock makes that happen once, however many runs race."""
    from xuanshu.intake.channels import on_processed

    with transaction.atomic():
        was = InboundMessage.objects.select_for_update().values_list("status", flat=True).get(pk=inbound.pk)
        processed = set_inbound_status(inbound=inbound, status=InboundStatus.PROCESSED, actor=actor)
        if was != InboundStatus.PROCESSED:
            on_processed(processed)
        _resume_waiting(processed)
    return processed


def _wait_for(*, inbound: InboundMessage, other_id: int, reason: str, actor=None) -> bool:
    """Leave `inbound` pending until `other_id` is processed; False when it already is (read `inbound` again).

    The other message's row is locked while deciding: its own processing marks it processed under the same
    lock and then resumes whatever waits for it, so a message can never wait for one that has just finished.
    """
    with transaction.atomic():
        other = InboundMessage.objects.select_for_update().filter(pk=other_id).first()
        if other is None or other.status == InboundStatus.PROCESSED:
            return False
        current = InboundMessage.objects.filter(pk=inbound.pk).values_list("status", flat=True).get()
        if InboundStatus.PENDING not in INBOUND_TRANSITIONS[InboundStatus(current)]:
            return False  # a processed message is not sent back to waiting; the second reading decides
        logger.info("inbound %s waits for inbound %s: %s", inbound.pk, other_id, reason)
        set_inbound_status(inbound=inbound, status=InboundStatus.PENDING, error=reason, actor=actor, waiting_for=other)
    return True


def _resume_waiting(inbound: InboundMessage) -> None:
    """Process again, after commit, the messages that were waiting for `inbound`, and those its channel reads
    differently now that `inbound` is processed (a WeChat photo sent just before the nomination it belongs to)."""
    from xuanshu.intake.channels import read_again_after

    waiting = InboundMessage.objects.filter(waiting_for=inbound, status=InboundStatus.PENDING).values_list("pk", flat=True)
    for waiting_id in dict.fromkeys([*waiting, *read_again_after(inbound)]):
        transaction.on_commit(lambda waiting_id=waiting_id: _enqueue_processing(waiting_id))


def apply_interpretation(*, inbound: InboundMessage, interpretation, actor=None) -> None:
    """Turn what a channel read out of a message into its record: nomination, reader tip or follow-up."""
    from xuanshu.intake.interpretation import FollowUpTo, NothingToDo, ReaderTipText, held_because
    from xuanshu.nominations.services import NominationDraft, attach_follow_up, create_nomination_from_draft

    if isinstance(interpretation, NominationDraft):
        # The nomination stage rule, for every channel: outside the stage a nomination is kept as a reader tip.
        # A reference already given to the sender is honoured (it was given while nominations were open).
        held = None
        if inbound.campaign is not None and not inbound.reference:
            held = held_because(inbound.campaign, inbound.received_at)
        if held:
            keep_reader_tip(inbound=inbound, text=_draft_text(interpretation), held_because=held)
        else:
            create_nomination_from_draft(inbound=inbound, draft=interpretation, actor=actor)
    elif isinstance(interpretation, ReaderTipText):
        keep_reader_tip(inbound=inbound, text=interpretation.text)
    elif isinstance(interpretation, FollowUpTo):
        attach_follow_up(inbound=inbound, nomination_id=interpretation.nomination_id, text=interpretation.text,
                         part_text=interpretation.part_text)
        _archive_tip_that_joined(inbound)
    elif not isinstance(interpretation, NothingToDo):
        raise TypeError(f"unknown interpretation {interpretation!r}")


# The audit reason, stored in English; console.activity.SYSTEM_REASONS shows it translated.
JOINED_A_NOMINATION = "sent just before the sender's nomination, and added to it"


def _archive_tip_that_joined(inbound: InboundMessage) -> None:
    """A message read as a tip before the nomination it belongs to arrived (a WeChat photo sent just before the
    nomination) is a follow-up now: its tip, if still open, leaves the inbox."""
    tip = ReaderTip.objects.filter(inbound=inbound, state=TipState.OPEN).first()
    if tip is not None:
        set_tip_state(tip=tip, state=TipState.ARCHIVED, actor=None, actor_label=f"channel:{inbound.channel}", reason=JOINED_A_NOMINATION)


def _draft_text(draft) -> str:
    """A draft as editors read it in the tips inbox: the free text it came from, or the nominee and deeds."""
    return draft.source_text or "\n".join(part for part in (draft.nominee_name, draft.deeds) if part)


def keep_reader_tip(*, inbound: InboundMessage, text: str, held_because: str = "") -> ReaderTip:
    """Keep a message as an open reader tip (once per message): one without the keyword, or a nomination
    received outside the nomination stage (`held_because`; its sender is told after commit)."""
    tip, created = ReaderTip.objects.get_or_create(
        inbound=inbound,
        defaults={"campaign": inbound.campaign, "channel": inbound.channel, "received_at": inbound.received_at, "text": text,
                  "held_because": held_because},
    )
    if created:
        record_activity(actor=None, actor_label=f"channel:{inbound.channel}", action="tip.create", subject=tip,
                        campaign=inbound.campaign, new_value={"held_because": held_because} if held_because else None)
        if held_because:
            transaction.on_commit(lambda: nomination_held.send(sender=ReaderTip, inbound=inbound, tip=tip))
    return tip


def set_tip_state(
    *, tip: ReaderTip, state: str, actor, reason: str = "", nomination=None, actor_label: str = "",
) -> ReaderTip:
    """The only writer of a reader tip's state (`actor` None: the pipeline, named by `actor_label`)."""
    if actor is not None and not actor.has_perm("nominations.review_nomination"):
        raise PermissionDenied(_("You do not have permission to do this."))
    with transaction.atomic():
        locked = ReaderTip.objects.select_for_update().get(pk=tip.pk)
        if state not in TIP_TRANSITIONS[TipState(locked.state)]:
            raise IllegalTransition(_("This tip cannot be moved to “%(state)s”.") % {"state": TipState(state).label})
        old = locked.state
        locked.state = state
        if nomination is not None:
            locked.nomination = nomination
        locked.save(update_fields=["state", "nomination"])
        record_activity(actor=actor, actor_label=actor_label, action=f"tip.{state}", subject=locked, old_value={"state": old},
                        new_value={"state": state, "nomination": nomination.pk if nomination else None}, reason=reason)
    return locked
