"""Voice messages and videos sent as a media_id are fetched from WeChat's media API by a task and kept byte for byte.

WeChat's API is a local fake following Tencent's documented 获取临时素材 (fake_wechat_api.py): a voice message
comes back as the file, a video as `{"video_url": DOWN_URL}` (or, as developers report, as the file itself), and
errors as `{"errcode": …, "errmsg": …}`. Staff hear and watch them in the console; nobody else gets them.
"""
import socket
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from huey.contrib.djhuey import HUEY

from tests.intake.wechat.payloads import documented
from xuanshu.core.models import ActivityLog
from xuanshu.intake.channels.wechat import conf
from xuanshu.intake.channels.wechat.media import media_type
from xuanshu.intake.channels.wechat.tasks import fetch_wechat_media_task
from xuanshu.intake.models import Attachment, InboundFile, InboundMessage, ReaderTip
from xuanshu.nominations.models import FollowUpMessage, Nomination

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oWECHATvoiceSender000000001"
NOMINATION_TEXT = "推荐出彩聊城人 高唐县的李师傅修车不收钱，二十年如一日"
VOICE_ID = "Y9jRbYbdGHX0_Sk3g6L4lAwAfrHWbnbVKQnDhEhmHyHjZB8y7rOGkPFmNd9fkDFD"
VIDEO_ID = "Z7kW7Rbd_video_media_id_0001"
# An AMR-NB file: the "#!AMR\n" magic (RFC 4867 §5) and two 12.2 kbit/s frames (header 0x3C, 31 bytes of speech).
ATTEMPTS = 1 + conf.MEDIA_FETCH_RETRIES
AMR = b"#!AMR\n" + (b"\x3c" + bytes(range(31))) * 2
# An MP4 file: a 24-byte `ftyp` box (ISO/IEC 14496-12 §4.3) and an empty `mdat` box.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08mdat"


@pytest.fixture(autouse=True)
def _empty_task_schedule():
    """Retries wait in huey's schedule (memory storage in immediate mode); each test starts and ends with none."""
    HUEY.storage.flush_schedule()
    yield
    HUEY.storage.flush_schedule()


def open_nomination(post_xml, account):
    post_xml(account, documented("text", Content=NOMINATION_TEXT, MsgId="1001", FromUserName=OPENID))


def send_voice(post_xml, account, media_id=VOICE_ID, msg_id="1002"):
    return post_xml(account, documented("voice", MediaId=media_id, Format="amr", MsgId=msg_id, FromUserName=OPENID))


def send_video(post_xml, account, kind="video", media_id=VIDEO_ID, msg_id="1003"):
    return post_xml(account, documented(kind, MediaId=media_id, ThumbMediaId="thumb-1", MsgId=msg_id, FromUserName=OPENID))


def kept(inbound: InboundMessage) -> list[tuple]:
    return [(f.original_name, f.content_type, f.size, f.file.read()) for f in InboundFile.objects.filter(inbound=inbound)]


def scheduled_retries() -> list[tuple[str, tuple]]:
    return [(task.name, task.args) for task in HUEY.scheduled()]


def refused(inbound: InboundMessage) -> list[tuple]:
    return list(inbound.refused_files.values_list("original_name", "reason", "size", "limit"))


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_retries_when_due() -> None:
    """What the consumer's scheduler does once the retry delay has passed: take the due tasks off the schedule, run them."""
    due = max(task.eta for task in HUEY.scheduled())
    for task in HUEY.read_schedule(due):
        HUEY.execute(task, timestamp=due)


def fail_every_attempt_then_give_up(inbound: InboundMessage) -> None:
    """Runs the first attempt's retries as the scheduler would, each when due: none but the last records anything,
    and they wait longer and longer, together well under the three days WeChat keeps the file."""
    waits = []
    for _ in range(conf.MEDIA_FETCH_RETRIES):
        assert (refused(inbound), scheduled_retries()) == ([], [("fetch_wechat_media_task", (inbound.pk,))])
        # huey schedules a retry from the moment the failed attempt ends (a test runs them back to back)
        waits.append(round((HUEY.scheduled()[0].eta - HUEY._get_timestamp()).total_seconds()))
        run_retries_when_due()
    assert waits == conf.media_fetch_retry_delays() == [60, 240, 960, 3840, 15360, 61440]
    assert timedelta(seconds=sum(waits)) < conf.MEDIA_KEPT_BY_WECHAT / 2


