"""Raw inbound messages: failures stay visible with their error, and editors can process a message again."""
import pytest
from django.urls import reverse

from tests.intake.email import mails
from xuanshu.console.activity import ValueItem
from xuanshu.core.models import ContactAccessLog
from xuanshu.intake.channels.email.services import receive_email
from xuanshu.intake.enums import InboundStatus
from xuanshu.intake.services import receive_inbound, set_inbound_status
from xuanshu.nominations.models import Nomination

INBOUND_LIST = reverse("console:inbound_list")

WEBFORM_FIELDS = {
    "nominee_name": "孙红梅", "nominee_kind": "individual", "category": "good-conduct", "area": "linqing",
    "place_detail": "新华路街道", "deeds": "孙红梅开办爱心粥屋十年，每天清晨为环卫工人免费送上热粥，从未间断。",
    "nominator_name": "周强", "nominator_phone": "13912345678", "nominator_email": "", "consent": "on",
}


@pytest.fixture
def failed(campaign):
    """A web form post whose processing failed once (the worker crashed); its raw record is intact."""
    receipt = receive_inbound(
        channel="webform", external_id="form-token-1", campaign=campaign, sender="10.0.0.1",
        payload={"fields": WEBFORM_FIELDS}, enqueue_processing=False,
    )
    return set_inbound_status(inbound=receipt.inbound, status=InboundStatus.FAILED, error="OperationalError: database is locked")


@pytest.fixture
def broken(campaign):
    """A stored message no interpreter can read: processing it fails every time."""
    receipt = receive_inbound(
        channel="webform", external_id="form-token-2", campaign=campaign, payload={"unexpected": True}, enqueue_processing=False,
    )
    return set_inbound_status(inbound=receipt.inbound, status=InboundStatus.FAILED, error="KeyError: 'fields'")


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [inbound.pk for inbound in response.context["page"].object_list]


def test_list_filters_by_status_and_channel(viewer_client, failed, broken, nominate):
    processed = nominate().inbound_id
    assert listed(viewer_client.get(INBOUND_LIST)) == [processed, broken.pk, failed.pk]
    assert listed(viewer_client.get(INBOUND_LIST, {"status": "failed"})) == [broken.pk, failed.pk]
    assert listed(viewer_client.get(INBOUND_LIST, {"status": "processed"})) == [processed]
    assert listed(viewer_client.get(INBOUND_LIST, {"status": "pending"})) == []
    assert listed(viewer_client.get(INBOUND_LIST, {"channel": "wechat"})) == []


def test_failed_message_is_listed_with_its_error(viewer_client, failed):
    html = viewer_client.get(INBOUND_LIST, {"status": "failed"}).content.decode()
    assert "OperationalError: database is locked" in html
    assert '<span class="badge inbound-failed">Failed</span>' in html


def test_detail_shows_the_raw_record_masked_and_its_error(viewer_client, failed):
    html = viewer_client.get(reverse("console:inbound", args=[failed.pk])).content.decode()
    assert "OperationalError: database is locked" in html
    assert "&quot;deeds&quot;: &quot;孙红梅开办爱心粥屋十年" in html
    assert ("139****5678" in html, "13912345678" in html) == (True, False)
    assert reverse("console:inbound_reprocess", args=[failed.pk]) not in html


def test_editor_reveals_the_raw_record_and_the_access_is_logged(editor_client, editor, failed):
    response = editor_client.post(reverse("console:inbound_contact", args=[failed.pk]))
    assert "&quot;nominator_phone&quot;: &quot;13912345678&quot;" in response.content.decode()
    assert list(ContactAccessLog.objects.values_list("user", "subject_type", "subject_id", "purpose")) == [
        (editor.pk, "intake.inboundmessage", str(failed.pk), "detail"),
    ]


def test_viewer_cannot_reprocess_or_reveal(viewer_client, failed):
    assert viewer_client.post(reverse("console:inbound_reprocess", args=[failed.pk])).status_code == 403
    assert viewer_client.post(reverse("console:inbound_contact", args=[failed.pk])).status_code == 403
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, Nomination.objects.count()) == ("failed", 1, 0)


def test_reprocess_turns_a_failed_message_into_its_nomination(editor_client, failed):
    response = editor_client.post(reverse("console:inbound_reprocess", args=[failed.pk]))
    assert (response.status_code, response["Location"]) == (302, reverse("console:inbound", args=[failed.pk]))
    failed.refresh_from_db()
    nomination = Nomination.objects.get()
    assert (failed.status, failed.error, failed.attempts) == ("processed", "", 2)
    assert (nomination.inbound_id, nomination.reference, nomination.nominee_name, nomination.nominator_phone) == (
        failed.pk, failed.reference, "孙红梅", "+8613912345678",
    )
    html = editor_client.get(response["Location"]).content.decode()
    assert "The message was processed." in html
    assert f'href="/console/nominations/{nomination.reference}/"' in html


def test_reprocess_that_fails_again_keeps_the_message_and_shows_why(editor_client, broken):
    response = editor_client.post(reverse("console:inbound_reprocess", args=[broken.pk]), follow=True)
    broken.refresh_from_db()
    assert (broken.status, broken.error, broken.attempts) == ("failed", "KeyError: 'fields'", 2)
    # The notice says what happened in the editors' words; the technical error is in the message's panel.
    assert [str(message) for message in response.context["messages"]] == [
        "Processing failed again. Why is shown below, under “Error”."]
    assert "Processing failed. Technical details for the administrator: KeyError: &#x27;fields&#x27;" in (
        response.content.decode())


