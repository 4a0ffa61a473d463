"""A message received shortly before the same sender's nomination (conf.EARLY_FOLLOW_UP_MINUTES) belongs to it.

WeChat may deliver the nomination late (a retry after a slow reply), or the phone sends the photo before the text.
Read before the nomination arrived, the photo is kept as a reader tip and its sender gets the guidance for tips;
processing the nomination reads it again, and it moves from the tips to the nomination. The nomination's reply says so.
"""
import datetime as dt

import pytest
from django.utils import translation

from tests.intake.wechat.conftest import run
from tests.intake.wechat.payloads import documented, reply_fields
from tests.intake.wechat.test_callback import NOMINATION_TEXT, OPENID, chinese, status_url, text_message
from xuanshu.console.activity import present_activity
from xuanshu.core.models import ActivityLog
from xuanshu.intake.channels.wechat import replies
from xuanshu.intake.channels.wechat.conf import EARLY_FOLLOW_UP_MINUTES
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.nominations.models import FollowUpMessage, Nomination

pytestmark = pytest.mark.django_db(transaction=True)

REFERENCE = "CCLC2024-000001"


def photo(msg_id: str = "2001", sender: str = OPENID) -> str:
    return documented("image", FromUserName=sender, MsgId=msg_id)


def answer(response) -> str:
    return reply_fields(response.content.decode())["Content"]


def received_earlier(external_id: str, **delta) -> None:
    """Move a stored message's receipt back in time, as if it had come that much earlier."""
    inbound = InboundMessage.objects.get(external_id=external_id)
    InboundMessage.objects.filter(pk=inbound.pk).update(received_at=inbound.received_at - dt.timedelta(**delta))


def test_a_photo_received_just_before_the_nomination_moves_from_the_tips_to_it(account, campaign, post_xml):
    first = post_xml(account, photo())
    assert answer(first) == chinese(replies.tip_reply, campaign)  # nothing to add it to yet
    tip = ReaderTip.objects.get()
    assert (tip.inbound.external_id, tip.state) == ("2001", "open")

    response = post_xml(account, text_message(NOMINATION_TEXT, msg_id="2002"))

    assert answer(response) == chinese(replies.nomination_reply, campaign, REFERENCE, status_url(campaign), 30, 1)
    nomination = Nomination.objects.get()
    assert list(FollowUpMessage.objects.values_list("nomination_id", "inbound__external_id", "text")) == [(nomination.pk, "2001", "")]
    tip.refresh_from_db()
    assert (tip.state, tip.nomination_id) == ("archived", None)
    assert list(ActivityLog.objects.filter(subject_type="intake.readertip").order_by("pk")
                .values_list("action", "actor_label", "old_value", "new_value", "reason")) == [
        ("tip.create", "channel:wechat", None, None, ""),
        ("tip.archived", "channel:wechat", {"state": "open"}, {"state": "archived", "nomination": None},
         "sent just before the sender's nomination, and added to it"),
    ]
    archived = ActivityLog.objects.get(action="tip.archived")
    with translation.override("en"):
        assert [entry.reason for entry in present_activity([archived])] == ["Sent just before the sender's nomination, and added to it"]
    assert chinese(lambda: [entry.reason for entry in present_activity([archived])]) == ["在发送人的推荐之前不久发来，已补充到该推荐中"]
    assert list(ActivityLog.objects.filter(subject_type="nominations.nomination").order_by("pk").values_list("action", "new_value")) == [
        ("nomination.create", {"state": "received", "inbound": nomination.inbound_id}),
        ("nomination.follow_up", {"inbound": tip.inbound_id}),
    ]
    assert set(InboundMessage.objects.values_list("status", flat=True)) == {"processed"}


def test_the_reply_counts_what_came_before_in_english_and_chinese(campaign):
    url = "https://h5.example.cn/c/x/status/"
    assert chinese(replies.nomination_reply, campaign, "CCLC2024-000007", url, 30, 2) == (
        "感谢您参与“出彩聊城人”推荐！您在推荐之前发来的2条消息也已一并收入这条推荐。推荐编号：CCLC2024-000007。"
        f"查询进度：{url} 。30分钟内您还可以继续发送照片、语音或文字，我们会补充到这条推荐中。"
    )
    assert replies.nomination_reply(campaign, "CCLC2024-000007", url, 30, 1) == (
        "Thank you! We have received your nomination for 出彩聊城人, with the message you sent just before it. "
        f"Reference number: CCLC2024-000007. Check its progress at {url}. In the next 30 minutes you can send photos, "
        "voice messages or more text, and we will add them to this nomination."
    )


def test_a_retry_of_the_nomination_after_the_photo_joined_gets_the_same_reply(account, post_xml):
    post_xml(account, photo())
    xml = text_message(NOMINATION_TEXT, msg_id="2002")
    contents = [answer(post_xml(account, xml)) for _ in range(2)]
    assert FollowUpMessage.objects.get().inbound.external_id == "2001"
    assert contents[0] == contents[1] and "1条消息" in contents[0]