def test_a_voice_message_is_fetched_and_kept_with_the_follow_up_of_the_open_nomination(wechat_api, media_account, post_xml):
    wechat_api.voices[VOICE_ID] = AMR
    open_nomination(post_xml, media_account)
    response = send_voice(post_xml, media_account)
    assert response.status_code == 200
    voice = InboundMessage.objects.get(external_id="1002")
    assert kept(voice) == [(f"wechat-{VOICE_ID}.amr", "audio/amr", len(AMR), AMR)]
    nomination = Nomination.objects.get()
    assert list(FollowUpMessage.objects.values_list("nomination_id", "inbound_id")) == [(nomination.pk, voice.pk)]
    assert (Attachment.objects.count(), ReaderTip.objects.count(), voice.status) == (0, 0, "processed")
    assert [path for path, _ in wechat_api.requests] == ["/cgi-bin/token", "/cgi-bin/media/get"]
    assert wechat_api.requests[1][1] == {"access_token": "ACCESS_TOKEN_1", "media_id": VOICE_ID}


def test_a_video_answered_with_a_video_url_is_downloaded_from_it(wechat_api, media_account, post_xml):
    wechat_api.videos[VIDEO_ID] = wechat_api.download_url("v/DOWN_1.mp4")
    wechat_api.downloads["v/DOWN_1.mp4"] = MP4
    open_nomination(post_xml, media_account)
    send_video(post_xml, media_account)
    video = InboundMessage.objects.get(external_id="1003")
    assert kept(video) == [(f"wechat-{VIDEO_ID}.mp4", "video/mp4", len(MP4), MP4)]
    assert FollowUpMessage.objects.get().inbound_id == video.pk
    assert wechat_api.requests[1:] == [
        ("/cgi-bin/media/get", {"access_token": "ACCESS_TOKEN_1", "media_id": VIDEO_ID}),
        ("/download/v/DOWN_1.mp4", {}),  # the download address needs no access token
    ]


def test_a_short_video_sent_back_as_the_file_itself_is_kept_too(wechat_api, media_account, post_xml):
    wechat_api.video_files[VIDEO_ID] = MP4
    open_nomination(post_xml, media_account)
    send_video(post_xml, media_account, kind="shortvideo")
    assert kept(InboundMessage.objects.get(external_id="1003")) == [(f"wechat-{VIDEO_ID}.mp4", "video/mp4", len(MP4), MP4)]


def test_an_invalid_media_id_keeps_the_voice_message_without_a_file_and_is_not_retried(wechat_api, media_account, post_xml, caplog):
    open_nomination(post_xml, media_account)
    send_voice(post_xml, media_account, media_id="expired-voice-id")
    voice = InboundMessage.objects.get(external_id="1002")
    assert (InboundFile.objects.count(), voice.status, FollowUpMessage.objects.get().inbound_id) == (0, "processed", voice.pk)
    assert f"wechat inbound {voice.pk}: media expired-voice-id not fetched: 40007 invalid media_id" in caplog.text
    assert scheduled_retries() == []
    assert [path for path, _ in wechat_api.requests] == ["/cgi-bin/token", "/cgi-bin/media/get"]


def test_an_http_failure_is_retried_by_the_task_queue(wechat_api, media_account, post_xml):
    wechat_api.voices[VOICE_ID] = AMR
    wechat_api.fail_next["/cgi-bin/media/get"] = [502]
    open_nomination(post_xml, media_account)
    send_voice(post_xml, media_account)
    voice = InboundMessage.objects.get(external_id="1002")
    assert (InboundFile.objects.count(), scheduled_retries()) == (0, [("fetch_wechat_media_task", (voice.pk,))])
    run_retries_when_due()
    assert kept(voice) == [(f"wechat-{VOICE_ID}.amr", "audio/amr", len(AMR), AMR)]
    assert [path for path, _ in wechat_api.requests] == ["/cgi-bin/token", "/cgi-bin/media/get", "/cgi-bin/media/get"]


