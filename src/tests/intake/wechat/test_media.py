"""Photos sent as a media_id are fetched from WeChat's media API by a task, re-encoded and attached.

WeChat's API is a local fake following Tencent's documented endpoints (fake_wechat_api.py).
"""
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.helpers import heic_bytes, jpeg_bytes
from tests.intake.wechat.conftest import APPID, SECRET
from tests.intake.wechat.payloads import documented
from xuanshu.intake.channels.wechat.media import fetch_wechat_media
from xuanshu.intake.models import Attachment, InboundMessage, RefusedFile
from xuanshu.nominations.models import FollowUpMessage, Nomination

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oWECHATphotoSender000000001"
MEDIA_ID = "ZCrSaE3tzDHBSuq5Uw4r9xH0Q1yCq6yzKT0s9n2vTAU2nHPdiDkMYnX7kHRJ2E4d"


def send_nomination_then_photo(post_xml, account, media_id=MEDIA_ID):
    post_xml(account, documented("text", Content="推荐出彩聊城人 高唐县的李师傅修车不收钱", MsgId="1001", FromUserName=OPENID))
    return post_xml(account, documented("image", MediaId=media_id, MsgId="1002", FromUserName=OPENID,
                                        PicUrl="http://mmbiz.qpic.cn/mmbiz/abc/0"))


def paths(api) -> list[str]:
    return [path for path, _ in api.requests]


def refused() -> list[tuple]:
    return list(RefusedFile.objects.values_list("inbound__external_id", "original_name", "reason", "size", "limit"))


def test_a_photo_is_fetched_reencoded_and_attached_to_the_follow_up(wechat_api, media_account, post_xml):
    original = jpeg_bytes(size=(80, 60), exif_gps=True)
    wechat_api.images[MEDIA_ID] = original
    response = send_nomination_then_photo(post_xml, media_account)
    assert response.status_code == 200
    photo = InboundMessage.objects.get(external_id="1002")
    attachment = Attachment.objects.get()
    assert (attachment.inbound_id, attachment.content_type, attachment.width, attachment.height, attachment.original_size) == (
        photo.pk, "image/jpeg", 80, 60, len(original),
    )
    assert attachment.original_name == f"wechat-{MEDIA_ID}"
    with Image.open(attachment.file.path) as stored:
        assert stored.getexif().get(0x8825) is None  # the GPS block is gone
    assert FollowUpMessage.objects.get().inbound_id == photo.pk
    assert wechat_api.requests == [
        ("/cgi-bin/token", {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}),
        ("/cgi-bin/media/get", {"access_token": "ACCESS_TOKEN_1", "media_id": MEDIA_ID}),
    ]


def test_the_access_token_is_shared_and_refetched_when_wechat_says_it_expired(wechat_api, media_account, post_xml):
    wechat_api.images.update({"m1": jpeg_bytes(), "m2": jpeg_bytes(color=(0, 90, 0)), "m3": jpeg_bytes(color=(0, 0, 90))})
    post_xml(media_account, documented("image", MediaId="m1", MsgId="2001", FromUserName=OPENID))
    post_xml(media_account, documented("image", MediaId="m2", MsgId="2002", FromUserName=OPENID))
    wechat_api.expire_all_tokens()
    post_xml(media_account, documented("image", MediaId="m3", MsgId="2003", FromUserName=OPENID))
    assert Attachment.objects.count() == 3
    assert paths(wechat_api) == [
        "/cgi-bin/token", "/cgi-bin/media/get",  # first photo: one token
        "/cgi-bin/media/get",  # second photo: the cached token
        "/cgi-bin/media/get", "/cgi-bin/token", "/cgi-bin/media/get",  # 42001, a new token, the retry
    ]


def test_an_invalid_media_id_keeps_the_message_without_an_attachment(wechat_api, media_account, post_xml, caplog):
    send_nomination_then_photo(post_xml, media_account, media_id="expired-media-id")
    photo = InboundMessage.objects.get(external_id="1002")
    assert (Attachment.objects.count(), photo.status, FollowUpMessage.objects.get().inbound_id) == (0, "processed", photo.pk)
    assert "<MediaId><![CDATA[expired-media-id]]></MediaId>" in photo.raw_text
    assert "media expired-media-id not fetched: 40007 invalid media_id" in caplog.text
    assert refused() == [("1002", "wechat-expired-media-id", "not_fetched", None, None)]


