"""A reply in the thread of an e-mail nomination adds to it what the citizen wrote, never the mail it quotes: fetched from
a real Dovecot, the reply's own words join the nomination's deeds and fill what the nomination left empty, while the
quoted nomination (under "在 … 写道：", with '>' before each line) and the quoted acknowledgement (under QQ Mail's
"原始邮件" line) stay out of them. Mails are written as those mailers write them (see mails.py for the source)."""

import pytest

from tests.intake.email.test_threads_and_robots import CITIZEN, NOMINATION, acknowledgements, fetch, utf8_mail
from xuanshu.core.models import ActivityLog
from xuanshu.nominations.extraction.models import Extraction
from xuanshu.nominations.models import FollowUpMessage, Nomination

pytestmark = pytest.mark.django_db

OPENING = f"推荐出彩聊城人\n\n{NOMINATION}"  # the subject, then the body, as the channel reads a mail
# Gmail's reply in Chinese, bottom of the mail: the attribution line, then the nomination quoted line by line.
GMAIL_REPLY = (
    "补充：推荐人李明，电话13812341234。\r\n\r\n"
    f"在 2024年3月4日周一 09:15，<{CITIZEN}> 写道：\r\n\r\n> {NOMINATION}\r\n>\r\n> 推荐出彩聊城人\r\n"
)
# QQ Mail's reply to the acknowledgement: its own words, then the acknowledgement under the "原始邮件" separator.
QQ_REPLY = "她还常年为社区老人义务理发。\r\n\r\n------------------ 原始邮件 ------------------\r\n{ack}"


def test_a_replys_own_words_join_the_nomination_and_what_it_quotes_does_not(
    dovecot, mailbox, imap_folder, smtp, django_capture_on_commit_callbacks
):
    fetch(
        dovecot,
        imap_folder,
        utf8_mail("first", subject="推荐出彩聊城人", body=NOMINATION),
        capture=django_capture_on_commit_callbacks,
    )
    nomination = Nomination.objects.get()
    assert (nomination.deeds, nomination.nominator_name, nomination.nominator_phone) == (OPENING, "", "")
    [ack] = acknowledgements(smtp)

    gmail = utf8_mail(
        "gmail",
        subject="Re: 推荐出彩聊城人",
        body=GMAIL_REPLY,
        extra=[("In-Reply-To", "<first@mail.example.cn>"), ("References", "<first@mail.example.cn>")],
    )
    fetch(dovecot, imap_folder, gmail, capture=django_capture_on_commit_callbacks)
    qq = utf8_mail(
        "qq",
        subject=f"回复：{ack['Subject']}",
        body=QQ_REPLY.format(ack=ack.get_content()),
        extra=[("In-Reply-To", ack["Message-ID"]), ("References", f"<first@mail.example.cn> {ack['Message-ID']}")],
    )
    fetch(dovecot, imap_folder, qq, capture=django_capture_on_commit_callbacks)

    whole = f"{OPENING}\n\n补充：推荐人李明，电话13812341234。\n\n她还常年为社区老人义务理发。"
    nomination.refresh_from_db()
    assert (
        nomination.deeds,
        nomination.nominee_name,
        nomination.nominator_name,
        nomination.nominator_phone,
        nomination.nominator_email,
    ) == (whole.replace("13812341234", "138****1234"), "王秀兰", "李明", "+8613812341234", CITIZEN)
    assert Extraction.objects.get(nomination=nomination).text == whole
    # Editors still read each reply whole, quote included.
    assert [text.count(NOMINATION) for text in FollowUpMessage.objects.order_by("inbound_id").values_list("text", flat=True)] == [
        1,
        0,
    ]
    assert list(FollowUpMessage.objects.order_by("inbound_id").values_list("part_text", flat=True)) == [
        "补充：推荐人李明，电话13812341234。",
        "她还常年为社区老人义务理发。",
    ]
    assert ActivityLog.objects.filter(action="nomination.follow_up_absorbed", subject_id=str(nomination.pk)).count() == 2
    assert len(smtp.messages) == 1  # replies are not acknowledged
