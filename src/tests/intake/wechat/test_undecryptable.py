"""An authentic message we cannot decrypt (no key yet, or a key we do not have) is kept raw and flagged failed in one
transaction, so that `inbound reprocess --failed` reads it once the key is set; never left pending, where nothing would.
A photo, voice message or video among them has its media fetched then, since nothing could be fetched at receipt."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from tests.helpers import jpeg_bytes
from tests.intake.wechat.conftest import AES_KEY, APPID, SECRET, TOKEN
from tests.intake.wechat.payloads import callback_url, documented, encrypted_request
from tests.intake.wechat.test_callback import NOMINATION_TEXT, OPENID
from xuanshu.core.models import ActivityLog
from xuanshu.intake import services
from xuanshu.intake.channels.wechat.conf import MEDIA_KEPT_BY_WECHAT
from xuanshu.intake.channels.wechat.services import set_wechat_account
from xuanshu.intake.models import Attachment, InboundMessage, ReaderTip, RefusedFile
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


# A photo kept undecryptable: its media_id is sealed inside the message, so its fetch could not be queued at receipt.
# Reading it at last (reprocessing, once the key is set) queues the fetch, once; WeChat's API is the local fake.
MEDIA_ID = "ZCrSaE3tzDHBSuq5Uw4r9xH0Q1yCq6yzKT0s9n2vTAU2nHPdiDkMYnX7kHRJ2E4d"
FETCHED = [("/cgi-bin/token", {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}),
           ("/cgi-bin/media/get", {"access_token": "ACCESS_TOKEN_1", "media_id": MEDIA_ID})]


@pytest.fixture(autouse=True)
def _empty_task_schedule():
    """Retries wait in huey's schedule (memory storage in immediate mode); each test starts and ends with none."""
    HUEY.storage.flush_schedule()
    yield
    HUEY.storage.flush_schedule()


@pytest.fixture
def keyless_media_account(campaign, monkeypatch):
    """Safe mode switched on before the key was entered, on an account whose AppSecret the worker has: media is fetched."""
    monkeypatch.setenv("NOKEY_WECHAT_SECRET", SECRET)
    return set_wechat_account(slug="nokey-media", token=TOKEN, appid=APPID, secret_env="NOKEY_WECHAT_SECRET",
                              campaign_slug=campaign.slug).account


def nomination_then_photo_undecryptable(client, account) -> tuple[InboundMessage, InboundMessage]:
    for xml in (documented("text", Content=NOMINATION_TEXT, FromUserName=OPENID, MsgId="4001"),
                documented("image", MediaId=MEDIA_ID, FromUserName=OPENID, MsgId="4002")):
        query, body = sealed(xml)
        client.post(callback_url(account.slug, query), data=body, content_type="text/xml")
    opener, photo = InboundMessage.objects.order_by("received_at", "id")
    assert {opener.status, photo.status} == {"failed"}
    return opener, photo


def refused() -> list[tuple]:
    return list(RefusedFile.objects.values_list("inbound_id", "original_name", "reason", "size", "limit"))


def nomination_page(editor) -> str:
    staff = Client(headers={"Accept-Language": "zh-hans"})
    staff.force_login(editor)
    return staff.get(reverse("console:nomination", args=[Nomination.objects.get().reference])).content.decode()


def test_a_photo_kept_undecryptable_is_fetched_once_reprocessed_and_shown_with_its_nomination(
    client, wechat_api, keyless_media_account, editor, capsys,
):
    wechat_api.images[MEDIA_ID] = jpeg_bytes(size=(80, 60))
    opener, photo = nomination_then_photo_undecryptable(client, keyless_media_account)
    assert (wechat_api.requests, Attachment.objects.count(), refused()) == ([], 0, [])  # nothing could be read yet

    set_wechat_account(slug=keyless_media_account.slug, encoding_aes_key=AES_KEY)
    call_command("inbound", "reprocess", "--failed")

    assert capsys.readouterr().out == "reprocessed 2: 2 processed, 0 failed\n"
    assert wechat_api.requests == FETCHED
    attachment = Attachment.objects.get()
    assert (attachment.inbound_id, attachment.original_name, attachment.content_type, attachment.width, attachment.height) == (
        photo.pk, f"wechat-{MEDIA_ID}", "image/jpeg", 80, 60)
    assert list(FollowUpMessage.objects.values_list("nomination__reference", "nomination__inbound_id", "inbound_id")) == [
        ("CCLC2024-000001", opener.pk, photo.pk)]
    assert f'<img class="thumb" src="{reverse("console:attachment", args=[attachment.pk])}"' in nomination_page(editor)
    assert refused() == []


