"""The intake desk: operators log hotline calls; editors work the reader-tip inbox."""
import pytest
from django.urls import reverse
from django.utils import timezone

from xuanshu.core.models import ActivityLog
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.intake.services import process_inbound, receive_inbound
from xuanshu.nominations.models import Nomination


def call_post(**overrides):
    data = {
        "submission_token": "call0001",
        "campaign_slug": "chucai-liaocheng-2024",
        "call_time": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "caller_phone": "0635-8451234",
        "caller_name": "赵大姐",
        "kind": "nomination",
        "nominee_name": "皇甫建军",
        "nominee_kind": "individual",
        "category": "good-conduct",
        "area": "linqing",
        "place_detail": "青年路街道",
        "notes": "来电人说皇甫建军师傅十年来每天义务接送邻村孩子上学，风雨无阻，从未收过一分钱。",
        "oral_consent": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def post_call(editor_client, django_capture_on_commit_callbacks):
    """POST the hotline form and run what it schedules after commit (processing), as a real request would."""

    def post(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return editor_client.post(reverse("console:hotline"), call_post(**overrides))

    return post


def test_a_logged_call_becomes_a_hotline_nomination_with_its_raw_record(post_call, campaign, editor):
    response = post_call()
    nomination = Nomination.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("console:hotline_logged", args=[nomination.reference])
    inbound = nomination.inbound
    assert (inbound.channel, inbound.sender, inbound.external_id, inbound.status) == ("hotline", "+866358451234", "call0001", "processed")
    assert inbound.payload["operator"] == editor.username and inbound.payload["caller_phone"] == "0635-8451234"
    assert (nomination.nominee_name, nomination.area.code, nomination.nominator_name, nomination.nominator_phone, nomination.channel) == (
        "皇甫建军", "linqing", "赵大姐", "+866358451234", "hotline",
    )
    assert nomination.consent_at == inbound.received_at


def test_the_same_call_submitted_twice_is_logged_once(post_call, campaign):
    post_call()
    post_call()
    assert (InboundMessage.objects.count(), Nomination.objects.count()) == (1, 1)


def test_a_call_that_is_not_a_nomination_is_kept_as_a_tip(post_call, campaign):
    response = post_call(kind="tip", nominee_name="", oral_consent="", notes="反映小区路灯坏了")
    assert response.status_code == 302
    tip = ReaderTip.objects.get()
    assert (tip.channel, tip.text, tip.state, Nomination.objects.count()) == ("hotline", "反映小区路灯坏了", "open", 0)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"caller_phone": "12345"}, "caller_phone"),
    ({"nominee_name": ""}, "nominee_name"),
    ({"oral_consent": ""}, "oral_consent"),
    ({"notes": ""}, "notes"),
    ({"call_time": "2099-01-01T10:00"}, "call_time"),
])
def test_bad_calls_are_refused_with_the_field_named_and_nothing_stored(editor_client, campaign, overrides, field):
    response = editor_client.post(reverse("console:hotline"), call_post(**overrides))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert InboundMessage.objects.count() == 0


def test_viewers_cannot_log_calls(viewer_client, campaign):
    assert viewer_client.get(reverse("console:hotline")).status_code == 403
    assert viewer_client.post(reverse("console:hotline"), call_post()).status_code == 403
    assert InboundMessage.objects.count() == 0


@pytest.fixture
def tip(campaign):
    receipt = receive_inbound(channel=Channel.HOTLINE, external_id="tip-1", campaign=campaign, sender="+8613812345678",
                              payload={"kind": "tip", "notes": "听说东阿县有位储大爷，天天给环卫工送热水，电话13812345678"},
                              wants_reference=False, enqueue_processing=False)
    process_inbound(inbound_id=receipt.inbound.pk)
    return ReaderTip.objects.get()


