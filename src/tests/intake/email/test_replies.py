"""Acknowledgements over SMTP, received by a real aiosmtpd sink: content, threading, RFC 3834 rules, daily limit."""
import email
import email.policy
import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tests.intake.email import mails
from xuanshu.campaigns.models import Campaign
from xuanshu.intake.channels.email.models import AutoReply
from xuanshu.intake.channels.email.replies import send_acknowledgement
from xuanshu.intake.channels.email.services import receive_email
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.nominations.models import Nomination
from xuanshu.public.links import status_link_token

pytestmark = pytest.mark.django_db


def deliver(raw: bytes, campaign, capture) -> InboundMessage:
    """Receive a message and run everything that follows its commit: processing, then the acknowledgement."""
    with capture(execute=True):
        receipt = receive_email(raw=raw, campaign=campaign)
    return InboundMessage.objects.get(pk=receipt.inbound.pk)


def sent(sink) -> list[tuple[str, list[str], email.message.EmailMessage]]:
    return [(sender, recipients, email.message_from_bytes(data, policy=email.policy.default)) for sender, recipients, data in sink.messages]


def expected_body(*, name: str, reference: str, campaign, status_url: str = "") -> str:
    """The acknowledgement as the zh-hans catalogue renders it (English msgids until they are translated)."""
    with translation.override("zh-hans"):
        if status_url:
            follow = [_("Check its progress at any time, without your phone number: %(url)s") % {"url": status_url},
                      _("Reader hotline: %(hotline)s") % {"hotline": campaign.hotline}]
        else:  # no origin to make the link under: the lookup page's path and the hotline instead
            follow = [_("To check its progress, open the status lookup page %(path)s on the %(campaign)s website and enter "
                        "the reference number with the phone number you gave us, or call the reader hotline %(hotline)s and "
                        "quote the reference number.") % {"path": f"/c/{campaign.slug}/status/", "campaign": campaign.name,
                                                          "hotline": campaign.hotline}]
        return "\n\n".join([
            _("Hello %(name)s,") % {"name": name} if name else _("Hello,"),
            _("Thank you for your nomination for %(campaign)s. We have received it; its reference number is %(reference)s.")
            % {"campaign": campaign.name, "reference": reference},
            _("Our editors review every nomination; there is no need to send it again. "
              "Please quote the reference number whenever you contact us about it."),
            *follow,
            _("This is an automatic reply."),
            campaign.undertaker,
        ]) + "\n"


def test_an_emailed_nomination_is_acknowledged_with_its_reference(campaign, smtp, settings, django_capture_on_commit_callbacks):
    settings.XUANSHU_PUBLIC_BASE_URL = ""  # no origin for the status link: it is left out, never sent with a guessed host
    inbound = deliver(mails.GB2312_BASE64.raw, campaign, django_capture_on_commit_callbacks)
    assert inbound.reference == "CCLC2024-000001"
    [(envelope_from, recipients, reply)] = sent(smtp)
    assert (envelope_from, recipients) == ("qlwblc@163.com", ["zhanggf@163.com"])
    with translation.override("zh-hans"):
        subject = _("Nomination received: %(reference)s") % {"reference": "CCLC2024-000001"}
    assert {name: reply[name] for name in ("From", "To", "Subject", "In-Reply-To", "References", "Auto-Submitted",
                                            "X-Auto-Response-Suppress")} == {
        "From": "qlwblc@163.com", "To": "zhanggf@163.com", "Subject": subject,
        "In-Reply-To": "<gb2312-base64@mail.example.cn>", "References": "<gb2312-base64@mail.example.cn>",
        "Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All",
    }
    assert reply.get_content().replace("\r\n", "\n") == expected_body(name="张桂芳", reference="CCLC2024-000001", campaign=campaign)
    record = AutoReply.objects.get()
    assert (record.status, record.recipient, record.reason, record.message_id) == ("sent", "zhanggf@163.com", "", reply["Message-ID"])


