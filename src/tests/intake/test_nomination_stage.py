"""The nomination stage rule, applied once for every channel: a nomination received before the stage opens or after it
closes is kept as a reader tip, and the sender learns why. Here: the rule itself, the partner API and the hotline.
WeChat and e-mail have theirs in their own folders (wechat/test_nomination_stage.py, email/test_nomination_stage.py)."""
import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.api.conftest import fixture_bytes, post_json
from tests.intake.stages import HOUR, close_nominations, move_nomination_stage, open_nominations_later
from xuanshu.api.services import add_partner
from xuanshu.campaigns.models import Stage
from xuanshu.core.models import ActivityLog
from xuanshu.intake.enums import Channel, NominationWindow
from xuanshu.intake.interpretation import nomination_window
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.intake.notices import held_nomination_notice, hotline_stage_warning
from xuanshu.intake.services import process_inbound, receive_inbound
from xuanshu.nominations.models import Nomination

pytestmark = pytest.mark.django_db(transaction=True)

OPENS = dt.datetime(2024, 12, 9, 16, 0, tzinfo=dt.UTC)  # 2024-12-10 00:00 in Liaocheng
CLOSES = dt.datetime(2025, 1, 9, 16, 0, tzinfo=dt.UTC)  # 2025-01-10 00:00 in Liaocheng


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


# --- the rule ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("at", "expected"), [
    (OPENS - dt.timedelta(seconds=1), NominationWindow.NOT_YET_OPEN),
    (OPENS, NominationWindow.OPEN),
    (CLOSES - dt.timedelta(seconds=1), NominationWindow.OPEN),
    (CLOSES, NominationWindow.CLOSED),  # the stage's end is exclusive, as Campaign.stage_open has it
])
def test_the_window_is_decided_on_the_receipt_time(campaign, at, expected):
    move_nomination_stage(campaign, starts_at=OPENS, ends_at=CLOSES)
    assert nomination_window(campaign, at) == expected


def test_a_campaign_without_a_nomination_stage_has_not_opened_nominations(campaign):
    Stage.objects.filter(campaign=campaign, kind="nomination").delete()
    assert nomination_window(campaign, timezone.now()) == NominationWindow.NOT_YET_OPEN


def test_the_notices_name_the_stage_boundary(campaign):
    move_nomination_stage(campaign, starts_at=OPENS, ends_at=CLOSES)
    assert held_nomination_notice(campaign, "closed") == (
        "Nominations for 出彩聊城人 closed on Jan. 10, 2025, midnight, so your message was not registered as a nomination. "
        "We have kept it, and our editors will read it."
    )
    assert held_nomination_notice(campaign, "not_yet_open") == (
        "Nominations for 出彩聊城人 open on Dec. 10, 2024, midnight, so your message was not registered as a nomination. "
        "We have kept it, and our editors will read it. Please send your nomination again once nominations are open."
    )


def test_a_held_nomination_is_audited_with_its_reason(campaign):
    close_nominations(campaign)
    receipt = receive_inbound(
        channel=Channel.HOTLINE, external_id="call-closed", campaign=campaign, sender="+866358451234",
        payload={"kind": "nomination", "notes": "十年义务接送邻村孩子上学", "call_time": timezone.now().isoformat(),
                 "fields": {"nominee_name": "皇甫建军", "nominee_kind": "individual"}},
        enqueue_processing=False,
    )
    assert receipt.reference is None  # no reference outside the stage: there is no nomination to look up
    process_inbound(inbound_id=receipt.inbound.pk)
    tip = ReaderTip.objects.get()
    assert (tip.text, tip.held_because, Nomination.objects.count()) == ("皇甫建军\n十年义务接送邻村孩子上学", "closed", 0)
    assert list(ActivityLog.objects.filter(action="tip.create").values_list("subject_id", "new_value")) == [
        (str(tip.pk), {"held_because": "closed"}),
    ]


# --- partner API -----------------------------------------------------------------------------------------------

@pytest.fixture
def partner(campaign):
    return add_partner(name="qilu-yidian", campaign=campaign)


