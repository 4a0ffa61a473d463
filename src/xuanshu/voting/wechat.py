"""WeChat web authorisation (网页授权) with scope snsapi_base: a silent redirect that yields the voter's openid.

The app is the campaign's official account (its WechatAccount, whose AppSecret lives in the environment
variable it names), or VOTING_WECHAT_APP_ID with VOTING_WECHAT_APP_SECRET. snsapi_base needs no consent
screen and no follow: voting never asks anyone to follow the official account (WeChat bans 诱导关注).
Tests point VOTING_WECHAT_OAUTH_BASE_URL and VOTING_WECHAT_API_BASE_URL at a local fake of Tencent's endpoints.
"""
import os
from dataclasses import dataclass

from django.conf import settings
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth


@dataclass(frozen=True)
class WechatApp:
    app_id: str
    secret: str


def app_for(campaign) -> WechatApp | None:
    """The official account that authorises voters for this campaign, or None when none is configured."""
    from xuanshu.intake.channels.wechat.models import WechatAccount

    account = WechatAccount.objects.filter(campaign=campaign).first()
    if account and account.appid and account.app_secret:
        return WechatApp(account.appid, account.app_secret)
    app_id = os.environ.get("VOTING_WECHAT_APP_ID", "")
    secret = os.environ.get("VOTING_WECHAT_APP_SECRET", "")
    return WechatApp(app_id, secret) if app_id and secret else None


def _client(app: WechatApp, redirect_uri: str = "", state: str = "") -> WeChatOAuth:
    client = WeChatOAuth(app.app_id, app.secret, redirect_uri, scope="snsapi_base", state=state)
    client.OAUTH_BASE_URL = getattr(settings, "VOTING_WECHAT_OAUTH_BASE_URL", "") or WeChatOAuth.OAUTH_BASE_URL
    client.API_BASE_URL = getattr(settings, "VOTING_WECHAT_API_BASE_URL", "") or WeChatOAuth.API_BASE_URL
    return client


def authorize_url(app: WechatApp, *, redirect_uri: str, state: str) -> str:
    return _client(app, redirect_uri, state).authorize_url


class WechatAuthFailed(Exception):
    pass


def openid_for_code(app: WechatApp, code: str) -> str:
    """Exchange the redirect's code for the openid (sns/oauth2/access_token); raises WechatAuthFailed."""
    try:
        result = _client(app).fetch_access_token(code)
    except (WeChatOAuthException, OSError, ValueError) as error:
        raise WechatAuthFailed(str(error)) from None
    openid = result.get("openid", "")
    if not openid:
        raise WechatAuthFailed("no openid in the reply")
    return openid