def test_tips_inbox_lists_open_tips_with_contacts_masked(editor_client, tip):
    html = editor_client.get(reverse("console:tips")).content.decode()
    assert "天天给环卫工送热水" in html
    assert "138****5678" in html and "13812345678" not in html


def test_an_editor_converts_a_tip_into_a_nomination(editor_client, tip, editor):
    response = editor_client.post(reverse("console:tip_convert", args=[tip.pk]), {
        "nominee_name": "储大爷", "nominee_kind": "individual", "deeds": "天天给环卫工送热水，坚持五年。",
    })
    nomination = Nomination.objects.get()
    assert response["Location"] == reverse("console:nomination", args=[nomination.reference])
    tip.refresh_from_db()
    assert (tip.state, tip.nomination, nomination.inbound_id, nomination.nominator_phone) == (
        "converted", nomination, tip.inbound_id, "+8613812345678",
    )
    assert nomination.reference == "CCLC2024-000001"
    assert list(ActivityLog.objects.filter(subject_type="intake.readertip").values_list("action", "actor")) == [
        ("tip.converted", editor.pk), ("tip.create", None),
    ]
    # A converted tip cannot be converted again.
    again = editor_client.post(reverse("console:tip_convert", args=[tip.pk]), {"nominee_name": "x", "nominee_kind": "individual", "deeds": "y"})
    assert again.status_code in (302, 400) and Nomination.objects.count() == 1


def test_a_category_or_county_not_read_from_the_tip_reads_as_not_given(editor_client, tip):
    form = editor_client.get(reverse("console:tip", args=[tip.pk])).context["convert_form"]
    assert (str(form.fields["category"].empty_label), str(form.fields["area"].empty_label)) == ("Not given", "Not given")


def test_archive_needs_a_reason_and_can_be_reopened(editor_client, tip):
    refused = editor_client.post(reverse("console:tip_archive", args=[tip.pk]), {"reason": ""})
    assert refused.status_code == 400
    editor_client.post(reverse("console:tip_archive", args=[tip.pk]), {"reason": "与推选无关，已转交新闻部"})
    tip.refresh_from_db()
    assert tip.state == "archived"
    editor_client.post(reverse("console:tip_archive", args=[tip.pk]), {"action": "reopen"})
    tip.refresh_from_db()
    assert tip.state == "open"


def test_viewers_can_read_tips_but_not_act(viewer_client, tip):
    assert viewer_client.get(reverse("console:tip", args=[tip.pk])).status_code == 200
    assert viewer_client.post(reverse("console:tip_archive", args=[tip.pk]), {"reason": "x"}).status_code == 403
    tip.refresh_from_db()
    assert tip.state == "open"


def _api_tip(campaign):
    body = '{"tip_id": "t-9", "content": "听说东阿县有位储大爷，天天给环卫工送热水", "contact": {"name": "李明", "phone": "13812341234"}}'
    return receive_inbound(channel=Channel.API, external_id="pk_test/tip/t-9", campaign=campaign, sender="qlyd",
                           raw_body=body.encode(), wants_reference=False, enqueue_processing=False)


def _email_tip(campaign):
    raw = ("From: =?utf-8?B?5byg5qGC6Iqz?= <zhanggf@163.com>\r\nTo: qlwblc@163.com\r\nSubject: =?utf-8?B?5aW95Lq6?=\r\n"
           "Message-ID: <tip-9@163.com>\r\nDate: Mon, 04 Mar 2024 09:15:00 +0800\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n" "听说东阿县有位储大爷，天天给环卫工送热水\r\n")
    return receive_inbound(channel=Channel.EMAIL, external_id="<tip-9@163.com>", campaign=campaign, sender="zhanggf@163.com",
                           raw_body=raw.encode(), wants_reference=False, enqueue_processing=False)


def _hotline_tip(campaign):
    return receive_inbound(channel=Channel.HOTLINE, external_id="tip-9", campaign=campaign, sender="+866358451234",
                           payload={"kind": "tip", "caller_phone": "0635-8451234", "caller_name": "赵大姐",
                                    "notes": "听说东阿县有位储大爷，天天给环卫工送热水"},
                           wants_reference=False, enqueue_processing=False)


