"""With a task queue, a follow-up (a photo, a voice message) can be processed before the keyword message that opens
its nomination. It then waits, pending, for that message, and is processed again as soon as that one is.

The queue here is a list the test runs in the order it chooses (conftest: `queue`, `run`); each entry runs the real task.
"""
import pytest
from django.core.management import call_command

from tests.intake.wechat.conftest import run
from tests.intake.wechat.payloads import documented
from xuanshu.core.models import ActivityLog
from xuanshu.intake import services
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.intake.services import process_inbound
from xuanshu.nominations.models import FollowUpMessage, Nomination

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oWECHATorderSender000000001"
NOMINATION_TEXT = "推荐出彩聊城人 茌平区的刘大姐，十几年照顾村里的五保老人"


def receive_opener_then(post_xml, account, *follow_ups: str) -> tuple[InboundMessage, list[InboundMessage]]:
    post_xml(account, documented("text", Content=NOMINATION_TEXT, MsgId="1001", FromUserName=OPENID))
    for n, kind in enumerate(follow_ups, start=2):
        post_xml(account, documented(kind, MsgId=f"100{n}", FromUserName=OPENID))
    opener = InboundMessage.objects.get(external_id="1001")
    return opener, [InboundMessage.objects.get(external_id=f"100{n}") for n in range(2, 2 + len(follow_ups))]


def test_a_photo_processed_before_its_opener_waits_and_then_attaches(queue, account, post_xml):
    opener, [photo] = receive_opener_then(post_xml, account, "image")
    assert queue == [opener.pk, photo.pk]

    run(queue, photo.pk)  # the worker takes the photo first
    photo.refresh_from_db()
    assert (photo.status, photo.waiting_for_id, photo.error) == ("pending", opener.pk, "nomination CCLC2024-000001 is not created yet")
    assert (FollowUpMessage.objects.count(), ReaderTip.objects.count(), queue) == (0, 0, [opener.pk])

    run(queue, opener.pk)
    assert queue == [photo.pk]  # processing the opener resumed the photo
    run(queue, photo.pk)
    photo.refresh_from_db()
    assert (photo.status, photo.waiting_for_id, photo.error, photo.attempts) == ("processed", None, "", 2)
    assert list(FollowUpMessage.objects.values_list("nomination__reference", "inbound_id")) == [("CCLC2024-000001", photo.pk)]
    assert (ReaderTip.objects.count(), queue) == (0, [])
    assert list(ActivityLog.objects.filter(subject_id=str(photo.pk), action__startswith="inbound.").order_by("pk")
                .values_list("action", "new_value")) == [
        # The account has no AppSecret: the photo's media task records it as missing, before any processing.
        ("inbound.file_refused", {"name": "wechat-media_id", "reason": "not_configured", "size": None}),
        ("inbound.wait", {"status": "pending", "error": "nomination CCLC2024-000001 is not created yet", "waiting_for": opener.pk}),
        ("inbound.processed", {"status": "processed", "error": "", "waiting_for": None}),
    ]


def test_every_follow_up_that_overtook_the_opener_is_resumed(queue, account, post_xml):
    opener, follow_ups = receive_opener_then(post_xml, account, "voice_recognition", "image", "video")
    for follow_up in follow_ups:
        run(queue, follow_up.pk)
    assert list(InboundMessage.objects.filter(waiting_for=opener).order_by("pk").values_list("pk", flat=True)) == [f.pk for f in follow_ups]
    run(queue, opener.pk)
    assert sorted(queue) == [f.pk for f in follow_ups]
    while queue:
        run(queue, queue[0])
    assert list(FollowUpMessage.objects.order_by("inbound_id").values_list("inbound_id", "text")) == [
        (follow_ups[0].pk, "腾讯微信团队"), (follow_ups[1].pk, ""), (follow_ups[2].pk, ""),
    ]
    assert set(InboundMessage.objects.values_list("status", flat=True)) == {"processed"}


def test_an_opener_that_finishes_while_the_follow_up_decides_to_wait_is_not_waited_for(queue, account, post_xml, monkeypatch):
    opener, [photo] = receive_opener_then(post_xml, account, "image")
    decide = services._wait_for

    def opener_finishes_in_between(**kwargs):
        process_inbound(inbound_id=kwargs["other_id"])  # another worker, between the reading and the decision
        return decide(**kwargs)

    monkeypatch.setattr(services, "_wait_for", opener_finishes_in_between)
    run(queue, photo.pk)
    photo.refresh_from_db()
    assert (photo.status, photo.waiting_for_id, FollowUpMessage.objects.get().inbound_id) == ("processed", None, photo.pk)
    assert queue == [opener.pk]  # still queued; processing it again changes nothing
    run(queue, opener.pk)
    assert (Nomination.objects.count(), FollowUpMessage.objects.count()) == (1, 1)


def test_reprocessing_a_waiting_follow_up_by_hand_says_it_waits(queue, account, post_xml, capsys):
    opener, [photo] = receive_opener_then(post_xml, account, "image")
    call_command("inbound", "reprocess", str(photo.pk))
    assert capsys.readouterr().out == "reprocessed 1: 0 processed, 0 failed, 1 waiting\n"
    assert InboundMessage.objects.get(pk=photo.pk).waiting_for_id == opener.pk
