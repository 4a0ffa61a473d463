"""Settings of the WeChat channel, each with a working default."""
from datetime import timedelta

from django.conf import settings

TENCENT_API_BASE_URL = "https://api.weixin.qq.com/cgi-bin/"
API_TIMEOUT_SECONDS = 10
# Passive replies per openid and minute; beyond this a message is still stored, only not answered.
REPLIES_PER_MINUTE = 10
# A message sent this shortly before the same sender's nomination belongs to it, like one sent after it: WeChat may
# deliver the nomination late (a retry after a slow reply), or the phone may send the photo before the text.
EARLY_FOLLOW_UP_MINUTES = 2
# The most a media fetch reads (photos: the campaign's own cap). A voice message lasts at most 60 s.
DEFAULT_MAX_VOICE_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_VIDEO_BYTES = 50 * 1024 * 1024
# WeChat deletes temporary media (a message's photo, voice or video) three days after it was sent (获取临时素材).
MEDIA_KEPT_BY_WECHAT = timedelta(days=3)
# Attempts after the first one to fetch media that WeChat's servers did not answer for; the last one gives up.
# The waits grow fourfold from a minute (1, 4, 16 min, 1 h, 4 h, 17 h): a blip is retried at once, and an outage
# of most of a day is ridden out, well within the three days WeChat keeps the file.
MEDIA_FETCH_RETRIES = 6
# How long one worker's claim on a message's media fetch holds (media_claims): far longer than a fetch takes (a 50 MB
# video included), short enough that a worker that died mid-fetch leaves the message to the next attempt.
MEDIA_FETCH_CLAIM_SECONDS = 15 * 60
MEDIA_FETCH_RETRY_DELAY_SECONDS = 60
MEDIA_FETCH_RETRY_BACKOFF = 4


def media_fetch_retry_delays() -> list[int]:
    """The wait before each retry, in seconds."""
    return [MEDIA_FETCH_RETRY_DELAY_SECONDS * MEDIA_FETCH_RETRY_BACKOFF ** n for n in range(MEDIA_FETCH_RETRIES)]


def max_voice_bytes() -> int:
    return int(getattr(settings, "WECHAT_MAX_VOICE_BYTES", DEFAULT_MAX_VOICE_BYTES))


def max_video_bytes() -> int:
    return int(getattr(settings, "WECHAT_MAX_VIDEO_BYTES", DEFAULT_MAX_VIDEO_BYTES))


def api_base_url() -> str:
    """Where wechatpy sends API calls; tests point it at a local fake of Tencent's API."""
    return getattr(settings, "WECHAT_API_BASE_URL", "") or TENCENT_API_BASE_URL


def public_base_url(request, campaign=None) -> str:
    """The citizen site's origin for links in replies: the public origin (XUANSHU_PUBLIC_BASE_URL, else the campaign
    file's), else the callback's own host."""
    from xuanshu.public.links import configured_public_origin, public_origin

    configured = public_origin(campaign) if campaign is not None else configured_public_origin()
    return (configured or request.build_absolute_uri("/")).rstrip("/")