def _held_webform_nomination(campaign):
    """A form nomination posted after the nomination stage closed: kept as a tip."""
    campaign.stages.filter(kind="nomination").update(ends_at=timezone.now() - timezone.timedelta(minutes=1))
    fields = {"nominee_name": "储大爷", "nominee_kind": "individual", "category": "", "area": "", "place_detail": "",
              "deeds": "听说东阿县有位储大爷，天天给环卫工送热水", "nominator_name": "王芳", "nominator_phone": "13912345678",
              "nominator_email": "wangfang@qq.com", "consent": "on"}
    return receive_inbound(channel=Channel.WEBFORM, external_id="form-9", campaign=campaign, sender="127.0.0.1",
                           payload={"fields": fields, "photos": []}, wants_reference=False, enqueue_processing=False)


@pytest.mark.parametrize(("received", "contacts"), [
    (_held_webform_nomination, ("王芳", "+8613912345678", "wangfang@qq.com")),
    (_api_tip, ("李明", "+8613812341234", "")),
    (_email_tip, ("张桂芳", "", "zhanggf@163.com")),
    (_hotline_tip, ("赵大姐", "+866358451234", "")),
])
def test_a_converted_tip_keeps_the_contact_its_channel_gave(editor_client, campaign, received, contacts):
    """The app's contact, the mail's sender and the hotline caller are how the newsroom reaches the nominator: a tip
    turned into a nomination keeps them, although its text names no phone or address."""
    process_inbound(inbound_id=received(campaign).inbound.pk)
    tip = ReaderTip.objects.get()
    form = editor_client.get(reverse("console:tip", args=[tip.pk])).context["convert_form"]
    editor_client.post(reverse("console:tip_convert", args=[tip.pk]), {
        "nominee_name": "储大爷", "nominee_kind": "individual", "deeds": form["deeds"].value(),
        "nominator_name": form["nominator_name"].value(),
    })
    nomination = Nomination.objects.get()
    assert (nomination.nominator_name, nomination.nominator_phone, nomination.nominator_email) == contacts


def _held_webform_nomination_without_consent(campaign):
    """A form nomination held as a tip whose stored post has no ticked consent box (the form requires it; a raw record
    from before it did, or a post built by hand, may lack it)."""
    inbound = _held_webform_nomination(campaign).inbound
    fields = {**inbound.payload["fields"], "consent": ""}
    return receive_inbound(channel=Channel.WEBFORM, external_id="form-10", campaign=campaign, sender="127.0.0.1",
                           payload={"fields": fields, "photos": []}, wants_reference=False, enqueue_processing=False)


@pytest.mark.parametrize(("received", "consented"), [
    (_held_webform_nomination, True),
    (_held_webform_nomination_without_consent, False),
    (_api_tip, False),
    (_email_tip, False),
    (_hotline_tip, False),
])
def test_a_converted_web_form_tip_keeps_the_consent_of_its_stored_post(editor_client, campaign, received, consented):
    """The consent the citizen ticked on the form is read from the stored post, whatever the editor sends; other channels'
    tips carry no consent, as before."""
    inbound = received(campaign).inbound
    process_inbound(inbound_id=inbound.pk)
    tip = ReaderTip.objects.get(inbound=inbound)
    response = editor_client.post(reverse("console:tip_convert", args=[tip.pk]), {
        "nominee_name": "储大爷", "nominee_kind": "individual", "deeds": "天天给环卫工送热水，坚持五年。",
        "consent": "on", "consent_at": "2020-01-01T00:00:00Z",
    })
    assert response.status_code == 302
    nomination = Nomination.objects.get(inbound=inbound)
    assert nomination.consent_at == (inbound.received_at if consented else None)
