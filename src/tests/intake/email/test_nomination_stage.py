"""E-mail outside the nomination stage: a nomination is kept as a reader tip and the auto-reply says why, over SMTP
to a real aiosmtpd sink, under the same RFC 3834 rules as every acknowledgement.

The recorded mails are dated Mon, 04 Mar 2024 09:15 +0800 (2024-03-04 01:15 UTC): that is when they count as received.
"""
import datetime as dt
import email
import email.policy

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from tests.intake.email import mails
from tests.intake.stages import move_nomination_stage
from xuanshu.intake.channels.email.models import AutoReply
from xuanshu.intake.channels.email.services import receive_email
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.intake.notices import held_nomination_notice
from xuanshu.nominations.models import Nomination

pytestmark = pytest.mark.django_db

UTC = dt.UTC
STAGES = {
    "closed": (dt.datetime(2023, 12, 1, tzinfo=UTC), dt.datetime(2024, 3, 1, tzinfo=UTC)),
    "not_yet_open": (dt.datetime(2024, 4, 1, tzinfo=UTC), dt.datetime(2024, 5, 1, tzinfo=UTC)),
}
SUBJECTS = {
    "closed": "Nominations are closed: your message was kept",
    "not_yet_open": "Nominations are not open yet: your message was kept",
}


def deliver(raw: bytes, campaign, capture) -> InboundMessage:
    """Receive a message and run everything that follows its commit: processing, then the acknowledgement."""
    with capture(execute=True):
        receipt = receive_email(raw=raw, campaign=campaign)
    return InboundMessage.objects.get(pk=receipt.inbound.pk)


def replies(sink) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(data, policy=email.policy.default) for _sender, _recipients, data in sink.messages]


@pytest.mark.parametrize("held", ["closed", "not_yet_open"])
def test_a_nomination_outside_the_stage_is_kept_as_a_tip_and_the_reply_says_why(
    campaign, smtp, settings, django_capture_on_commit_callbacks, held,
):
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn"  # set, yet no status link: there is no nomination to show
    starts_at, ends_at = STAGES[held]
    move_nomination_stage(campaign, starts_at=starts_at, ends_at=ends_at)
    inbound = deliver(mails.GB2312_BASE64.raw, campaign, django_capture_on_commit_callbacks)
    assert (inbound.reference, inbound.status, Nomination.objects.count()) == (None, "processed", 0)
    assert list(ReaderTip.objects.values_list("inbound_id", "channel", "held_because", "text")) == [
        (inbound.pk, "email", held, f"{mails.GB2312_BASE64.subject}\n\n{mails.GB2312_BASE64.text}"),
    ]
    [reply] = replies(smtp)
    with translation.override("zh-hans"):
        subject = _(SUBJECTS[held])
        body = "\n\n".join([
            _("Hello %(name)s,") % {"name": "张桂芳"},
            held_nomination_notice(campaign, held),
            _("Reader hotline: %(hotline)s") % {"hotline": campaign.hotline},
            _("This is an automatic reply."),
            campaign.undertaker,
        ]) + "\n"
    assert {name: reply[name] for name in ("To", "Subject", "In-Reply-To", "Auto-Submitted")} == {
        "To": "zhanggf@163.com", "Subject": subject, "In-Reply-To": "<gb2312-base64@mail.example.cn>", "Auto-Submitted": "auto-replied",
    }
    assert reply.get_content().replace("\r\n", "\n") == body
    assert list(AutoReply.objects.values_list("inbound_id", "status", "recipient")) == [(inbound.pk, "sent", "zhanggf@163.com")]


def test_the_closed_reply_in_chinese_names_the_closing_time(campaign, smtp, django_capture_on_commit_callbacks):
    move_nomination_stage(campaign, starts_at=dt.datetime(2023, 12, 1, tzinfo=UTC), ends_at=dt.datetime(2024, 2, 29, 16, 0, tzinfo=UTC))
    deliver(mails.simple("late"), campaign, django_capture_on_commit_callbacks)
    [reply] = replies(smtp)
    assert reply["Subject"] == "推荐征集已截止，来信已保存"  # short enough for one line: no folded encoded word
    assert "“出彩聊城人”推荐征集已于2024年3月1日 00:00截止，您的这条消息未登记为推荐。我们已保存这条消息，编辑会认真阅读。" in reply.get_content()


def test_a_mail_sent_while_open_is_a_nomination_even_when_read_after_the_close(campaign, smtp, django_capture_on_commit_callbacks):
    move_nomination_stage(campaign, starts_at=dt.datetime(2024, 1, 1, tzinfo=UTC), ends_at=dt.datetime(2024, 3, 5, tzinfo=UTC))
    inbound = deliver(mails.GB2312_BASE64.raw, campaign, django_capture_on_commit_callbacks)
    assert (inbound.reference, ReaderTip.objects.count()) == ("CCLC2024-000001", 0)
    assert [reply["Subject"] for reply in replies(smtp)] == ["已收到推荐：CCLC2024-000001"]


def test_a_held_nomination_from_a_mailing_list_gets_no_reply(campaign, smtp, django_capture_on_commit_callbacks):
    move_nomination_stage(campaign, starts_at=STAGES["closed"][0], ends_at=STAGES["closed"][1])
    deliver(mails.simple("list", extra=[("List-Id", "Liaocheng news <news.lc.example.cn>")]), campaign, django_capture_on_commit_callbacks)
    assert (smtp.messages, list(ReaderTip.objects.values_list("held_because", flat=True))) == ([], ["closed"])
    assert list(AutoReply.objects.values_list("status", "reason")) == [("skipped", "mailing_list")]


def test_a_tip_without_the_keyword_still_gets_no_reply_outside_the_stage(campaign, smtp, django_capture_on_commit_callbacks):
    move_nomination_stage(campaign, starts_at=STAGES["closed"][0], ends_at=STAGES["closed"][1])
    deliver(mails.TIP_WITHOUT_ID.raw, campaign, django_capture_on_commit_callbacks)
    assert (smtp.messages, AutoReply.objects.count(), list(ReaderTip.objects.values_list("held_because", flat=True))) == ([], 0, [""])