@pytest.mark.parametrize(("move_stage", "held"), [(close_nominations, "closed"), (open_nominations_later, "not_yet_open")])
def test_an_api_nomination_outside_the_stage_is_kept_and_the_answer_says_so(client, partner, campaign, move_stage, held):
    move_stage(campaign)
    body = fixture_bytes("nomination_tip.json")
    response = post_json(client, partner, body, headers={"Idempotency-Key": "stage-1"})
    inbound = InboundMessage.objects.get()
    expected = {
        "inbound_id": inbound.pk, "is_nomination": False, "reference": None, "status_path": None,
        "held_because": held, "notice": held_nomination_notice(campaign, held), "status_url": None, "status_link_path": None,
    }
    assert (response.status_code, response.json()) == (201, expected)
    assert list(ReaderTip.objects.values_list("inbound_id", "channel", "text", "held_because")) == [
        (inbound.pk, "api", json.loads(body)["content"], held),
    ]
    assert Nomination.objects.count() == 0
    retry = post_json(client, partner, body, headers={"Idempotency-Key": "stage-1"})
    assert (retry.status_code, retry.json(), ReaderTip.objects.count()) == (200, expected, 1)


def test_the_api_notice_follows_the_request_language(client, partner, campaign):
    close_nominations(campaign)
    response = post_json(client, partner, fixture_bytes("nomination_tip.json"), headers={"Accept-Language": "zh-hans"})
    with translation.override("zh-hans"):
        assert response.json()["notice"] == held_nomination_notice(campaign, "closed")


def test_an_api_tip_without_the_keyword_is_a_plain_tip_whatever_the_stage(client, partner, campaign):
    close_nominations(campaign)
    response = post_json(client, partner, fixture_bytes("reader_tip.json"))
    assert (response.json()["held_because"], response.json()["notice"]) == (None, None)
    assert list(ReaderTip.objects.values_list("held_because", flat=True)) == [""]


# --- hotline ---------------------------------------------------------------------------------------------------

def call_post(call_time: dt.datetime, kind: str = "nomination") -> dict:
    return {
        "submission_token": f"call-{kind}-{call_time:%H%M}", "campaign_slug": "chucai-liaocheng-2024",
        "call_time": timezone.localtime(call_time).strftime("%Y-%m-%dT%H:%M"),
        "caller_phone": "0635-8451234", "caller_name": "赵大姐", "kind": kind,
        "nominee_name": "皇甫建军", "nominee_kind": "individual", "category": "good-conduct", "area": "linqing",
        "place_detail": "青年路街道", "notes": "来电人说皇甫建军师傅十年来每天义务接送邻村孩子上学，风雨无阻。", "oral_consent": "on",
    }


def test_the_hotline_form_warns_the_operator_outside_the_stage(client, editor, campaign):
    client.force_login(editor)
    assert 'id="stage-warning"' not in client.get(reverse("console:hotline")).content.decode()
    close_nominations(campaign)
    page = client.get(reverse("console:hotline")).content.decode()
    assert f'<p class="error banner" id="stage-warning" role="alert">{hotline_stage_warning(campaign, "closed")}</p>' in page
    open_nominations_later(campaign)
    page = client.get(reverse("console:hotline")).content.decode()
    assert hotline_stage_warning(campaign, "not_yet_open") in page
    assert hotline_stage_warning(campaign, "closed") not in page


def test_a_call_logged_as_a_nomination_after_the_close_becomes_a_held_tip(client, editor, campaign):
    client.force_login(editor)
    close_nominations(campaign)
    response = client.post(reverse("console:hotline"), call_post(timezone.now()), follow=True)
    assert response.redirect_chain == [(reverse("console:tips"), 302)]
    assert ("Nominations were closed at the time of the call: it was logged as a reader tip, not as a nomination."
            in response.content.decode())
    inbound = InboundMessage.objects.get()
    assert (inbound.channel, inbound.reference, Nomination.objects.count()) == ("hotline", None, 0)
    tip = ReaderTip.objects.get()
    assert (tip.inbound_id, tip.held_because, tip.text) == (
        inbound.pk, "closed", "皇甫建军\n来电人说皇甫建军师傅十年来每天义务接送邻村孩子上学，风雨无阻。",
    )
    page = client.get(reverse("console:tip", args=[tip.pk])).content.decode()
    assert ("This message nominated someone, but it arrived outside the nomination period (Nominations were closed), "
            "so it was kept as a tip.") in page


def test_a_call_taken_before_the_close_and_logged_after_it_is_a_nomination(client, editor, campaign):
    client.force_login(editor)
    close_nominations(campaign, closed_at=timezone.now() - HOUR)
    response = client.post(reverse("console:hotline"), call_post(timezone.now() - 2 * HOUR))
    nomination = Nomination.objects.get()
    assert (response.status_code, response["Location"], ReaderTip.objects.count()) == (
        302, reverse("console:hotline_logged", args=[nomination.reference]), 0,
    )
    assert nomination.received_at < Stage.objects.get(campaign=campaign, kind="nomination").ends_at