def test_a_wrong_secret_fetches_nothing_and_keeps_the_message(wechat_api, media_account, post_xml, monkeypatch, caplog):
    monkeypatch.setenv("QLWB_WECHAT_SECRET", "not-the-secret")
    wechat_api.images[MEDIA_ID] = jpeg_bytes()
    send_nomination_then_photo(post_xml, media_account)
    assert (Attachment.objects.count(), InboundMessage.objects.count()) == (0, 2)
    assert paths(wechat_api) == ["/cgi-bin/token"]
    assert "40125 invalid appsecret" in caplog.text
    assert refused() == [("1002", f"wechat-{MEDIA_ID}", "not_configured", None, None)]  # an administrator's task


def test_without_the_secret_in_the_environment_nothing_is_fetched(wechat_api, media_account, post_xml, monkeypatch):
    monkeypatch.delenv("QLWB_WECHAT_SECRET")
    wechat_api.images[MEDIA_ID] = jpeg_bytes()
    send_nomination_then_photo(post_xml, media_account)
    assert (Attachment.objects.count(), wechat_api.requests) == (0, [])
    assert f"<MediaId><![CDATA[{MEDIA_ID}]]></MediaId>" in InboundMessage.objects.get(external_id="1002").raw_text
    assert refused() == [("1002", f"wechat-{MEDIA_ID}", "not_configured", None, None)]


def test_without_the_secret_the_editor_is_told_the_account_needs_setting_up_and_for_how_long_wechat_keeps_the_photo(
    wechat_api, media_account, post_xml, monkeypatch, editor,
):
    monkeypatch.delenv("QLWB_WECHAT_SECRET")
    wechat_api.images[MEDIA_ID] = jpeg_bytes()
    send_nomination_then_photo(post_xml, media_account)
    photo = InboundMessage.objects.get(external_id="1002")
    staff = Client(headers={"Accept-Language": "zh-hans"})
    staff.force_login(editor)
    nomination_url = reverse("console:nomination", args=[Nomination.objects.get().reference])
    until = (photo.received_at + timedelta(days=3)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert (f'<p class="notice refused-file">文件“wechat-{MEDIA_ID}”无法使用：公众号尚未配置好取回文件的功能，'
            f"需由管理员完成配置。文件本身未被保存。微信只保存该文件至 {until}，此后将无法再取回。</p>") in staff.get(nomination_url).content.decode()

    InboundMessage.objects.filter(pk=photo.pk).update(received_at=photo.received_at - timedelta(days=3))  # three days on
    gone = (f"文件“wechat-{MEDIA_ID}”无法使用：公众号尚未配置好取回文件的功能，需由管理员完成配置。文件本身未被保存。"
            "微信只保存文件三天，该文件已无法再取回。")
    assert f'<p class="notice refused-file">{gone}</p>' in staff.get(nomination_url).content.decode()
    assert f'<li class="notice">{gone}</li>' in staff.get(reverse("console:inbound", args=[photo.pk])).content.decode()


def test_bytes_that_are_not_a_picture_are_not_attached_and_the_editor_is_told(wechat_api, media_account, post_xml, editor):
    wechat_api.images[MEDIA_ID] = b"GIF89a but not really"
    send_nomination_then_photo(post_xml, media_account)
    assert (Attachment.objects.count(), FollowUpMessage.objects.count()) == (0, 1)
    assert refused() == [("1002", f"wechat-{MEDIA_ID}", "not_image", 21, None)]
    staff = Client(headers={"Accept-Language": "zh-hans"})
    staff.force_login(editor)
    page = staff.get(reverse("console:nomination", args=[Nomination.objects.get().reference])).content.decode()
    assert (f'<p class="notice refused-file">文件“wechat-{MEDIA_ID}”无法使用：不是可以打开的图片，文件可能已损坏。'
            "文件本身未被保存。</p>") in page


def test_a_heic_photo_is_reencoded_like_any_other(wechat_api, media_account, post_xml):
    wechat_api.images[MEDIA_ID] = heic_bytes(size=(80, 60))
    send_nomination_then_photo(post_xml, media_account)
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.width, attachment.height, refused()) == ("image/jpeg", 80, 60, [])


def test_a_refused_photo_is_recorded_once(wechat_api, media_account, post_xml):
    wechat_api.images[MEDIA_ID] = heic_bytes()[:200]
    send_nomination_then_photo(post_xml, media_account)
    assert fetch_wechat_media(inbound_id=InboundMessage.objects.get(external_id="1002").pk) is None
    assert (refused(), paths(wechat_api).count("/cgi-bin/media/get")) == ([("1002", f"wechat-{MEDIA_ID}", "not_image", 200, None)], 1)


def test_fetching_twice_attaches_once(wechat_api, media_account, post_xml):
    wechat_api.images[MEDIA_ID] = jpeg_bytes()
    send_nomination_then_photo(post_xml, media_account)
    assert fetch_wechat_media(inbound_id=InboundMessage.objects.get(external_id="1002").pk) is None
    assert Attachment.objects.count() == 1