def test_the_acknowledgement_gives_the_status_link_that_opens_the_nomination(
    campaign, smtp, settings, client, django_capture_on_commit_callbacks,
):
    """The e-mail nominator's way around the status lookup's limits, as the thanks page and the WeChat reply give it."""
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn/"
    deliver(mails.GB2312_BASE64.raw, campaign, django_capture_on_commit_callbacks)
    nomination = Nomination.objects.get()
    path = reverse("public:status_link", args=[campaign.slug, status_link_token("CCLC2024-000001")])
    [(_from, _to, reply)] = sent(smtp)
    body = reply.get_content().replace("\r\n", "\n")
    assert body == expected_body(name="张桂芳", reference="CCLC2024-000001", campaign=campaign,
                                 status_url=f"https://h5.qlwb.example.cn{path}")

    [url] = re.findall(r"https?://\S+", body)
    assert url.startswith("https://h5.qlwb.example.cn/")
    response = client.get(url.removeprefix("https://h5.qlwb.example.cn"))
    result = response.context["result"]
    assert (response.status_code, result["reference"], result["nominee_name"]) == (200, "CCLC2024-000001", nomination.nominee_name)
    assert nomination.nominee_name and nomination.nominee_name in response.content.decode()


def test_the_campaign_files_public_site_makes_the_link_when_the_setting_is_unset(
    campaign, smtp, settings, django_capture_on_commit_callbacks,
):
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    Campaign.objects.filter(pk=campaign.pk).update(public_site="https://chucai.qlwb.example.cn")
    deliver(mails.GB2312_BASE64.raw, campaign, django_capture_on_commit_callbacks)
    path = reverse("public:status_link", args=[campaign.slug, status_link_token("CCLC2024-000001")])
    [(_from, _to, reply)] = sent(smtp)
    assert reply.get_content().replace("\r\n", "\n") == expected_body(
        name="张桂芳", reference="CCLC2024-000001", campaign=campaign, status_url=f"https://chucai.qlwb.example.cn{path}")


@pytest.mark.parametrize(("setting", "origin"), [
    ("https://h5.qlwb.example.cn", "https://h5.qlwb.example.cn"),  # the setting overrides the campaign file
    ("https://h5.qlwb.example.cn/c/other/?next=https://evil.example", ""),  # never a link under a path or a query
    ("http://h5.qlwb.example.cn", ""),  # plain http off the local machine: no link
    ("https://user@evil.example@h5.qlwb.example.cn", ""),
])
def test_the_setting_overrides_the_campaign_file_and_an_invalid_one_makes_no_link(
    campaign, smtp, settings, django_capture_on_commit_callbacks, setting, origin,
):
    settings.XUANSHU_PUBLIC_BASE_URL = setting
    Campaign.objects.filter(pk=campaign.pk).update(public_site="https://chucai.qlwb.example.cn")
    deliver(mails.GB2312_BASE64.raw, campaign, django_capture_on_commit_callbacks)
    path = reverse("public:status_link", args=[campaign.slug, status_link_token("CCLC2024-000001")])
    [(_from, _to, reply)] = sent(smtp)
    assert reply.get_content().replace("\r\n", "\n") == expected_body(
        name="张桂芳", reference="CCLC2024-000001", campaign=campaign, status_url=f"{origin}{path}" if origin else "")


def test_references_continue_the_senders_thread(campaign, smtp, django_capture_on_commit_callbacks):
    deliver(mails.simple("thread-3", extra=[("References", "<thread-1@x.cn> <thread-2@x.cn>")]), campaign,
            django_capture_on_commit_callbacks)
    [(_from, _to, reply)] = sent(smtp)
    assert reply["References"] == "<thread-1@x.cn> <thread-2@x.cn> <thread-3@mail.example.cn>"


def test_a_reader_tip_gets_no_acknowledgement(campaign, smtp, django_capture_on_commit_callbacks):
    deliver(mails.TIP_WITHOUT_ID.raw, campaign, django_capture_on_commit_callbacks)
    assert (smtp.messages, AutoReply.objects.count()) == ([], 0)


@pytest.mark.parametrize(("sender", "extra"), [
    ("citizen@163.com", [("Auto-Submitted", "auto-generated")]),
    ("citizen@163.com", [("Auto-Submitted", "auto-replied; owner-email=\"a@b.c\"")]),
    ("citizen@163.com", [("X-Autoreply", "yes")]),
    ("citizen@163.com", [("Return-Path", "<>")]),
    ("MAILER-DAEMON@mx.163.com", []),
    ("postmaster@qq.com", []),
])
def test_mail_written_by_machines_is_a_tip_and_gets_no_reply(campaign, smtp, django_capture_on_commit_callbacks, sender, extra):
    """Auto-replies and bounces may quote a nomination, keyword and all; they are kept for the editors, never a nomination."""
    inbound = deliver(mails.simple("robot", sender=sender, extra=extra), campaign, django_capture_on_commit_callbacks)
    assert (inbound.reference, Nomination.objects.count(), ReaderTip.objects.filter(inbound=inbound).count()) == (None, 0, 1)
    assert (smtp.messages, AutoReply.objects.count()) == ([], 0)


