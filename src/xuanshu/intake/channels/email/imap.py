"""Polling a mailbox over IMAP (imapclient): new UIDs only, each message committed with its UID."""
import logging
import re
import ssl
from dataclasses import dataclass
from importlib import metadata

from django.conf import settings
from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from xuanshu.intake.channels.email import services
from xuanshu.intake.channels.email.models import Mailbox

logger = logging.getLogger("xuanshu.intake.email")

CLIENT_NAME = "xuanshu"
FETCH_BATCH = 25
TIMEOUT_SECONDS = 60


class MailboxUnavailable(Exception):
    """The mailbox cannot be polled now (configuration, network, login); the message is for the operator."""


@dataclass
class FetchOutcome:
    mailbox: Mailbox
    stored: int = 0
    duplicates: int = 0
    resynced: bool = False


def client_id() -> dict[str, str]:
    # The fields NetEase's help page asks for (name, version, vendor, support-email).
    return {"name": CLIENT_NAME, "version": xuanshu_version(), "vendor": CLIENT_NAME, "support-email": settings.DEFAULT_FROM_EMAIL}


def xuanshu_version() -> str:
    try:
        return metadata.version("xuanshu")
    except metadata.PackageNotFoundError:
        return "0"


def identify(client: IMAPClient) -> None:
    """Send the RFC 2971 ID command when the server offers it, before any SELECT.

    NetEase (163/126/yeah.net) answers SELECT and EXAMINE with "NO ... Unsafe Login. Please contact
    kefu@188.com for help" until the client has identified itself; other servers just log it.
    """
    if client.has_capability("ID"):
        client.id_(client_id())


def connect(mailbox: Mailbox) -> IMAPClient:
    password = mailbox.password()
    if password is None:
        raise MailboxUnavailable(_("The environment variable %(name)s with the password of mailbox %(slug)s is not set.")
                                 % {"name": mailbox.password_env, "slug": mailbox.slug})
    context = ssl.create_default_context() if mailbox.use_ssl else None
    client = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.use_ssl, ssl_context=context, timeout=TIMEOUT_SECONDS)
    client.normalise_times = False  # keep INTERNALDATE's zone: we store UTC
    try:
        client.login(mailbox.username, password)
        identify(client)
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except (IMAPClientError, OSError):
        try:
            client.shutdown()
        except OSError:
            pass  # the connection is already gone, which is all we wanted


def fetch_mailbox(*, mailbox: Mailbox) -> FetchOutcome:
    """Store every message of the mailbox's folder that we have not stored yet, oldest UID first."""
    outcome = FetchOutcome(mailbox=mailbox)
    client = connect(mailbox)
    try:
        status = client.select_folder(mailbox.folder, readonly=True)  # EXAMINE: we never change the mailbox
        uidvalidity = int(status[b"UIDVALIDITY"])
        outcome.resynced = mailbox.uidvalidity is not None and mailbox.uidvalidity != uidvalidity
        services.start_sync(mailbox=mailbox, uidvalidity=uidvalidity)
        after = mailbox.last_uid
        # "n:*" always matches the highest UID, even when it is below n (RFC 3501 §6.4.8): filter again.
        uids = sorted(uid for uid in client.search(["UID", f"{after + 1}:*"]) if uid > after)
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start:start + FETCH_BATCH]
            response = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in batch:
                data = response.get(uid)
                if data is None or b"BODY[]" not in data:
                    continue  # expunged since the search: nothing to keep
                receipt = services.store_fetched_message(
                    mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, raw=bytes(data[b"BODY[]"]),
                    received_at=data.get(b"INTERNALDATE"),
                )
                if receipt.created:
                    outcome.stored += 1
                else:
                    outcome.duplicates += 1
    finally:
        _close(client)
    return outcome


def describe(error: Exception) -> str:
    """An error as one readable line; imapclient passes the server's answer as bytes."""
    detail = error.args[0] if len(error.args) == 1 else str(error)
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", errors="replace")
    detail = str(detail)
    # imaplib and imapclient turn the server's bytes into "b'...'" on the way up: show the server's words.
    wrapped = re.fullmatch(r"b(['\"])(.*)\1", detail)
    return (wrapped.group(2) if wrapped else detail) or type(error).__name__


def fetch_mailboxes(*, slug: str | None = None) -> list[tuple[Mailbox, FetchOutcome | None, str]]:
    """Poll every active mailbox (or the one named); one mailbox failing does not stop the others.

    Returns (mailbox, outcome or None, error message) per mailbox.
    """
    mailboxes = Mailbox.objects.select_related("campaign")
    mailboxes = mailboxes.filter(slug=slug) if slug else mailboxes.filter(is_active=True)
    results = []
    for mailbox in mailboxes:
        try:
            outcome = fetch_mailbox(mailbox=mailbox)
        except (MailboxUnavailable, IMAPClientError, OSError) as error:  # OSError covers timeouts and TLS errors
            message = describe(error)
            logger.warning("polling mailbox %s failed: %s", mailbox.slug, message)
            services.record_poll(mailbox=mailbox, error=message)
            results.append((mailbox, None, message))
            continue
        services.record_poll(mailbox=mailbox)
        logger.info("mailbox %s: %s new, %s duplicates", mailbox.slug, outcome.stored, outcome.duplicates)
        results.append((mailbox, outcome, ""))
    return results