def test_a_failure_that_names_a_phone_number_is_shown_masked(editor_client, broken, monkeypatch):
    """The stored error is the pipeline's own text and may quote the sender's input: the notice never repeats it,
    and the panel and the history mask it as they mask the raw message."""
    import xuanshu.intake.channels as channels

    def unreadable(inbound):
        raise ValueError("cannot read the phone 13912345678")

    monkeypatch.setattr(channels, "interpreter_for", lambda channel: unreadable)
    response = editor_client.post(reverse("console:inbound_reprocess", args=[broken.pk]), follow=True)
    broken.refresh_from_db()
    html = response.content.decode()
    history = [(entry.action_label, entry.after) for entry in response.context["activity"]][0]
    assert (broken.error, "13912345678" in html, history) == (
        "ValueError: cannot read the phone 13912345678", False,
        ("Processing: Failed", [ValueItem("Status", "Failed"), ValueItem("Error", "ValueError: cannot read the phone 139****5678"),
                                ValueItem("Waiting for message", "(empty)")]),
    )
    assert "Technical details for the administrator: ValueError: cannot read the phone 139****5678" in html


def test_reprocess_needs_a_post(editor_client, failed):
    assert editor_client.get(reverse("console:inbound_reprocess", args=[failed.pk])).status_code == 405


def test_a_message_that_reuses_another_messages_message_id_says_so_in_its_history(viewer_client, campaign):
    first = receive_email(raw=mails.simple("reused"), campaign=campaign, enqueue_processing=False).inbound
    second = receive_email(raw=mails.simple("reused", body="李建国师傅义务修车十五年，分文不取。"), campaign=campaign,
                           enqueue_processing=False).inbound
    assert first.pk != second.pk

    def history(inbound):
        response = viewer_client.get(reverse("console:inbound", args=[inbound.pk]))
        assert response.status_code == 200
        return response, [(entry.actor, entry.action_label, entry.before, entry.after, entry.reason)
                          for entry in response.context["activity"]]

    response, entries = history(second)
    assert entries == [(
        "Channel: E-mail", "Same Message-ID as another, different e-mail: kept as a message of its own", [],
        [ValueItem("Message-ID", "<reused@mail.example.cn>"), ValueItem("Other messages with this Message-ID", f"#{first.pk}")],
        "",
    )]
    assert "Same Message-ID as another, different e-mail: kept as a message of its own" in response.content.decode()
    assert history(first)[1] == []  # the first message was stored before anything reused its Message-ID


def zh(client, path, **query):
    return client.get(path, query, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_why_a_message_failed_or_waits_is_said_in_chinese_before_the_technical_text(viewer_client, failed, campaign):
    """The stored error is the pipeline's own text, in English, for whoever fixes it; editors are told in Chinese what
    it means first."""
    undecryptable = receive_inbound(channel="wechat", external_id="undecryptable:ab12", campaign=campaign, sender="oOpenid1",
                                    raw_body=b"<xml><Encrypt>x</Encrypt></xml>", enqueue_processing=False).inbound
    set_inbound_status(inbound=undecryptable, status=InboundStatus.FAILED,
                       error="cannot decrypt: no configured EncodingAESKey decrypts the message")
    still = receive_inbound(channel="wechat", external_id="undecryptable:cd34", campaign=campaign, sender="oOpenid3",
                            raw_body=b"<xml><Encrypt>y</Encrypt></xml>", enqueue_processing=False).inbound
    set_inbound_status(inbound=still, status=InboundStatus.FAILED,  # processed again, the key still missing
                       error="Undecryptable: no configured EncodingAESKey decrypts the stored message")
    opener = receive_inbound(channel="wechat", external_id="2001", campaign=campaign, sender="oOpenid2", raw_body=b"<xml/>",
                             enqueue_processing=False).inbound
    photo = receive_inbound(channel="wechat", external_id="2002", campaign=campaign, sender="oOpenid2", raw_body=b"<xml/>",
                            enqueue_processing=False).inbound
    set_inbound_status(inbound=photo, status=InboundStatus.PENDING, waiting_for=opener,
                       error=f"the message that opens its nomination (inbound {opener.pk}) is not processed yet")
    listing = zh(viewer_client, INBOUND_LIST)
    assert "处理失败，以下技术信息供管理员排查：OperationalError: database is locked" in listing
    assert ("无法解密：公众号的消息加解密密钥（EncodingAESKey）未设置或不正确。设置正确的密钥后重新处理即可。"
            "以下技术信息供管理员排查：cannot decrypt: no configured EncodingAESKey decrypts the message") in listing
    assert ("设置正确的密钥后重新处理即可。以下技术信息供管理员排查：Undecryptable: no configured EncodingAESKey decrypts the "
            "stored message") in listing
    assert f"等待来稿 #{opener.pk} 先处理完成，之后会自动处理。" in listing
    assert "is not processed yet" not in listing
    detail = zh(viewer_client, reverse("console:inbound", args=[failed.pk]))
    assert "处理失败，以下技术信息供管理员排查：" in detail and "OperationalError: database is locked" in detail
    waiting = zh(viewer_client, reverse("console:inbound", args=[photo.pk]))
    assert (f"等待来稿 #{opener.pk} 先处理完成，之后会自动处理。" in waiting, "is not processed yet" in waiting) == (True, False)
    set_inbound_status(inbound=photo, status=InboundStatus.PROCESSED)
    history = zh(viewer_client, reverse("console:inbound", args=[photo.pk]))
    assert (f"等待的消息：#{opener.pk}" in history, "is not processed yet" in history) == (True, False)
