"""Media that arrives as a media_id, fetched in the background from WeChat's media API (获取临时素材) with wechatpy.

- Photos are re-encoded into intake.Attachment.
- Voice messages (amr, speex, mp3) and videos (short videos too) are kept byte for byte as intake.InboundFile.
  For a video Tencent documents the answer as JSON, `{"video_url": DOWN_URL}`, while the file itself also comes
  back in practice: both are handled, the URL by downloading the file from it.

Nothing over the kind's cap is read into memory. WeChat's own errors (`{"errcode": 40007, "errmsg": "invalid
media_id"}`) are logged and not retried: asking again gives the same answer. HTTP and network failures raise,
so the task queue retries; its last attempt gives up instead. Media that is refused (over the cap, not a picture
we can open, not handed over, WeChat not reached by the last attempt, no AppSecret to ask with) is recorded as an
intake.RefusedFile, so that editors see the message's photo or recording is missing, and why.
WeChat keeps temporary media for three days; the media_id stays in the raw record.
"""
import logging
import os
import re
from urllib.parse import urlsplit

import requests
from django.core.cache import cache
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.messages import BaseMessage
from wechatpy.session import SessionStorage

from xuanshu.intake.channels.wechat import conf
from xuanshu.intake.channels.wechat.content import media_to_fetch, stored_message, voice_format
from xuanshu.intake.channels.wechat.media_claims import claim_media_fetch, finish_media_fetch, release_media_fetch
from xuanshu.intake.channels.wechat.models import WechatAccount
from xuanshu.intake.channels.wechat.selectors import account_of
from xuanshu.intake.enums import FileRefusal
from xuanshu.intake.images import ImageRejected, reencode_image
from xuanshu.intake.models import Attachment, InboundFile, InboundMessage
from xuanshu.intake.services import add_attachment, add_file, record_refused_file

logger = logging.getLogger("xuanshu.intake.wechat")
DEFAULT_MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Refetch the access token a little before WeChat expires it (7200 s).
TOKEN_EARLY_SECONDS = 300
CHUNK_BYTES = 64 * 1024
_FILENAME = re.compile(r'filename="?([^";]+)"?')
# WeChat's answers that mean the account is not set up to call its API (获取 Access token's documented errors):
# 40013 invalid AppID, 40125 invalid AppSecret, 40164 the server's IP address is not on the account's whitelist.
_NOT_CONFIGURED_ERRCODES = frozenset({40013, 40125, 40164})


class MediaRefused(Exception):
    """An answer not worth asking for again: bigger than the cap for its kind (not read further), or no download address."""

    def __init__(self, message: str, *, reason: str = FileRefusal.NOT_FETCHED, size: int | None = None, limit: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.size = size
        self.limit = limit


class CacheTokenStorage(SessionStorage):
    """wechatpy's token store on Django's cache (Redis in production), so every worker shares one token."""

    prefix = "wechatpy:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        cache.set(self.prefix + key, value, timeout=max(ttl - TOKEN_EARLY_SECONDS, 60) if ttl else None)

    def delete(self, key):
        cache.delete(self.prefix + key)


class _CappedSession(requests.Session):
    """Every call with a timeout (wechatpy's token request passes none), and no body over `max_bytes` read."""

    def __init__(self, max_bytes: int):
        super().__init__()
        self.max_bytes = max_bytes

    def request(self, method, url, *args, timeout=None, stream=None, **kwargs):
        response = super().request(method, url, *args, timeout=timeout or conf.API_TIMEOUT_SECONDS, stream=True, **kwargs)
        try:
            _read_capped(response, self.max_bytes)
        finally:
            response.close()
        return response


def _read_capped(response: requests.Response, max_bytes: int) -> None:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise MediaRefused(f"{declared} bytes announced, over the cap of {max_bytes}", reason=FileRefusal.TOO_LARGE,
                           size=int(declared), limit=max_bytes)
    body = bytearray()
    for chunk in response.iter_content(CHUNK_BYTES):
        body += chunk
        if len(body) > max_bytes:
            raise MediaRefused(f"over the cap of {max_bytes} bytes", reason=FileRefusal.TOO_LARGE, limit=max_bytes)
    response._content = bytes(body)  # requests' own store of a read body: .content and .json() use it


class AccountClient(WeChatClient):
    """wechatpy's client for one account, on the configured API base (Tencent's unless overridden)."""

    def __init__(self, account: WechatAccount, secret: str, *, max_bytes: int = DEFAULT_MAX_PHOTO_BYTES):
        super().__init__(account.appid, secret, session=CacheTokenStorage(), timeout=conf.API_TIMEOUT_SECONDS)
        self.API_BASE_URL = conf.api_base_url()
        self._http = _CappedSession(max_bytes)

    def fetch_access_token(self):
        # wechatpy hard-codes Tencent's host here; the documented endpoint is `token` under the same base.
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )

    def download_video(self, video_url: str) -> requests.Response:
        """The file behind a `video_url` answer (a plain download; Tencent serves videos over http)."""
        if urlsplit(video_url).scheme not in ("http", "https"):
            raise MediaRefused(f"not a download address: {video_url[:100]!r}")
        response = self._http.get(video_url)
        response.raise_for_status()
        return response


