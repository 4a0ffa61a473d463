"""Photos that arrive as a media_id: fetched from WeChat's media API with wechatpy, re-encoded, attached.

Only photos are fetched: attachments hold re-encoded images. Voice and video keep their media_id in
the raw record (WeChat keeps temporary media for three days).
"""
import logging

import requests
from django.core.cache import cache
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from xuanshu.intake.channels.wechat import conf
from xuanshu.intake.channels.wechat.content import image_media_id, stored_message
from xuanshu.intake.channels.wechat.models import WechatAccount
from xuanshu.intake.channels.wechat.selectors import account_of
from xuanshu.intake.images import ImageRejected, reencode_image
from xuanshu.intake.models import Attachment, InboundMessage
from xuanshu.intake.services import add_attachment

logger = logging.getLogger("xuanshu.intake.wechat")
DEFAULT_MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Refetch the access token a little before WeChat expires it (7200 s).
TOKEN_EARLY_SECONDS = 300


class CacheTokenStorage(SessionStorage):
    """wechatpy's token store on Django's cache (Redis in production), so every worker shares one token."""

    prefix = "wechatpy:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        cache.set(self.prefix + key, value, timeout=max(ttl - TOKEN_EARLY_SECONDS, 60) if ttl else None)

    def delete(self, key):
        cache.delete(self.prefix + key)


class _TimeoutSession(requests.Session):
    # wechatpy's token request passes no timeout; a hung connection must not hold a worker forever.
    def request(self, *args, timeout=None, **kwargs):
        return super().request(*args, timeout=timeout or conf.API_TIMEOUT_SECONDS, **kwargs)


class AccountClient(WeChatClient):
    """wechatpy's client for one account, on the configured API base (Tencent's unless overridden)."""

    def __init__(self, account: WechatAccount, secret: str):
        super().__init__(account.appid, secret, session=CacheTokenStorage(), timeout=conf.API_TIMEOUT_SECONDS)
        self.API_BASE_URL = conf.api_base_url()
        self._http = _TimeoutSession()

    def fetch_access_token(self):
        # wechatpy hard-codes Tencent's host here; the documented endpoint is `token` under the same base.
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def fetch_wechat_media(*, inbound_id: int) -> Attachment | None:
    """Fetch a stored photo message's image and attach it; once per message. Network failures raise (the task retries)."""
    inbound = InboundMessage.objects.select_related("campaign").get(pk=inbound_id)
    if inbound.attachments.exists():
        return None
    account = account_of(inbound)
    secret = account.app_secret if account else ""
    if not secret:
        logger.info("wechat inbound %s: no AppSecret available; the media_id stays in the raw record", inbound_id)
        return None
    media_id = image_media_id(stored_message(inbound, account))
    if not media_id:
        return None
    try:
        response = AccountClient(account, secret).media.download(media_id)
    except WeChatClientException as error:
        if error.errcode is None:
            raise  # an HTTP failure: worth retrying
        logger.warning("wechat inbound %s: media %s not fetched: %s %s", inbound_id, media_id, error.errcode, error.errmsg)
        return None
    if not isinstance(response, requests.Response):
        logger.warning("wechat inbound %s: media %s is not a file: %r", inbound_id, media_id, response)
        return None
    max_bytes = inbound.campaign.max_photo_bytes if inbound.campaign else DEFAULT_MAX_PHOTO_BYTES
    try:
        image = reencode_image(response.content, max_bytes=max_bytes)
    except ImageRejected as rejection:
        logger.warning("wechat inbound %s: media %s refused as an image: %s", inbound_id, media_id, rejection.code)
        return None
    return add_attachment(inbound=inbound, original_name=f"wechat-{media_id}", image=image)