def test_reprocessing_again_fetches_nothing_more(client, wechat_api, keyless_media_account, capsys):
    wechat_api.images[MEDIA_ID] = jpeg_bytes()
    _, photo = nomination_then_photo_undecryptable(client, keyless_media_account)
    set_wechat_account(slug=keyless_media_account.slug, encoding_aes_key=AES_KEY)
    call_command("inbound", "reprocess", "--failed")
    call_command("inbound", "reprocess", str(photo.pk))
    call_command("inbound", "reprocess", "--failed")
    assert capsys.readouterr().out == "reprocessed 2: 2 processed, 0 failed\nreprocessed 1: 1 processed, 0 failed\nreprocessed 0: 0 processed, 0 failed\n"
    assert (wechat_api.requests, list(Attachment.objects.values_list("inbound_id", flat=True))) == (FETCHED, [photo.pk])


def test_reprocessing_while_the_fetch_waits_for_a_retry_queues_no_second_fetch(client, wechat_api, keyless_media_account):
    wechat_api.images[MEDIA_ID] = jpeg_bytes()
    wechat_api.fail_next["/cgi-bin/media/get"] = [502]  # WeChat's gateway fails the first attempt: a retry is scheduled
    _, photo = nomination_then_photo_undecryptable(client, keyless_media_account)
    set_wechat_account(slug=keyless_media_account.slug, encoding_aes_key=AES_KEY)
    call_command("inbound", "reprocess", "--failed")
    assert [(task.name, task.args) for task in HUEY.scheduled()] == [("fetch_wechat_media_task", (photo.pk,))]

    call_command("inbound", "reprocess", str(photo.pk))  # an operator runs it again before the retry is due
    assert (Attachment.objects.count(), [path for path, _ in wechat_api.requests]) == (0, ["/cgi-bin/token", "/cgi-bin/media/get"])
    assert [(task.name, task.args) for task in HUEY.scheduled()] == [("fetch_wechat_media_task", (photo.pk,))]

    due = max(task.eta for task in HUEY.scheduled())
    for task in HUEY.read_schedule(due):
        HUEY.execute(task, timestamp=due)
    assert wechat_api.requests == [FETCHED[0], FETCHED[1], FETCHED[1]]
    assert list(Attachment.objects.values_list("inbound_id", flat=True)) == [photo.pk]


def test_a_photo_read_after_wechats_three_days_is_recorded_gone_without_asking_wechat(
    client, wechat_api, keyless_media_account, campaign, editor, capsys, caplog,
):
    wechat_api.images[MEDIA_ID] = jpeg_bytes()
    opener, photo = nomination_then_photo_undecryptable(client, keyless_media_account)
    # Three days on (and the nomination stage open since before then): WeChat has deleted the photo.
    InboundMessage.objects.update(received_at=F("received_at") - MEDIA_KEPT_BY_WECHAT - timedelta(minutes=1))
    campaign.stages.filter(kind="nomination").update(starts_at=F("starts_at") - timedelta(days=7))

    set_wechat_account(slug=keyless_media_account.slug, encoding_aes_key=AES_KEY)
    call_command("inbound", "reprocess", "--failed")

    assert capsys.readouterr().out == "reprocessed 2: 2 processed, 0 failed\n"
    assert (wechat_api.requests, Attachment.objects.count(), HUEY.scheduled()) == ([], 0, [])
    assert refused() == [(photo.pk, f"wechat-{MEDIA_ID}", "not_configured", None, None)]
    assert f"wechat inbound {photo.pk}: image {MEDIA_ID} read only after WeChat's 3 days; gone there, recorded as refused" in caplog.text
    assert list(ActivityLog.objects.filter(action="inbound.file_refused").values_list("subject_id", "new_value")) == [
        (str(photo.pk), {"name": f"wechat-{MEDIA_ID}", "reason": "not_configured", "size": None})]
    assert list(FollowUpMessage.objects.values_list("nomination__inbound_id", "inbound_id")) == [(opener.pk, photo.pk)]
    assert (f'<p class="notice refused-file">文件“wechat-{MEDIA_ID}”无法使用：公众号尚未配置好取回文件的功能，需由管理员完成配置。'
            "文件本身未被保存。微信只保存文件三天，该文件已无法再取回。</p>") in nomination_page(editor)

    call_command("inbound", "reprocess", str(photo.pk))
    assert (refused(), wechat_api.requests) == ([(photo.pk, f"wechat-{MEDIA_ID}", "not_configured", None, None)], [])
