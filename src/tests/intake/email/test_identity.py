"""Which e-mails are the same message: the Message-ID and the content the sender's mailer wrote.

Messages reach the real Dovecot over LMTP, as an MTA hands them over: each delivery gets its own Return-Path,
Delivered-To and Received (a fresh id and time), so two deliveries of one message never have the same bytes. A
message delivered into two folders (sent to two of the campaign's addresses, or copied by a forwarding alias) is
stored once; a different message under a reused Message-ID (a broken mailer, a forged header) is stored as its own.
"""
import hashlib
import importlib
import io
import logging
import mailbox as stdlib_mailbox

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import translation

from tests.intake.email import mails
from xuanshu.core.models import ActivityLog
from xuanshu.intake.channels.email import services
from xuanshu.intake.channels.email.identity import content_digest, mail_identity
from xuanshu.intake.channels.email.models import Mailbox
from xuanshu.intake.channels.email.services import MailboxSettings, configure_mailbox, receive_email
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.models import Nomination

pytestmark = pytest.mark.django_db

MESSAGE_ID = "<reused@mail.example.cn>"


def fetch() -> list[str]:
    out = io.StringIO()
    with translation.override("en"):
        call_command("fetch-mail", stdout=out)
    return out.getvalue().splitlines()


def fetched_bytes(dovecot, folder: str) -> list[bytes]:
    with dovecot.client() as client:
        client.select_folder(folder, readonly=True)
        response = client.fetch(client.search(), ["BODY.PEEK[]"])
        return [bytes(data[b"BODY[]"]) for _uid, data in sorted(response.items())]


def stored() -> list[tuple[str, bytes]]:
    return [(m.external_id, bytes(m.raw_body)) for m in InboundMessage.objects.filter(channel="email").order_by("pk")]


def second_folder_mailbox(mailbox: Mailbox, folder: str) -> Mailbox:
    """The campaign's second address, delivered into a folder of its own and polled as a mailbox of its own."""
    copy, _created = configure_mailbox(slug="qlwblc-copy", changes=MailboxSettings(
        host=mailbox.host, port=mailbox.port, use_ssl=False, username=mailbox.username, password_env=mailbox.password_env,
        folder=folder, campaign=mailbox.campaign,
    ))
    return copy


@pytest.mark.parametrize("raw", [mails.simple("twice"), mails.TIP_WITHOUT_ID.raw], ids=["message-id", "no-message-id"])
def test_one_message_delivered_into_two_folders_is_stored_once(dovecot, mailbox, imap_folder, raw):
    second_folder_mailbox(mailbox, f"{imap_folder}-copy")
    dovecot.deliver_by_lmtp(imap_folder, raw)
    dovecot.deliver_by_lmtp(f"{imap_folder}-copy", raw)
    [first], [second] = fetched_bytes(dovecot, imap_folder), fetched_bytes(dovecot, f"{imap_folder}-copy")
    # Dovecot's own delivery headers make the copies differ; everything the sender wrote is the same (SMTP and LMTP
    # end a message with CRLF: one is added where the sender's last line had none).
    added = [copy[:copy.index(raw)] for copy in (first, second)]
    assert (first != second, [copy[len(head):].rstrip(b"\r\n") for copy, head in zip((first, second), added)]) == (
        True, [raw.rstrip(b"\r\n")] * 2,
    )
    assert [[line.split(b":")[0] for line in head.split(b"\r\n") if line and line[:1] not in b" \t"] for head in added] == [
        [b"Return-Path", b"Delivered-To", b"Received"],
    ] * 2

    assert fetch() == ["qlwblc: 1 new, 0 duplicates, last UID 1", "qlwblc-copy: 0 new, 1 duplicates, last UID 1"]
    assert stored() == [(mail_identity(raw).external_id, first)]