def test_a_photo_from_longer_before_stays_a_tip(account, campaign, post_xml):
    post_xml(account, photo())
    received_earlier("2001", minutes=EARLY_FOLLOW_UP_MINUTES, seconds=1)
    response = post_xml(account, text_message(NOMINATION_TEXT, msg_id="2002"))
    assert answer(response) == chinese(replies.nomination_reply, campaign, REFERENCE, status_url(campaign), 30)
    assert list(ReaderTip.objects.values_list("inbound__external_id", "state")) == [("2001", "open")]
    assert FollowUpMessage.objects.count() == 0


def test_a_question_or_another_senders_photo_just_before_stays_a_tip(account, campaign, post_xml):
    post_xml(account, text_message("请问怎么推荐", msg_id="2001"))  # asks how to nominate: not about the nominee
    post_xml(account, photo("2002", sender="oOTHERsender000000000000000"))
    response = post_xml(account, text_message(NOMINATION_TEXT, msg_id="2003"))
    assert answer(response) == chinese(replies.nomination_reply, campaign, REFERENCE, status_url(campaign), 30)
    assert sorted(ReaderTip.objects.values_list("inbound__external_id", "state")) == [("2001", "open"), ("2002", "open")]
    assert FollowUpMessage.objects.count() == 0


def test_a_photo_that_already_followed_an_earlier_nomination_stays_with_it(account, campaign, post_xml):
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="2001"))
    post_xml(account, photo("2002"))
    response = post_xml(account, text_message("推荐出彩聊城人 阳谷县的王师傅，义务修车十年", msg_id="2003"))
    assert answer(response) == chinese(replies.nomination_reply, campaign, "CCLC2024-000002", status_url(campaign, "CCLC2024-000002"), 30)
    assert list(FollowUpMessage.objects.values_list("nomination__reference", "inbound__external_id")) == [(REFERENCE, "2002")]


def test_a_photo_still_queued_when_its_nomination_is_processed_joins_it_without_becoming_a_tip(queue, account, post_xml):
    post_xml(account, photo())
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="2002"))
    early, opener = InboundMessage.objects.get(external_id="2001"), InboundMessage.objects.get(external_id="2002")
    assert queue == [early.pk, opener.pk]

    run(queue, opener.pk)  # another worker takes the nomination while the photo waits in the queue
    assert queue == [early.pk, early.pk]  # queued, and sent through again by the nomination
    run(queue, early.pk)
    run(queue, early.pk)  # reading it again changes nothing
    assert list(FollowUpMessage.objects.values_list("nomination__inbound_id", "inbound_id")) == [(opener.pk, early.pk)]
    assert (ReaderTip.objects.count(), InboundMessage.objects.get(pk=early.pk).status) == (0, "processed")


def test_the_second_run_of_a_photo_still_queued_when_its_nomination_was_processed_writes_nothing(queue, account, post_xml):
    post_xml(account, photo())
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="2002"))
    early, opener = InboundMessage.objects.get(external_id="2001"), InboundMessage.objects.get(external_id="2002")
    run(queue, opener.pk)
    run(queue, early.pk)
    assert queue == [early.pk]
    audit_rows, processed = ActivityLog.objects.count(), InboundMessage.objects.get(pk=early.pk)

    run(queue, early.pk)

    assert ActivityLog.objects.count() == audit_rows
    again = InboundMessage.objects.get(pk=early.pk)
    assert (again.status, again.error, again.attempts, again.processed_at) == ("processed", "", 1, processed.processed_at)
    assert list(ActivityLog.objects.filter(subject_type="intake.inboundmessage", subject_id=str(early.pk)).order_by("pk")
                .values_list("action", "old_value", "new_value")) == [
        # The account has no AppSecret: the photo's media task records it as missing at receipt.
        ("inbound.file_refused", None, {"name": "wechat-media_id", "reason": "not_configured", "size": None}),
        ("inbound.processed", {"status": "pending", "error": "", "waiting_for": None},
         {"status": "processed", "error": "", "waiting_for": None}),
    ]


def test_a_photo_read_before_the_nomination_is_processed_waits_for_it(queue, account, post_xml):
    post_xml(account, photo())
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="2002"))
    early, opener = InboundMessage.objects.get(external_id="2001"), InboundMessage.objects.get(external_id="2002")
    # Both stored: the photo is read now, and finds the nomination that came after it, not processed yet.
    run(queue, early.pk)
    early.refresh_from_db()
    assert (early.status, early.waiting_for_id, ReaderTip.objects.count()) == ("pending", opener.pk, 0)
    run(queue, opener.pk)
    assert queue == [early.pk]
    run(queue, early.pk)
    assert list(FollowUpMessage.objects.values_list("nomination__inbound_id", "inbound_id")) == [(opener.pk, early.pk)]
