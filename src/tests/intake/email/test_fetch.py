"""Polling the mailbox over IMAP against a real Dovecot: decoding end to end, incremental sync, crashes, UIDVALIDITY."""
import datetime as dt
import hashlib
import io
import re
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from huey.api import PeriodicTask
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from tests.intake.email import mails
from tests.intake.email.servers import TEST_PASSWORD, TEST_USER, free_port
from xuanshu.intake.channels.email import services
from xuanshu.intake.channels.email.adapter import mail_text
from xuanshu.intake.channels.email.decode import parse_mail
from xuanshu.intake.channels.email.models import Mailbox
from xuanshu.intake.channels.email.services import MailboxSettings, configure_mailbox
from xuanshu.intake.channels.email.tasks import poll_mailboxes_task
from xuanshu.intake.models import Attachment, InboundFile, InboundMessage

pytestmark = pytest.mark.django_db


def fetch(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("fetch-mail", *args, stdout=out)
    return out.getvalue()


def stored_ids() -> list[str]:
    return list(InboundMessage.objects.filter(channel="email").order_by("id").values_list("external_id", flat=True))


def bodies_fetched_by_us(dovecot, *, sessions: int) -> list[int]:
    """How many message bodies each of our IMAP sessions fetched, by Dovecot's own count (its logout line),
    for the sessions that identified as xuanshu. Dovecot writes its log asynchronously: wait for it."""
    deadline = time.monotonic() + 10
    while True:
        log = dovecot.log()
        ours = re.findall(r"<([^<>]+)>: Info: ID sent: name=xuanshu", log)
        counts = dict(re.findall(r"<([^<>]+)>: Info: Disconnected: Logged out .* body_count=(\d+)", log))
        if all(session in counts for session in ours) and len(ours) >= sessions or time.monotonic() > deadline:
            return [int(counts.get(session, -1)) for session in ours]
        time.sleep(0.05)


def read_text(inbound: InboundMessage) -> str:
    """The text the e-mail adapter reads out of the stored message (extraction then redacts contacts in the deeds)."""
    return mail_text(parse_mail(bytes(inbound.raw_body)))


def test_every_encoding_case_is_fetched_stored_raw_and_read_without_replacement_characters(
    dovecot, mailbox, imap_folder, django_capture_on_commit_callbacks,
):
    dovecot.deliver(imap_folder, *[case.raw for case in mails.ALL_CASES])
    with django_capture_on_commit_callbacks(execute=True):
        assert fetch("--mailbox", "qlwblc") == "qlwblc: 12 new, 0 duplicates, last UID 12\n"

    inbound = list(InboundMessage.objects.filter(channel="email").order_by("id"))
    assert [bytes(message.raw_body) for message in inbound] == [case.raw for case in mails.ALL_CASES]
    assert [(message.status, message.error) for message in inbound] == [("processed", "")] * 12
    assert [read_text(message) for message in inbound] == [f"{case.subject}\n\n{case.text}" for case in mails.ALL_CASES]
    assert [message.sender for message in inbound] == [case.sender_email for case in mails.ALL_CASES]
    assert inbound[-1].tip.text == f"{mails.TIP_WITHOUT_ID.subject}\n\n{mails.TIP_WITHOUT_ID.text}"
    assert not any("\ufffd" in text for text in [m.nomination.deeds for m in inbound[:-1]] + [inbound[-1].tip.text])
    # Every case carries the keyword (in the subject or the text) except the reader's letter, which becomes a tip.
    assert [(hasattr(m, "nomination"), m.reference) for m in inbound] == [
        (True, f"CCLC2024-{n:06d}") for n in range(1, 12)] + [(False, None)]
    assert inbound[-1].external_id.startswith("sha256:")  # no Message-ID: de-duplicated by hash


def test_photos_are_reencoded_and_documents_kept(dovecot, mailbox, imap_folder, django_capture_on_commit_callbacks):
    dovecot.deliver(imap_folder, mails.NESTED.raw)
    with django_capture_on_commit_callbacks(execute=True):
        fetch()
    inbound = InboundMessage.objects.get()
    photos = [(a.original_name, a.content_type, a.original_sha256 == hashlib.sha256(mails.PHOTO).hexdigest())
              for a in Attachment.objects.filter(inbound=inbound)]
    assert photos == [("现场照片.jpg", "image/jpeg", True), ("合影照片.png", "image/png", False)]
    jpeg = Attachment.objects.get(original_name="现场照片.jpg").file.read()
    assert b"Exif" not in jpeg and b"CameraMaker" not in jpeg  # the GPS-tagged EXIF is gone
    documents = [(d.original_name, d.content_type, d.size, d.file.read()) for d in InboundFile.objects.filter(inbound=inbound)]
    assert documents == [
        ("事迹材料.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", len(mails.DOCX), mails.DOCX),
        ("推荐表.pdf", "application/pdf", len(mails.PDF), mails.PDF),
    ]


def test_fetch_is_incremental_and_never_fetches_a_message_twice(dovecot, mailbox, imap_folder):
    dovecot.deliver(imap_folder, mails.simple("inc-1"), mails.simple("inc-2"))
    sessions_before = len(re.findall(r"ID sent: name=xuanshu", dovecot.log()))
    assert fetch() == "qlwblc: 2 new, 0 duplicates, last UID 2\n"
    assert fetch() == "qlwblc: 0 new, 0 duplicates, last UID 2\n"
    dovecot.deliver(imap_folder, mails.simple("inc-3"))
    assert fetch() == "qlwblc: 1 new, 0 duplicates, last UID 3\n"
    assert stored_ids() == ["<inc-1@mail.example.cn>", "<inc-2@mail.example.cn>", "<inc-3@mail.example.cn>"]
    # Dovecot's own count of the bodies it sent to each of our three polls.
    assert bodies_fetched_by_us(dovecot, sessions=sessions_before + 3)[sessions_before:] == [2, 0, 1]


def test_the_servers_arrival_time_is_the_receipt_time(dovecot, mailbox, imap_folder):
    arrived = dt.datetime(2024, 3, 4, 9, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    dovecot.deliver(imap_folder, mails.simple("arrived"), arrived_at=arrived)
    fetch()
    assert InboundMessage.objects.get().received_at == dt.datetime(2024, 3, 4, 1, 16, 30, tzinfo=dt.UTC)


def test_a_crash_in_the_middle_loses_nothing_and_duplicates_nothing(dovecot, mailbox, imap_folder, monkeypatch):
    dovecot.deliver(imap_folder, *[mails.simple(f"crash-{n}") for n in range(1, 6)])
    advance = services.advance_last_uid

    def power_cut_at_third(*, mailbox, uidvalidity, uid):
        if uid == 3:
            raise RuntimeError("power cut")
        advance(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid)

    monkeypatch.setattr(services, "advance_last_uid", power_cut_at_third)
    with pytest.raises(RuntimeError, match="power cut"):
        fetch()
    # The third message was stored in the transaction that failed to record its UID: both rolled back together.
    assert (Mailbox.objects.get().last_uid, stored_ids()) == (2, ["<crash-1@mail.example.cn>", "<crash-2@mail.example.cn>"])

    monkeypatch.setattr(services, "advance_last_uid", advance)
    assert fetch() == "qlwblc: 3 new, 0 duplicates, last UID 5\n"
    assert stored_ids() == [f"<crash-{n}@mail.example.cn>" for n in range(1, 6)]


def test_a_lost_sync_state_refetches_without_duplicating(dovecot, mailbox, imap_folder):
    dovecot.deliver(imap_folder, mails.simple("lost-1"), mails.simple("lost-2"))
    fetch()
    Mailbox.objects.update(last_uid=0)  # e.g. restored from an older backup
    assert fetch() == "qlwblc: 0 new, 2 duplicates, last UID 2\n"
    assert InboundMessage.objects.count() == 2


def test_a_new_uidvalidity_resyncs_the_folder_without_duplicates(dovecot, mailbox, imap_folder):
    dovecot.deliver(imap_folder, mails.simple("uv-1"), mails.simple("uv-2"))
    fetch()
    first_validity = Mailbox.objects.get().uidvalidity
    dovecot.recreate_folder(imap_folder)  # the server renumbers: old UIDs mean nothing now
    dovecot.deliver(imap_folder, mails.simple("uv-1"), mails.simple("uv-2"), mails.simple("uv-3"))
    assert fetch() == "qlwblc: 1 new, 2 duplicates, last UID 3 (UIDVALIDITY changed: folder read again from the start)\n"
    mailbox = Mailbox.objects.get()
    assert (mailbox.uidvalidity != first_validity, mailbox.last_uid) == (True, 3)
    assert stored_ids() == [f"<uv-{n}@mail.example.cn>" for n in (1, 2, 3)]


def test_an_unreadable_message_is_kept_raw_and_flagged(dovecot, mailbox, imap_folder, django_capture_on_commit_callbacks):
    garbage = b"\x89PNG\r\n\x1a\r\n this is not an e-mail \xff\xfe\r\n"  # CRLF only: IMAP servers turn bare LF into CRLF
    dovecot.deliver(imap_folder, garbage)
    with django_capture_on_commit_callbacks(execute=True):
        assert fetch() == "qlwblc: 1 new, 0 duplicates, last UID 1\n"
    inbound = InboundMessage.objects.get()
    assert (bytes(inbound.raw_body), inbound.status, inbound.error) == (garbage, "failed", "MailUnreadable: no e-mail headers found")


def test_netease_gate_refuses_select_until_the_client_sends_id(netease_gate):
    with IMAPClient("127.0.0.1", port=netease_gate.port, ssl=False, timeout=10) as client:
        client.login(TEST_USER, TEST_PASSWORD)
        with pytest.raises(IMAPClientError, match="SELECT Unsafe Login. Please contact kefu@188.com for help"):
            client.select_folder("INBOX")
        client.id_({"name": "test"})
        assert client.select_folder("INBOX")[b"READ-WRITE"] is True


def test_fetch_sends_id_before_examine_as_netease_requires(dovecot, netease_gate, mailbox, imap_folder, settings):
    settings.DEFAULT_FROM_EMAIL = "qlwblc@163.com"
    Mailbox.objects.update(port=netease_gate.port)
    dovecot.deliver(imap_folder, mails.simple("netease-1"))
    ids_logged = dovecot.log().count("ID sent: name=xuanshu")
    netease_gate.commands.clear()

    assert fetch() == "qlwblc: 1 new, 0 duplicates, last UID 1\n"
    assert netease_gate.commands[:4] == ["CAPABILITY", "LOGIN", "ID", "EXAMINE"]
    # Dovecot logs the ID it received (imap_id_log = *): our name, version, vendor and contact address.
    logged = re.findall(r"ID sent: (name=xuanshu, .*)", dovecot.log())
    assert (len(logged) - ids_logged, re.sub(r"version=[^,]+", "version=V", logged[-1])) == (
        1, "name=xuanshu, version=V, vendor=xuanshu, support-email=qlwblc@163.com",
    )


def test_a_mailbox_that_cannot_be_polled_is_reported_and_the_others_still_run(
    dovecot, campaign, mailbox, imap_folder, monkeypatch,
):
    dovecot.deliver(imap_folder, mails.simple("others-1"))
    configure_mailbox(slug="wrong-password", changes=MailboxSettings(
        host="127.0.0.1", port=dovecot.port, use_ssl=False, username=TEST_USER, password_env="WRONG_PASSWORD_ENV",
        folder=imap_folder, campaign=campaign))
    configure_mailbox(slug="no-server", changes=MailboxSettings(
        host="127.0.0.1", port=free_port(), use_ssl=False, username=TEST_USER, password_env="XUANSHU_TEST_MAILBOX_PASSWORD",
        folder=imap_folder, campaign=campaign))
    configure_mailbox(slug="no-password", changes=MailboxSettings(
        host="127.0.0.1", port=dovecot.port, use_ssl=False, username=TEST_USER, password_env="UNSET_PASSWORD_ENV",
        folder=imap_folder, campaign=campaign))
    monkeypatch.setenv("WRONG_PASSWORD_ENV", "not-the-password")
    monkeypatch.delenv("UNSET_PASSWORD_ENV", raising=False)
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match=r"^3 mailboxes could not be polled\.$"):
        call_command("fetch-mail", stdout=out, stderr=err)
    assert out.getvalue() == "qlwblc: 1 new, 0 duplicates, last UID 1\n"
    errors = dict(Mailbox.objects.exclude(slug="qlwblc").values_list("slug", "last_error"))
    assert errors["no-password"] == "The environment variable UNSET_PASSWORD_ENV with the password of mailbox no-password is not set."
    assert (errors["no-server"], errors["wrong-password"]) == (
        "[Errno 111] Connection refused", "[AUTHENTICATIONFAILED] Authentication failed.",
    )
    assert err.getvalue().splitlines() == [f"{slug}: failed: {errors[slug]}" for slug in ("no-password", "no-server", "wrong-password")]


def test_the_worker_polls_on_a_schedule(dovecot, mailbox, imap_folder):
    task = poll_mailboxes_task.task_class()
    assert isinstance(task, PeriodicTask)
    assert [task.validate_datetime(dt.datetime(2024, 3, 4, 9, minute)) for minute in (0, 3, 5, 10)] == [True, False, True, True]
    dovecot.deliver(imap_folder, mails.simple("scheduled-1"))
    poll_mailboxes_task.call_local()
    assert stored_ids() == ["<scheduled-1@mail.example.cn>"]