def test_a_different_message_under_a_reused_message_id_is_stored_as_its_own_and_logged(
    dovecot, mailbox, imap_folder, caplog, django_capture_on_commit_callbacks,
):
    nomination = mails.simple("reused")
    other = mails.simple("reused", body="李建国师傅义务修车十五年，分文不取。")  # the mailer's Message-ID counter stuck
    for raw in (nomination, other):
        dovecot.deliver_by_lmtp(imap_folder, raw)
    with caplog.at_level(logging.WARNING, logger="xuanshu.intake.email"), django_capture_on_commit_callbacks(execute=True):
        assert fetch() == ["qlwblc: 2 new, 0 duplicates, last UID 2"]

    first, second = InboundMessage.objects.filter(channel="email").order_by("pk")
    assert stored() == [(MESSAGE_ID, raw) for raw in fetched_bytes(dovecot, imap_folder)]
    assert (first.content_digest, second.content_digest) == (content_digest(nomination), content_digest(other))
    assert [r.getMessage() for r in caplog.records if r.name == "xuanshu.intake.email" and r.levelno == logging.WARNING] == [
        f"e-mail stored as inbound {second.pk} reuses the Message-ID {MESSAGE_ID} of inbound {first.pk} with different "
        f"content: kept as a message of its own",
    ]
    # The editors see it too, on the new message: an audit row written with the message itself.
    assert list(ActivityLog.objects.filter(action="inbound.message_id_reused").values_list(
        "subject_type", "subject_id", "actor_id", "actor_label", "old_value", "new_value",
    )) == [("intake.inboundmessage", str(second.pk), None, "channel:email", None,
            {"message_id": MESSAGE_ID, "same_message_id": [first.pk]})]
    # Each is read on its own: two nominations, two references.
    assert sorted(Nomination.objects.values_list("inbound_id", "inbound__reference")) == [
        (first.pk, "CCLC2024-000001"), (second.pk, "CCLC2024-000002"),
    ]

    # Reading the folder again from the start (a lost sync state) recognises both.
    Mailbox.objects.update(last_uid=0)
    assert fetch() == ["qlwblc: 0 new, 2 duplicates, last UID 2"]
    assert (InboundMessage.objects.count(), ActivityLog.objects.filter(action="inbound.message_id_reused").count()) == (2, 1)