def test_a_failed_video_download_is_retried_too(wechat_api, media_account, post_xml):
    wechat_api.videos[VIDEO_ID] = wechat_api.download_url("v/DOWN_2.mp4")
    wechat_api.downloads["v/DOWN_2.mp4"] = MP4
    wechat_api.fail_next["/download/v/DOWN_2.mp4"] = [503]
    send_video(post_xml, media_account)
    video = InboundMessage.objects.get(external_id="1003")
    [retry] = HUEY.scheduled()
    assert (retry.name, retry.args, InboundFile.objects.count()) == ("fetch_wechat_media_task", (video.pk,), 0)
    run_retries_when_due()
    assert kept(video) == [(f"wechat-{VIDEO_ID}.mp4", "video/mp4", len(MP4), MP4)]


def test_when_wechat_keeps_failing_only_the_last_retry_records_the_voice_as_missing_and_only_once(
    wechat_api, media_account, post_xml, editor, caplog,
):
    wechat_api.voices[VOICE_ID] = AMR
    wechat_api.fail_next["/cgi-bin/media/get"] = [502] * ATTEMPTS  # the first attempt and every retry
    open_nomination(post_xml, media_account)
    send_voice(post_xml, media_account)
    voice = InboundMessage.objects.get(external_id="1002")
    fail_every_attempt_then_give_up(voice)
    assert (refused(voice), scheduled_retries(), InboundFile.objects.count()) == ([(f"wechat-{VOICE_ID}", "unreachable", None, None)], [], 0)
    assert [path for path, _ in wechat_api.requests] == ["/cgi-bin/token"] + ["/cgi-bin/media/get"] * ATTEMPTS
    assert f"wechat inbound {voice.pk}: voice {VOICE_ID} not fetched, WeChat unreachable on the last attempt" in caplog.text

    fetch_wechat_media_task.call_local(voice.pk)  # the same task once more (enqueued twice, say): nothing is added
    assert list(ActivityLog.objects.filter(action="inbound.file_refused").values_list("subject_id", "new_value")) == [
        (str(voice.pk), {"name": f"wechat-{VOICE_ID}", "reason": "unreachable", "size": None})]
    assert (refused(voice), [path for path, _ in wechat_api.requests].count("/cgi-bin/media/get")) == (
        [(f"wechat-{VOICE_ID}", "unreachable", None, None)], ATTEMPTS)

    staff = Client(headers={"Accept-Language": "zh-hans"})
    staff.force_login(editor)
    until = (voice.received_at + timedelta(days=3)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    page = staff.get(f"/console/nominations/{Nomination.objects.get().reference}/").content.decode()
    assert (f'<p class="notice refused-file">文件“wechat-{VOICE_ID}”无法使用：多次尝试后仍无法连接微信服务器。文件本身未被保存。'
            f"微信只保存该文件至 {until}，此后将无法再取回。</p>") in page


def test_a_video_whose_download_address_refuses_the_connection_is_recorded_missing_by_the_last_retry(
    wechat_api, media_account, post_xml,
):
    wechat_api.videos[VIDEO_ID] = f"http://127.0.0.1:{closed_port()}/v/DOWN_5.mp4"
    send_video(post_xml, media_account)
    video = InboundMessage.objects.get(external_id="1003")
    fail_every_attempt_then_give_up(video)
    assert (refused(video), scheduled_retries(), InboundFile.objects.count()) == ([(f"wechat-{VIDEO_ID}", "unreachable", None, None)], [], 0)
    assert [path for path, _ in wechat_api.requests] == ["/cgi-bin/token"] + ["/cgi-bin/media/get"] * ATTEMPTS


def test_media_over_the_cap_is_not_kept_and_not_retried(wechat_api, media_account, post_xml, settings, caplog):
    settings.WECHAT_MAX_VOICE_BYTES = 2048
    wechat_api.voices[VOICE_ID] = AMR[:6] + AMR[6:38] * 100  # 100 frames: 3,206 bytes
    send_voice(post_xml, media_account)
    voice = InboundMessage.objects.get(external_id="1002")
    assert (InboundFile.objects.count(), scheduled_retries()) == (0, [])
    assert f"wechat inbound {voice.pk}: voice {VOICE_ID} not kept: 3206 bytes announced, over the cap of 2048" in caplog.text
    assert list(voice.refused_files.values_list("original_name", "reason", "size", "limit")) == [
        (f"wechat-{VOICE_ID}", "too_large", 3206, 2048)]


def test_without_the_secret_voice_keeps_only_its_media_id(wechat_api, media_account, post_xml, monkeypatch):
    monkeypatch.delenv("QLWB_WECHAT_SECRET")
    wechat_api.voices[VOICE_ID] = AMR
    send_voice(post_xml, media_account)
    assert (InboundFile.objects.count(), wechat_api.requests, scheduled_retries()) == (0, [], [])
    voice = InboundMessage.objects.get()
    assert f"<MediaId><![CDATA[{VOICE_ID}]]></MediaId>" in voice.raw_text
    assert refused(voice) == [(f"wechat-{VOICE_ID}", "not_configured", None, None)]


@pytest.mark.parametrize(("data", "declared", "expected"), [
    (AMR, "", ("audio/amr", ".amr")),
    (b"#!AMR-WB\n\x04", "", ("audio/amr-wb", ".awb")),
    (b"OggS\x00\x02", ".speex", ("audio/ogg", ".ogg")),
    (b"ID3\x04\x00", "", ("audio/mpeg", ".mp3")),
    (b"\xff\xfb\x90\x44", "", ("audio/mpeg", ".mp3")),
    (MP4, "", ("video/mp4", ".mp4")),
    (b"Speex   1.2rc1", ".speex", ("application/octet-stream", ".speex")),
    (b"<html>not media</html>", ".amr", ("application/octet-stream", ".amr")),
    (b"<html>not media</html>", "", ("application/octet-stream", ".bin")),
])
def test_the_content_type_comes_from_the_bytes_never_from_a_header(data, declared, expected):
    assert media_type(data, declared=declared) == expected


# --- the console ----------------------------------------------------------------------------------------------

def test_the_console_plays_the_video_and_offers_the_voice_only_to_signed_in_staff(wechat_api, media_account, post_xml, client, editor):
    wechat_api.voices[VOICE_ID] = AMR
    wechat_api.videos[VIDEO_ID] = wechat_api.download_url("v/DOWN_3.mp4")
    wechat_api.downloads["v/DOWN_3.mp4"] = MP4
    open_nomination(post_xml, media_account)
    send_voice(post_xml, media_account)
    send_video(post_xml, media_account)
    voice_file = InboundFile.objects.get(content_type="audio/amr")
    video_file = InboundFile.objects.get(content_type="video/mp4")
    voice_url, video_url = f"/console/files/{voice_file.pk}/", f"/console/files/{video_file.pk}/"

    assert client.get(voice_url).status_code == 302  # anonymous: to the sign-in page, never the file
    assert client.get(voice_url)["Location"].startswith("/console/login/")
    client.force_login(User.objects.create_user(username="reader", password="reader-pass-123"))  # signed in, not staff
    assert client.get(video_url).status_code == 403

    client.force_login(editor)
    page = client.get(f"/console/nominations/{Nomination.objects.get().reference}/").content.decode()
    assert f'<a href="{voice_url}">wechat-{VOICE_ID}.amr</a>' in page  # AMR does not play in browsers: a download
    assert f'<video controls preload="none" src="{video_url}"></video>' in page
    inbound_page = client.get(f"/console/inbound/{voice_file.inbound_id}/").content.decode()
    assert f'<a href="{voice_url}">wechat-{VOICE_ID}.amr</a>' in inbound_page

    voice = client.get(voice_url)
    assert (voice.status_code, voice["Content-Type"], voice["Content-Disposition"], b"".join(voice.streaming_content)) == (
        200, "application/octet-stream", f'attachment; filename="{voice_file.pk}.amr"', AMR,
    )
    video = client.get(video_url)
    assert (video.status_code, video["Content-Type"], video["Content-Security-Policy"], b"".join(video.streaming_content)) == (
        200, "video/mp4", "default-src 'none'; sandbox", MP4,
    )
    assert video["Content-Disposition"] == f'inline; filename="{video_file.pk}.mp4"'
    assert "no-cache" in video["Cache-Control"]


def test_a_body_without_a_length_is_cut_off_at_the_cap():
    import io

    import requests

    from xuanshu.intake.channels.wechat.media import MediaRefused, _read_capped

    response = requests.Response()
    response.raw = io.BytesIO(b"\x00" * (200 * 1024))  # no Content-Length: read until the cap is passed
    with pytest.raises(MediaRefused, match="over the cap of 100000 bytes"):
        _read_capped(response, 100_000)
    response.raw = io.BytesIO(b"\x01" * 1000)
    _read_capped(response, 1000)
    assert response.content == b"\x01" * 1000
