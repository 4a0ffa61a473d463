"""An authentic message we cannot decrypt (no key yet, or a key we do not have) is kept raw and flagged failed in one
transaction, so that `inbound reprocess --failed` reads it once the key is set; never left pending, where nothing would."""
import pytest
from django.core.management import call_command

from tests.intake.wechat.conftest import AES_KEY, APPID, TOKEN
from tests.intake.wechat.payloads import callback_url, documented, encrypted_request
from tests.intake.wechat.test_callback import NOMINATION_TEXT, OPENID
from xuanshu.core.models import ActivityLog
from xuanshu.intake import services
from xuanshu.intake.channels.wechat.services import set_wechat_account
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.nominations.models import FollowUpMessage, Nomination

pytestmark = pytest.mark.django_db(transaction=True)

CANNOT_DECRYPT = "cannot decrypt: no EncodingAESKey configured"


@pytest.fixture
def keyless_account(campaign):
    """The platform was switched to safe mode before the EncodingAESKey was entered here."""
    return set_wechat_account(slug="nokey", token=TOKEN, appid=APPID, campaign_slug=campaign.slug).account


def sealed(xml: str) -> tuple[dict, str]:
    return encrypted_request(token=TOKEN, key=AES_KEY, appid=APPID, xml=xml)


class Crash(Exception):
    pass


def test_a_crash_while_flagging_it_stores_nothing_and_the_retry_stores_it_failed(client, keyless_account, monkeypatch, capsys):
    query, body = sealed(documented("text", Content=NOMINATION_TEXT, FromUserName=OPENID))
    write_audit_row = services.record_activity

    def crash_on_flagging(**row):
        if row["action"] == "inbound.failed":
            raise Crash("the worker dies while flagging the message")
        return write_audit_row(**row)

    monkeypatch.setattr(services, "record_activity", crash_on_flagging)
    with pytest.raises(Crash):
        client.post(callback_url(keyless_account.slug, query), data=body, content_type="text/xml")
    assert InboundMessage.objects.count() == 0  # no reply went out: WeChat sends it again
    monkeypatch.undo()

    response = client.post(callback_url(keyless_account.slug, query), data=body, content_type="text/xml")
    assert (response.status_code, response.content) == (200, b"success")
    inbound = InboundMessage.objects.get()
    assert (inbound.status, inbound.error, inbound.reference, bytes(inbound.raw_body)) == ("failed", CANNOT_DECRYPT, None, body.encode())
    assert list(ActivityLog.objects.filter(subject_type="intake.inboundmessage").values_list("action", "old_value", "new_value")) == [
        ("inbound.failed", {"status": "pending", "error": "", "waiting_for": None},
         {"status": "failed", "error": CANNOT_DECRYPT, "waiting_for": None}),
    ]

    set_wechat_account(slug=keyless_account.slug, encoding_aes_key=AES_KEY)
    call_command("inbound", "reprocess", "--failed")
    assert capsys.readouterr().out == "reprocessed 1: 1 processed, 0 failed\n"
    assert list(Nomination.objects.values_list("reference", "inbound_id")) == [("CCLC2024-000001", inbound.pk)]


def test_reprocessing_reads_them_in_the_order_they_came_so_the_photo_joins_the_nomination(client, keyless_account, capsys):
    for xml in (documented("text", Content=NOMINATION_TEXT, FromUserName=OPENID, MsgId="3001"),
                documented("image", FromUserName=OPENID, MsgId="3002")):
        query, body = sealed(xml)
        client.post(callback_url(keyless_account.slug, query), data=body, content_type="text/xml")
    opener, photo = InboundMessage.objects.order_by("received_at", "id")
    assert {opener.status, photo.status} == {"failed"}

    call_command("inbound", "reprocess", "--failed")
    assert capsys.readouterr().out == "reprocessed 2: 0 processed, 2 failed\n"  # still no key: failed again, kept

    set_wechat_account(slug=keyless_account.slug, encoding_aes_key=AES_KEY)
    call_command("inbound", "reprocess", "--failed")
    assert capsys.readouterr().out == "reprocessed 2: 2 processed, 0 failed\n"
    assert list(Nomination.objects.values_list("reference", "inbound_id")) == [("CCLC2024-000001", opener.pk)]
    assert list(FollowUpMessage.objects.values_list("nomination__reference", "inbound_id")) == [("CCLC2024-000001", photo.pk)]
    assert ReaderTip.objects.count() == 0
