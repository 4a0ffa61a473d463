"""Writers of the e-mail channel: mailbox configuration, raw receipt, sync progress."""
import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuanshu.campaigns.models import Campaign
from xuanshu.core.errors import DomainError
from xuanshu.core.services import record_activity
from xuanshu.intake.channels.email.decode import date_of, sender_of
from xuanshu.intake.channels.email.identity import MailIdentity, mail_identity
from xuanshu.intake.channels.email.models import Mailbox
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import Receipt, receive_inbound

logger = logging.getLogger("xuanshu.intake.email")

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Changing where we read from makes the stored UIDs meaningless: start that mailbox's sync again.
_SYNC_IDENTITY = ("host", "port", "username", "folder")


def _receipt_time(raw: bytes, received_at: dt.datetime | None) -> dt.datetime:
    if received_at is not None:
        return received_at
    try:
        sent = date_of(raw)
    except Exception:  # noqa: BLE001 - an unreadable Date only costs us the original time
        sent = None
    now = timezone.now()
    # A Date in the future is a wrong clock (or a trick to stay on top of the queue): use our own time.
    return sent if sent is not None and sent <= now + dt.timedelta(hours=1) else now


def receive_email(
    *, raw: bytes, campaign: Campaign, received_at: dt.datetime | None = None, enqueue_processing: bool = True,
) -> Receipt:
    """Store one e-mail unchanged; processing reads it afterwards.

    Idempotent on the message's identity (identity.mail_identity): its Message-ID (or, without one, its content
    digest) together with the digest of its content, so the same message fetched again, from another folder or
    delivered twice, is stored once, while a different message under a reused Message-ID is stored as its own.
    No reference yet: only a nomination gets one, allocated when processing decides it is one.
    """
    try:
        sender = sender_of(raw)
    except Exception:  # noqa: BLE001 - the raw message is stored whatever its headers look like
        sender = ""
    identity = mail_identity(raw)
    # One transaction: the message and the audit row saying it reuses another's Message-ID are kept together or not at all.
    with transaction.atomic():
        receipt = receive_inbound(
            channel=Channel.EMAIL,
            external_id=identity.external_id,
            content_digest=identity.content_digest,
            campaign=campaign,
            sender=sender,
            raw_body=raw,
            wants_reference=False,
            received_at=_receipt_time(raw, received_at),
            enqueue_processing=enqueue_processing,
        )
        if receipt.created and identity.message_id:
            _note_reused_message_id(receipt.inbound, identity)
    return receipt


def _note_reused_message_id(inbound: InboundMessage, identity: MailIdentity) -> None:
    """Log and audit a message that came with the Message-ID of another, different, stored message: a broken mailer,
    or a forged header. Both are kept; the editors see it in the new message's history and can tell which is which."""
    others = list(
        InboundMessage.objects.filter(channel=Channel.EMAIL, external_id=identity.external_id)
        .exclude(pk=inbound.pk).order_by("pk").values_list("pk", flat=True)
    )
    if others:
        logger.warning(
            "e-mail stored as inbound %s reuses the Message-ID %s of inbound %s with different content: kept as a message of its own",
            inbound.pk, identity.message_id, ", ".join(map(str, others)),
        )
        record_activity(actor=None, actor_label="channel:email", action="inbound.message_id_reused", subject=inbound,
                        new_value={"message_id": identity.message_id, "same_message_id": others})


@dataclass(frozen=True)
class MailboxSettings:
    host: str | None = None
    port: int | None = None
    use_ssl: bool | None = None
    username: str | None = None
    password_env: str | None = None
    folder: str | None = None
    campaign: Campaign | None = None
    is_active: bool | None = None


def configure_mailbox(*, slug: str, changes: MailboxSettings, actor=None) -> tuple[Mailbox, bool]:
    """Create or update a mailbox; returns (mailbox, created). Passwords are never stored, only the env var name."""
    values = {name: value for name, value in vars(changes).items() if value is not None}
    if "password_env" in values and not _ENV_NAME.match(values["password_env"]):
        raise DomainError(_("The password variable must be an environment variable name, such as MAILBOX_PASSWORD."),
                          code="password_env")
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().filter(slug=slug).first()
        created = mailbox is None
        if created:
            missing = [name for name in ("host", "username", "password_env", "campaign") if name not in values]
            if missing:
                raise DomainError(_("A new mailbox needs: %(fields)s.") % {"fields": ", ".join(missing)}, code="incomplete")
            mailbox = Mailbox(slug=slug)
        old = {name: _plain(getattr(mailbox, name)) for name in values} if not created else None
        for name, value in values.items():
            setattr(mailbox, name, value)
        if not created and any(old[name] != _plain(values[name]) for name in _SYNC_IDENTITY if name in values):
            mailbox.uidvalidity, mailbox.last_uid = None, 0
        mailbox.full_clean()
        mailbox.save()
        record_activity(actor=actor, actor_label="" if actor else "cli", action="mailbox.create" if created else "mailbox.update",
                        subject=mailbox, old_value=old, new_value={name: _plain(value) for name, value in values.items()})
    return mailbox, created


def _plain(value):
    return value.slug if isinstance(value, Campaign) else value


def start_sync(*, mailbox: Mailbox, uidvalidity: int) -> Mailbox:
    """Adopt the folder's UIDVALIDITY; when it changed, the old UIDs mean nothing: read the folder again from the start.

    Re-reading stores nothing twice, because the raw store is keyed by the message's identity (Message-ID and content).
    """
    if mailbox.uidvalidity == uidvalidity:
        return mailbox
    with transaction.atomic():
        old = {"uidvalidity": mailbox.uidvalidity, "last_uid": mailbox.last_uid}
        Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
        mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
        record_activity(actor=None, actor_label="channel:email", action="mailbox.resync", subject=mailbox,
                        old_value=old, new_value={"uidvalidity": uidvalidity, "last_uid": 0})
    return mailbox


def store_fetched_message(
    *, mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, received_at: dt.datetime | None,
) -> Receipt:
    """Store one fetched message and move the mailbox past its UID in the same transaction:
    a crash either keeps both or neither, so nothing is lost and nothing is fetched twice."""
    with transaction.atomic():
        receipt = receive_email(raw=raw, campaign=mailbox.campaign, received_at=received_at)
        advance_last_uid(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid)
    return receipt


def advance_last_uid(*, mailbox: Mailbox, uidvalidity: int, uid: int) -> None:
    """Record that every UID up to `uid` is stored; never moves backwards, never across a UIDVALIDITY change."""
    Mailbox.objects.filter(pk=mailbox.pk, uidvalidity=uidvalidity, last_uid__lt=uid).update(last_uid=uid)
    mailbox.last_uid = max(mailbox.last_uid, uid)


def record_poll(*, mailbox: Mailbox, error: str = "") -> None:
    """Note when the mailbox was last polled and how it went (shown by `mailbox list`)."""
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=now, last_error=error[:2000])
    mailbox.last_polled_at, mailbox.last_error = now, error[:2000]