def _max_bytes(kind: str, inbound: InboundMessage) -> int:
    if kind == "voice":
        return conf.max_voice_bytes()
    if kind == "video":
        return conf.max_video_bytes()
    return inbound.campaign.max_photo_bytes if inbound.campaign else DEFAULT_MAX_PHOTO_BYTES


def fetch_wechat_media(*, inbound_id: int, last_attempt: bool = False) -> Attachment | InboundFile | None:
    """Fetch a stored photo, voice or video message's media and keep it with the message; once per message.

    Network and HTTP failures raise (the task retries), except on the task's `last_attempt`: the file is then
    recorded as refused, WeChat unreachable. WeChat's errors, oversized media and a missing AppSecret are logged,
    kept out, and recorded as refused.
    """
    inbound = InboundMessage.objects.select_related("campaign").get(pk=inbound_id)
    if _media_settled(inbound):
        return None
    account = account_of(inbound)
    message = stored_message(inbound, account)
    wanted = media_to_fetch(message)
    if wanted is None:
        return None
    # Two workers can be handed the same message (a retried task beside a reprocessed one): the database lets one
    # claim it, and the other fetches nothing, instead of both passing the check above and downloading it twice.
    token = claim_media_fetch(inbound_id=inbound_id)
    if not token:
        logger.info("wechat inbound %s: its media is being fetched by another worker (or was); not fetched again", inbound_id)
        return None
    try:
        # Settled by a worker that died before closing its claim: nothing to fetch.
        kept = None if _media_settled(inbound) else _fetch_claimed(inbound, account, message, wanted, last_attempt=last_attempt)
    except BaseException:
        release_media_fetch(inbound_id=inbound_id, token=token)  # the task's retry may claim it at once
        raise
    finish_media_fetch(inbound_id=inbound_id, token=token)
    return kept


def _media_settled(inbound: InboundMessage) -> bool:
    """The message's media is kept, or recorded as refused."""
    return inbound.attachments.exists() or inbound.files.exists() or inbound.refused_files.exists()


