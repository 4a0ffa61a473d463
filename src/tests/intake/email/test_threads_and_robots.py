"""Replies in a nomination's thread, and mail written by machines, fetched from a real Dovecot and answered through a
real SMTP sink: a citizen's reply to our acknowledgement joins the nomination it answers (once, without another
acknowledgement); an auto-reply or bounce never becomes a nomination, whatever it quotes."""
import email
import email.policy
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from tests.intake.email import mails
from tests.intake.email.mails import b64, envelope, message, word
from xuanshu.intake.channels.email.decode import parse_mail
from xuanshu.intake.channels.email.models import AutoReply
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.nominations.models import FollowUpMessage, Nomination

pytestmark = pytest.mark.django_db

CITIZEN = "zhanggf@163.com"
NOMINATION = "推荐出彩聊城人：王秀兰在东昌府区古楼街道照顾孤寡老人二十年。"


def fetch(dovecot, folder: str, *raws: bytes, capture) -> None:
    """Deliver into the IMAP folder, poll it, and run what follows each commit (processing, acknowledgements)."""
    dovecot.deliver(folder, *raws)
    with translation.override("en"), capture(execute=True):
        call_command("fetch-mail", stdout=io.StringIO())


def utf8_mail(message_id: str, *, subject: str, body: str, sender: str = CITIZEN, extra: list[tuple[str, str]] = ()) -> bytes:
    return message([("From", sender), ("Subject", word(subject, "utf-8")), *envelope(message_id), *extra,
                    ("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "base64")], b64(body.encode()))


def acknowledgements(smtp) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(data, policy=email.policy.default) for _sender, _recipients, data in smtp.messages]


def outcome(message_id: str) -> tuple:
    inbound = InboundMessage.objects.get(external_id=f"<{message_id}@mail.example.cn>")
    follow_up = FollowUpMessage.objects.filter(inbound=inbound).select_related("nomination").first()
    return (inbound.status, inbound.reference, Nomination.objects.filter(inbound=inbound).exists(),
            follow_up.nomination.reference if follow_up else None, ReaderTip.objects.filter(inbound=inbound).exists())


def test_a_reply_to_the_acknowledgement_joins_the_nomination_it_answers(dovecot, mailbox, imap_folder, smtp,
                                                                       django_capture_on_commit_callbacks):
    fetch(dovecot, imap_folder, utf8_mail("first", subject="推荐出彩聊城人", body=NOMINATION), capture=django_capture_on_commit_callbacks)
    [ack] = acknowledgements(smtp)
    # QQ Mail's reply: "回复：" and the acknowledgement quoted under its "原始邮件" line, threaded by In-Reply-To.
    reply = utf8_mail(
        "reply", subject=f"回复：{ack['Subject']}",
        body=f"补充：王秀兰还常年为社区老人义务理发。\r\n\r\n------------------ 原始邮件 ------------------\r\n{ack.get_content()}",
        extra=[("In-Reply-To", ack["Message-ID"]), ("References", f"<first@mail.example.cn> {ack['Message-ID']}")],
    )
    # Apple Mail, replying to the sent nomination itself: the keyword comes back quoted, and must not open a second one.
    again = utf8_mail("again", subject="Re: 推荐出彩聊城人", body=f"照片见附件。\r\n\r\n> {NOMINATION}",
                      extra=[("In-Reply-To", "<first@mail.example.cn>"), ("References", "<first@mail.example.cn>")])
    fetch(dovecot, imap_folder, reply, again, capture=django_capture_on_commit_callbacks)

    assert [outcome(name) for name in ("first", "reply", "again")] == [
        ("processed", "CCLC2024-000001", True, None, False),
        ("processed", None, False, "CCLC2024-000001", False),
        ("processed", None, False, "CCLC2024-000001", False),
    ]
    assert FollowUpMessage.objects.get(inbound__external_id="<reply@mail.example.cn>").text == parse_mail(reply).subject + "\n\n" + parse_mail(reply).text
    assert len(smtp.messages) == 1  # a follow-up is not acknowledged again
    assert Nomination.objects.count() == 1


def test_a_reply_in_someone_elses_thread_is_not_their_follow_up(dovecot, mailbox, imap_folder, smtp, django_capture_on_commit_callbacks):
    fetch(dovecot, imap_folder, utf8_mail("first", subject="推荐出彩聊城人", body=NOMINATION), capture=django_capture_on_commit_callbacks)
    [ack] = acknowledgements(smtp)
    stranger = utf8_mail("stranger", sender="other@qq.com", subject=f"Re: {ack['Subject']}", body="我也想补充几句。",
                         extra=[("In-Reply-To", ack["Message-ID"])])
    fetch(dovecot, imap_folder, stranger, capture=django_capture_on_commit_callbacks)
    assert outcome("stranger") == ("processed", None, False, None, True)


@pytest.mark.parametrize(("name", "sender", "subject", "extra"), [
    ("outlook-ooo", CITIZEN, "自动答复: 推荐出彩聊城人", [("Auto-Submitted", "auto-replied")]),
    ("x-autoreply", CITIZEN, "Re: 推荐出彩聊城人", [("X-Autoreply", "yes")]),
    ("qq-vacation", CITIZEN, "自动回复: 推荐出彩聊城人", []),  # QQ Mail's vacation reply carries no RFC 3834 header
    ("bounce", "MAILER-DAEMON@163.com", "系统退信: 推荐出彩聊城人", [("Return-Path", "<>")]),
], ids=lambda value: value if isinstance(value, str) and value.isascii() and "@" not in value else "")
def test_auto_replies_and_bounces_are_tips_never_nominations_and_get_no_answer(
    dovecot, mailbox, imap_folder, smtp, django_capture_on_commit_callbacks, name, sender, subject, extra,
):
    fetch(dovecot, imap_folder, utf8_mail("first", subject="推荐出彩聊城人", body=NOMINATION), capture=django_capture_on_commit_callbacks)
    [ack] = acknowledgements(smtp)
    robot = utf8_mail(name, sender=sender, subject=subject, body=f"我正在休假，将尽快回复。\r\n\r\n{NOMINATION}",
                      extra=[*extra, ("In-Reply-To", ack["Message-ID"])])
    fetch(dovecot, imap_folder, robot, capture=django_capture_on_commit_callbacks)
    assert outcome(name) == ("processed", None, False, None, True)
    assert (Nomination.objects.count(), len(smtp.messages), AutoReply.objects.count()) == (1, 1, 1)


def test_a_bounce_of_our_acknowledgement_quoting_it_whole_is_a_tip(dovecot, mailbox, imap_folder, smtp, django_capture_on_commit_callbacks):
    fetch(dovecot, imap_folder, utf8_mail("first", subject="推荐出彩聊城人", body=NOMINATION), capture=django_capture_on_commit_callbacks)
    returned = smtp.messages[0][2]
    report = b"\r\n".join([
        b"--dsn", b"Content-Type: text/plain; charset=us-ascii", b"", b"Delivery to the following recipient failed permanently.",
        b"--dsn", b"Content-Type: message/delivery-status", b"", b"Reporting-MTA: dns; mx.163.com", b"",
        b"Final-Recipient: rfc822; zhanggf@163.com", b"Action: failed", b"Status: 5.1.1",
        b"--dsn", b"Content-Type: message/rfc822", b"", returned, b"--dsn--", b"",
    ])
    bounce = message([("From", "MAILER-DAEMON@163.com"), ("Subject", "Undelivered Mail Returned to Sender"), *envelope("dsn"),
                      ("Content-Type", 'multipart/report; report-type=delivery-status; boundary="dsn"')], report)
    fetch(dovecot, imap_folder, bounce, capture=django_capture_on_commit_callbacks)
    assert outcome("dsn") == ("processed", None, False, None, True)
    assert (Nomination.objects.count(), len(smtp.messages)) == (1, 1)


def test_the_same_mail_fetched_from_two_folders_is_stored_once(dovecot, mailbox, imap_folder, django_capture_on_commit_callbacks):
    """A mail delivered to the inbox and copied to another folder (or fetched again after a resync) is one nomination."""
    from xuanshu.intake.channels.email.services import MailboxSettings, configure_mailbox

    raw = mails.simple("twice")
    fetch(dovecot, imap_folder, raw, capture=django_capture_on_commit_callbacks)
    configure_mailbox(slug="qlwblc", changes=MailboxSettings(folder=imap_folder + "Copy"))
    fetch(dovecot, imap_folder + "Copy", raw, capture=django_capture_on_commit_callbacks)
    assert (InboundMessage.objects.count(), Nomination.objects.count()) == (1, 1)