def test_a_reused_message_id_is_stored_only_with_its_audit_row(campaign, monkeypatch):
    """The new message and the row telling the editors about it are one transaction: neither is kept without the other."""
    first = receive_email(raw=mails.simple("reused"), campaign=campaign, enqueue_processing=False).inbound

    def audit_fails(**kwargs):
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(services, "record_activity", audit_fails)
    with pytest.raises(RuntimeError, match="audit write failed"):
        receive_email(raw=mails.simple("reused", body="李建国师傅义务修车十五年，分文不取。"), campaign=campaign, enqueue_processing=False)
    assert list(InboundMessage.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_reply_to_a_message_id_two_messages_share_joins_the_first_nomination(
    dovecot, mailbox, imap_folder, django_capture_on_commit_callbacks,
):
    first = mails.simple("reused")
    second = mails.simple("reused", body="李建国师傅义务修车十五年，分文不取。")
    reply = mails.simple("reply", subject="Re: 推荐出彩聊城人", body="补充：王秀兰还常年为社区老人义务理发。",
                         extra=[("In-Reply-To", MESSAGE_ID), ("References", MESSAGE_ID)])
    for raw in (first, second, reply):
        dovecot.deliver_by_lmtp(imap_folder, raw)
    with django_capture_on_commit_callbacks(execute=True):
        fetch()
    outcomes = [(m.status, m.reference, m.follow_up.nomination.reference if hasattr(m, "follow_up") else None)
                for m in InboundMessage.objects.order_by("pk")]
    assert outcomes == [("processed", "CCLC2024-000001", None), ("processed", "CCLC2024-000002", None),
                        ("processed", None, "CCLC2024-000001")]


def test_a_crash_between_two_messages_under_one_message_id_loses_and_duplicates_nothing(
    dovecot, mailbox, imap_folder, monkeypatch,
):
    raws = [mails.simple("reused", body=f"第{n}位：王秀兰照顾孤寡老人二十年。") for n in (1, 2, 3)]
    for raw in raws:
        dovecot.deliver_by_lmtp(imap_folder, raw)
    advance = services.advance_last_uid

    def power_cut_at_second(*, mailbox, uidvalidity, uid):
        if uid == 2:
            raise RuntimeError("power cut")
        advance(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid)

    monkeypatch.setattr(services, "advance_last_uid", power_cut_at_second)
    with pytest.raises(RuntimeError, match="power cut"):
        fetch()
    assert (Mailbox.objects.get().last_uid, len(stored())) == (1, 1)

    monkeypatch.setattr(services, "advance_last_uid", advance)
    assert fetch() == ["qlwblc: 2 new, 0 duplicates, last UID 3"]
    assert stored() == [(MESSAGE_ID, raw) for raw in fetched_bytes(dovecot, imap_folder)]


def test_a_mail_clients_export_of_a_fetched_message_is_recognised_on_import(dovecot, mailbox, imap_folder, tmp_path):
    dovecot.deliver_by_lmtp(imap_folder, mails.simple("exported"))
    fetch()
    [fetched] = fetched_bytes(dovecot, imap_folder)
    # Thunderbird's local folders: an mbox file with LF line ends, its own status headers added to each message.
    exported = b"X-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\n" + fetched.replace(b"\r\n", b"\n")
    box = stdlib_mailbox.mbox(tmp_path / "Inbox")
    box.add(exported)
    box.close()
    out = io.StringIO()
    with translation.override("en"):
        call_command("import-mail", str(tmp_path / "Inbox"), stdout=out)
    assert (out.getvalue(), len(stored())) == ("imported: 0, duplicates: 1, failed: 0\n", 1)


def test_the_content_digest_leaves_out_what_servers_and_clients_add_and_nothing_the_sender_wrote():
    raw = mails.simple("digest")
    delivered = (b"Return-Path: <citizen@163.com>\r\nDelivered-To: qlwblc@163.com\r\nReceived: from mx.163.com\r\n"
                 b"\tby imap.163.com with LMTP; Mon, 04 Mar 2024 09:15:02 +0800\r\nX-Spam-Status: No, score=-0.1\r\n"
                 b"Authentication-Results: mx.163.com; dkim=pass\r\n" + raw)
    saved = b"From citizen@163.com Mon Mar  4 09:15:02 2024\nStatus: RO\n" + raw.replace(b"\r\n", b"\n") + b"\n\n"
    changed = [raw.replace(b"Mon, 04 Mar 2024 09:15:00", b"Mon, 04 Mar 2024 09:16:00"),  # another Date
               raw.replace(b"From: citizen@163.com", b"From: other@163.com"),
               mails.simple("digest", body=mails.DEEDS + "。"),
               raw + b"\r\n-- \r\n"]
    assert {content_digest(copy) for copy in (raw, delivered, saved)} == {content_digest(raw)}
    assert len({content_digest(copy) for copy in [raw, *changed]}) == 5


def test_a_message_without_a_usable_message_id_is_keyed_by_its_content():
    garbage = b"\x89PNG\r\n\x1a\r\n this is not an e-mail \xff\xfe\r\n"
    too_long = mails.simple("digest").replace(b"<digest@", b"<" + b"x" * 300 + b"@")
    assert [mail_identity(raw).external_id for raw in (mails.TIP_WITHOUT_ID.raw, garbage, too_long)] == [
        f"sha256:{content_digest(raw)}" for raw in (mails.TIP_WITHOUT_ID.raw, garbage, too_long)
    ]


def test_messages_stored_before_content_digests_are_still_recognised(campaign):
    with_id, without_id = mails.simple("before"), mails.TIP_WITHOUT_ID.raw
    for external_id, raw in (("<before@mail.example.cn>", with_id), ("sha256:" + hashlib.sha256(without_id).hexdigest(), without_id)):
        InboundMessage.objects.create(campaign=campaign, channel="email", external_id=external_id, raw_body=raw)
    migration = importlib.import_module("xuanshu.intake.channels.email.migrations.0003_inbound_content_digest")

    migration.add_content_digests(apps, None)

    assert list(InboundMessage.objects.order_by("pk").values_list("external_id", "content_digest")) == [
        ("<before@mail.example.cn>", content_digest(with_id)),
        (f"sha256:{content_digest(without_id)}", content_digest(without_id)),
    ]
    assert [receive_email(raw=raw, campaign=campaign).created for raw in (with_id, without_id)] == [False, False]
