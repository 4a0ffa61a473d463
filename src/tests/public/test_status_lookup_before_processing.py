"""The status lookup right after sending, before the task worker has read the message into its nomination: with the
digits of the phone the raw record holds, it says the nomination was received (as the status link does) and the try
is not counted; wrong digits and unknown references count as before. Where the raw record holds no phone to check
(WeChat), it says only that the nomination is being processed, and counts nothing."""
import json
from pathlib import Path

import pytest
from django.urls import reverse

from tests.public.test_nomination_form import nominate_url, valid_post
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import receive_inbound
from xuanshu.nominations.models import Nomination
from xuanshu.public import status_lookup as limits
from xuanshu.public.status_lookup import phone_in_raw_record

pytestmark = pytest.mark.django_db  # in the test's transaction: nothing scheduled after commit runs, as with a busy worker

CHANNELS = Path(__file__).resolve().parents[2] / "xuanshu" / "intake" / "channels"
RECEIVED = "状态：已收到，等待审核"
NOT_FOUND = "没有找到与该编号和电话匹配的推荐。"
TOO_MANY_WRONG = "这个推荐编号在您这里输错的次数过多，请1小时后再试。"
PROCESSING = "该推荐正在处理，请稍后再查。"


def lookup(client, campaign, reference, typed):
    return client.post(reverse("public:status", args=[campaign.slug]), {"reference": reference, "phone_last4": typed})


def shown(response):
    html = response.content.decode()
    result = response.context["result"]
    return (response.status_code, result and result["reference"], RECEIVED in html, response.context["error"],
            response.context["notice"])


@pytest.fixture
def just_sent(client, campaign):
    client.post(nominate_url(campaign), valid_post())  # phone 138 1234 5678
    inbound = InboundMessage.objects.get()
    assert (inbound.reference, Nomination.objects.count()) == ("CCLC2024-000001", 0)  # the worker has not run
    return inbound.reference


def test_right_digits_say_received_and_are_never_counted(client, campaign, just_sent):
    for typed in ["5678"] * (limits.FAILURES_PER_REFERENCE_AND_ADDRESS + 1) + ["138 1234 5678"]:
        response = lookup(client, campaign, just_sent, typed)
        assert shown(response) == (200, just_sent, True, "", "")
    html = response.content.decode()
    assert ("被推荐人：" in html, "田玉柱" in html, "王小红" in html) == (False, False, False)  # nothing else


def test_wrong_digits_find_nothing_and_count(client, campaign, just_sent):
    for _ in range(limits.FAILURES_PER_REFERENCE_AND_ADDRESS):
        assert shown(lookup(client, campaign, just_sent, "1234")) == (404, None, False, NOT_FOUND, "")
    assert shown(lookup(client, campaign, just_sent, "5678")) == (429, None, False, TOO_MANY_WRONG, "")


def test_a_reference_never_given_still_counts(client, campaign, just_sent):
    for _ in range(limits.FAILURES_PER_REFERENCE_AND_ADDRESS):
        assert shown(lookup(client, campaign, "CCLC2024-000002", "5678")) == (404, None, False, NOT_FOUND, "")
    assert shown(lookup(client, campaign, "CCLC2024-000002", "5678")) == (429, None, False, TOO_MANY_WRONG, "")


def test_another_campaigns_lookup_does_not_see_it(client, campaign, just_sent, other_campaign_for_lookup):
    response = lookup(client, other_campaign_for_lookup, just_sent, "5678")
    assert shown(response) == (404, None, False, NOT_FOUND, "")


def test_once_read_the_lookup_shows_the_nomination(client, campaign, just_sent):
    from xuanshu.intake.services import process_inbound

    process_inbound(inbound_id=InboundMessage.objects.get().pk)
    response = lookup(client, campaign, just_sent, "5678")
    assert (response.status_code, response.context["result"]["nominee_name"]) == (200, "田玉柱")


@pytest.fixture
def wechat_message(campaign):
    """A WeChat message stored raw with its reference (a recorded payload): its phone, if any, is in its free text."""
    xml = (CHANNELS / "wechat" / "fixtures" / "text.xml").read_bytes()
    return receive_inbound(channel=Channel.WECHAT, external_id="1234567890123456", campaign=campaign, sender="fromUser",
                           raw_body=xml, enqueue_processing=False).inbound


def test_without_a_phone_to_check_it_says_processing_and_counts_nothing(client, campaign, wechat_message):
    for typed in ["0000", "5678", "1111", "2222", "3333", "4444", "13912345678"]:
        response = lookup(client, campaign, wechat_message.reference, typed)
        assert shown(response) == (200, None, False, "", PROCESSING)
    assert "如果您收到过查询链接" in response.content.decode()  # the status link says received meanwhile


def api_tip(campaign, external_id="api-1", **changes) -> InboundMessage:
    document = json.loads((CHANNELS / "api" / "fixtures" / "nomination_tip.json").read_text(encoding="utf-8"))
    document.update(changes)
    return receive_inbound(channel=Channel.API, external_id=external_id, campaign=campaign, sender="qlyd",
                           raw_body=json.dumps(document, ensure_ascii=False).encode(), enqueue_processing=False).inbound


def test_a_partner_tip_is_checked_against_its_contact_phone(client, campaign):
    tip = api_tip(campaign)  # contact phone 13812341234
    assert shown(lookup(client, campaign, tip.reference, "1234")) == (200, tip.reference, True, "", "")
    assert shown(lookup(client, campaign, tip.reference, "5678")) == (404, None, False, NOT_FOUND, "")


def test_phone_in_raw_record_by_channel(campaign, just_sent):
    webform = InboundMessage.objects.get(reference=just_sent)
    hotline = receive_inbound(channel=Channel.HOTLINE, external_id="call-1", campaign=campaign, sender="",
                              payload={"caller_phone": "0635-8451234", "kind": "nomination"}, enqueue_processing=False).inbound
    silent_caller = receive_inbound(channel=Channel.HOTLINE, external_id="call-2", campaign=campaign, sender="",
                                    payload={"caller_phone": "", "kind": "nomination"}, enqueue_processing=False).inbound
    without_contact = api_tip(campaign, "api-2", contact={"name": "李明"})
    wechat = receive_inbound(channel=Channel.WECHAT, external_id="w1", campaign=campaign, sender="fromUser",
                             raw_body=b"<xml/>", enqueue_processing=False).inbound
    assert [phone_in_raw_record(inbound) for inbound in (webform, hotline, silent_caller, api_tip(campaign),
                                                          without_contact, wechat)] == [
        "+8613812345678", "+866358451234", "", "+8613812341234", None, None]


@pytest.fixture
def other_campaign_for_lookup(campaign):
    from xuanshu.campaigns.models import Campaign

    return Campaign.objects.create(slug="other-2025", name="另一个活动", year=2025, reference_prefix="OTHER2025")