@pytest.mark.parametrize(("sender", "extra", "reason"), [
    ("citizen@163.com", [("Precedence", "bulk")], "precedence"),
    ("citizen@163.com", [("Precedence", "list")], "precedence"),
    ("citizen@163.com", [("Precedence", "junk")], "precedence"),
    ("citizen@163.com", [("List-Id", "Liaocheng news <news.lc.example.cn>")], "mailing_list"),
    ("no-reply@service.example.cn", [], "robot_sender"),
    ("noreply@service.example.cn", [], "robot_sender"),
    ("donotreply@service.example.cn", [], "robot_sender"),
    ("qlwblc@163.com", [], "own_address"),
    ("not an address", [], "no_address"),
])
def test_no_reply_to_robots_lists_and_ourselves(campaign, smtp, django_capture_on_commit_callbacks, sender, extra, reason):
    inbound = deliver(mails.simple("robot", sender=sender, extra=extra), campaign, django_capture_on_commit_callbacks)
    assert inbound.reference == "CCLC2024-000001"  # still a nomination, only not answered
    assert smtp.messages == []
    assert list(AutoReply.objects.values_list("status", "reason")) == [("skipped", reason)]


def test_auto_submitted_no_is_a_person_and_gets_a_reply(campaign, smtp, django_capture_on_commit_callbacks):
    deliver(mails.simple("person", extra=[("Auto-Submitted", "no")]), campaign, django_capture_on_commit_callbacks)
    assert [recipients for _from, recipients, _data in smtp.messages] == [["citizen@163.com"]]


def test_replies_per_sender_are_limited_per_day(campaign, smtp, settings, django_capture_on_commit_callbacks):
    settings.MAILBOX_REPLIES_PER_SENDER_PER_DAY = 3
    for n in range(1, 5):
        deliver(mails.simple(f"busy-{n}", sender="busy@163.com"), campaign, django_capture_on_commit_callbacks)
    deliver(mails.simple("other-1", sender="other@163.com"), campaign, django_capture_on_commit_callbacks)
    assert [(recipients, reply["Subject"][-6:]) for _f, recipients, reply in sent(smtp)] == [
        (["busy@163.com"], "000001"), (["busy@163.com"], "000002"), (["busy@163.com"], "000003"), (["other@163.com"], "000005"),
    ]
    assert list(AutoReply.objects.order_by("id").values_list("recipient", "status", "reason")) == [
        ("busy@163.com", "sent", ""), ("busy@163.com", "sent", ""), ("busy@163.com", "sent", ""),
        ("busy@163.com", "skipped", "daily_limit"), ("other@163.com", "sent", ""),
    ]


def test_processing_again_sends_nothing_again(campaign, smtp, django_capture_on_commit_callbacks):
    from xuanshu.intake.services import process_inbound

    inbound = deliver(mails.simple("again"), campaign, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        process_inbound(inbound_id=inbound.pk)
    assert send_acknowledgement(inbound_id=inbound.pk).status == "sent"
    assert len(smtp.messages) == 1


def test_a_failed_send_is_kept_and_sent_on_retry(campaign, smtp, settings, django_capture_on_commit_callbacks):
    from tests.intake.email.servers import free_port

    settings.EMAIL_PORT = free_port()  # nobody listens: the SMTP connection is refused
    inbound = deliver(mails.simple("retry"), campaign, django_capture_on_commit_callbacks)
    reply = AutoReply.objects.get()
    assert (reply.status, reply.error.startswith("ConnectionRefusedError")) == ("failed", True)

    settings.EMAIL_PORT = smtp.port
    assert send_acknowledgement(inbound_id=inbound.pk).status == "sent"
    assert [recipients for _from, recipients, _data in smtp.messages] == [["citizen@163.com"]]
    assert send_acknowledgement(inbound_id=inbound.pk).status == "sent"  # the retry queue firing twice sends once
    assert len(smtp.messages) == 1


def test_demo_messages_get_no_reply(campaign, smtp, django_capture_on_commit_callbacks):
    """A rehearsal's seeded e-mails are addressed to nobody real (`make run` printed or sent a reply to each)."""
    from xuanshu.nominations.demo import seed_demo_nominations

    with django_capture_on_commit_callbacks(execute=True):
        seed_demo_nominations(campaign=campaign, count=40)
    replies = list(AutoReply.objects.values_list("status", "reason"))
    assert replies and set(replies) == {("skipped", "demo_data")}
    assert smtp.messages == []
