"""The raw record as a download: byte for byte as stored, only for staff who may see contacts unmasked, logged like a
reveal, and never served for a browser to render."""
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.intake.email.mails import simple
from xuanshu.core.models import ContactAccessLog
from xuanshu.intake.channels.email.services import receive_email
from xuanshu.intake.services import receive_inbound

# Bytes that are no valid UTF-8 and a script a browser would run if it rendered the download inline.
MAIL = simple("raw-download-1", sender="citizen13912345678@163.com").replace(
    b"MIME-Version: 1.0", b"MIME-Version: 1.0\r\nX-Note: <script>alert(1)</script> \xff\xfe")


@pytest.fixture
def mail(campaign):
    return receive_email(raw=MAIL, campaign=campaign, received_at=timezone.now()).inbound


def download(client, inbound):
    return client.post(reverse("console:inbound_raw_download", args=[inbound.pk]))


def test_an_email_downloads_as_eml_byte_for_byte_and_the_access_is_logged(editor_client, editor, mail):
    response = download(editor_client, mail)
    assert response.status_code == 200
    assert response.content == MAIL
    assert (response["Content-Type"], response["Content-Disposition"], response["X-Content-Type-Options"]) == (
        "message/rfc822", f'attachment; filename="inbound-{mail.pk}.eml"', "nosniff")
    assert list(ContactAccessLog.objects.values_list("user", "subject_type", "subject_id", "fields", "purpose")) == [
        (editor.pk, "intake.inboundmessage", str(mail.pk), "sender,raw_message", "download"),
    ]


def test_a_viewer_cannot_download_and_nothing_is_logged(viewer_client, mail):
    assert download(viewer_client, mail).status_code == 403
    assert ContactAccessLog.objects.count() == 0
    page = viewer_client.get(reverse("console:inbound", args=[mail.pk])).content.decode()
    assert reverse("console:inbound_raw_download", args=[mail.pk]) not in page


def test_the_page_offers_the_download_to_those_who_may_reveal(editor_client, mail):
    page = editor_client.get(reverse("console:inbound", args=[mail.pk])).content.decode()
    assert f'<form method="post" action="{reverse("console:inbound_raw_download", args=[mail.pk])}">' in page
    assert ContactAccessLog.objects.count() == 0  # offering it is not seeing it


def test_download_needs_a_post(editor_client, mail):
    assert editor_client.get(reverse("console:inbound_raw_download", args=[mail.pk])).status_code == 405
    assert ContactAccessLog.objects.count() == 0


def test_a_wechat_message_downloads_as_its_stored_xml(editor_client, campaign):
    body = b"<xml><FromUserName><![CDATA[oAbc]]></FromUserName><Content><![CDATA[\xe6\x8e\xa8\xe8\x8d\x90]]></Content></xml>"
    inbound = receive_inbound(channel="wechat", external_id="msg-1", campaign=campaign, sender="oAbc",
                              raw_body=body, enqueue_processing=False).inbound
    response = download(editor_client, inbound)
    assert (response.content, response["Content-Type"], response["Content-Disposition"]) == (
        body, "application/xml", f'attachment; filename="inbound-{inbound.pk}.xml"')


def test_a_web_form_post_without_raw_bytes_downloads_its_stored_payload(editor_client, campaign):
    payload = {"fields": {"nominee_name": "孙红梅", "nominator_phone": "13912345678"}}
    inbound = receive_inbound(channel="webform", external_id="form-token-9", campaign=campaign, payload=payload,
                              enqueue_processing=False).inbound
    response = download(editor_client, inbound)
    assert (response.content.decode(), response["Content-Type"], response["X-Content-Type-Options"]) == (
        '{\n  "fields": {\n    "nominee_name": "孙红梅",\n    "nominator_phone": "13912345678"\n  }\n}',
        "application/json", "nosniff")