def _fetch_claimed(inbound: InboundMessage, account, message: BaseMessage, wanted: tuple[str, str], *,
                   last_attempt: bool) -> Attachment | InboundFile | None:
    """The fetch itself, under this worker's claim."""
    inbound_id = inbound.pk
    kind, media_id = wanted
    secret = account.app_secret if account else ""
    if not secret:
        logger.warning("wechat inbound %s: no AppSecret for account %r; %s %s not fetched (the media_id stays in the raw record)",
                       inbound_id, (inbound.payload or {}).get("account"), kind, media_id)
        refuse_media(inbound, media_id, FileRefusal.NOT_CONFIGURED)
        return None
    client = AccountClient(account, secret, max_bytes=_max_bytes(kind, inbound))
    try:
        response = client.media.download(media_id)
        if kind == "video" and isinstance(response, dict) and response.get("video_url"):
            response = client.download_video(response["video_url"])
    except (WeChatClientException, requests.RequestException) as error:
        if getattr(error, "errcode", None) is None:  # an HTTP or network failure: worth retrying, until the last attempt
            if not last_attempt:
                raise
            logger.error("wechat inbound %s: %s %s not fetched, WeChat unreachable on the last attempt: %r",
                         inbound_id, kind, media_id, error)
            refuse_media(inbound, media_id, FileRefusal.UNREACHABLE)
            return None
        logger.warning("wechat inbound %s: media %s not fetched: %s %s", inbound_id, media_id, error.errcode, error.errmsg)
        reason = FileRefusal.NOT_CONFIGURED if error.errcode in _NOT_CONFIGURED_ERRCODES else FileRefusal.NOT_FETCHED
        refuse_media(inbound, media_id, reason)
        return None
    except MediaRefused as error:
        logger.warning("wechat inbound %s: %s %s not kept: %s", inbound_id, kind, media_id, error)
        refuse_media(inbound, media_id, error.reason, size=error.size, limit=error.limit)
        return None
    if not isinstance(response, requests.Response):
        logger.warning("wechat inbound %s: media %s is not a file: %r", inbound_id, media_id, response)
        refuse_media(inbound, media_id, FileRefusal.NOT_FETCHED)
        return None
    if kind == "image":
        return _keep_photo(inbound, media_id, response.content)
    if not response.content:
        logger.warning("wechat inbound %s: %s %s came back empty", inbound_id, kind, media_id)
        refuse_media(inbound, media_id, FileRefusal.NOT_FETCHED, size=0)
        return None
    content_type, extension = media_type(response.content, declared=_declared_extension(response, message))
    return add_file(inbound=inbound, original_name=f"wechat-{media_id}{extension}", data=response.content, content_type=content_type)


def _keep_photo(inbound: InboundMessage, media_id: str, raw: bytes) -> Attachment | None:
    max_bytes = inbound.campaign.max_photo_bytes if inbound.campaign else DEFAULT_MAX_PHOTO_BYTES
    try:
        image = reencode_image(raw, max_bytes=max_bytes)
    except ImageRejected as rejection:
        logger.warning("wechat inbound %s: media %s refused as an image: %s", inbound.pk, media_id, rejection.code)
        limit = max_bytes if rejection.code == FileRefusal.TOO_LARGE else None
        refuse_media(inbound, media_id, rejection.code, size=len(raw), limit=limit)
        return None
    return add_attachment(inbound=inbound, original_name=f"wechat-{media_id}", image=image)


def refuse_media(inbound: InboundMessage, media_id: str, reason: str, *, size: int | None = None, limit: int | None = None) -> None:
    """Record the message's media file as refused (once), under the name a fetched one would have had."""
    record_refused_file(inbound=inbound, original_name=f"wechat-{media_id}", reason=reason, size=size, limit=limit, position=0)


def _declared_extension(response: requests.Response, message: BaseMessage) -> str:
    """The extension WeChat gave: the file name in Content-disposition, else the voice message's Format."""
    found = _FILENAME.search(response.headers.get("Content-disposition", ""))
    suffix = os.path.splitext(found.group(1))[1].lower() if found else ""
    if not suffix and voice_format(message):
        suffix = "." + voice_format(message)
    return suffix if suffix.isascii() and suffix[1:].isalnum() and 1 < len(suffix) <= 6 else ""


def media_type(data: bytes, *, declared: str = "") -> tuple[str, str]:
    """(content type, extension) of voice or video bytes, read from their own signature, never from a header.

    What the signature does not prove is kept as application/octet-stream: the console offers it only as a download.
    """
    if data.startswith(b"#!AMR-WB\n"):
        return "audio/amr-wb", ".awb"
    if data.startswith(b"#!AMR\n"):
        return "audio/amr", ".amr"
    if data.startswith(b"OggS"):
        return "audio/ogg", ".ogg"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg", ".mp3"
    if data[4:8] == b"ftyp":
        return "video/mp4", ".mp4"
    if data.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm", ".webm"
    return "application/octet-stream", declared or ".bin"
