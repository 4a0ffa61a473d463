"""The official account's side of WeChat's JS-SDK (JS-SDK 说明文档, 附录1 签名算法): the jsapi_ticket and the
signature a page's `wx.config` carries.

- The ticket comes from `GET cgi-bin/ticket/getticket?access_token=ACCESS_TOKEN&type=jsapi` →
  `{"errcode": 0, "errmsg": "ok", "ticket": "…", "expires_in": 7200}`, asked with the account's access token, which
  is shared with the rest of the channel (`media.CacheTokenStorage`): a second token of our own would expire theirs.
- WeChat caps the calls to getticket per day and asks servers to keep the ticket for its lifetime, so it is kept in
  the shared cache, per app id, and fetched by one worker at a time (a cache `add()` lock). It is fetched again a
  little before it lapses, while the old one still serves the pages that ask in the meantime.
- A failed fetch (WeChat unreachable, an error code) is logged and remembered for a short while, during which no page
  asks again: a page never waits on WeChat more than once in that window.
- The signature is sha1 over `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` (keys sorted), for the page's address
  without its `#fragment`; wechatpy computes it.
"""

import logging
import time
from dataclasses import dataclass

import requests
from django.core.cache import cache
from wechatpy import WeChatClient
from wechatpy.client.api.jsapi import WeChatJSAPI
from wechatpy.exceptions import WeChatClientException

from xuanshu.intake.channels.wechat import conf
from xuanshu.intake.channels.wechat.media import CacheTokenStorage

logger = logging.getLogger("xuanshu.intake.wechat")

# The ticket is asked for while a citizen's page is being made: WeChat gets a few seconds per call, not the
# channel's ten.
TICKET_API_TIMEOUT_SECONDS = 3
# The ticket is not handed out in its last five minutes (clocks, and a page opened just before it lapses)...
TICKET_EARLY_SECONDS = 300
# ...and fetched again from ten minutes before its end: until then, one fetch per lifetime.
TICKET_REFRESH_AHEAD_SECONDS = 600
# After a failed fetch, how long pages go without a ticket (or keep the old one) before WeChat is asked again.
TICKET_RETRY_SECONDS = 60
# How long one worker's claim on the fetch holds: beyond the four calls a fetch may make (token, ticket, and both
# again after a stale token), each bounded by the timeout.
TICKET_LOCK_SECONDS = 30
# WeChat's answers that the access token is not (or no longer) good: a new token is fetched and the ticket asked again.
_STALE_TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
_TICKET_KEY = "xuanshu:wechat:jsapi-ticket:{app_id}"
_LOCK_KEY = "xuanshu:wechat:jsapi-ticket-lock:{app_id}"


@dataclass(frozen=True)
class JsapiTicket:
    """A ticket ("" when none could be had) and until when, as a Unix time, that answer holds."""

    ticket: str
    good_until: float


class TicketUnavailable(Exception):
    """WeChat answered getticket without a ticket."""


class _TimedSession(requests.Session):
    # wechatpy's access-token request passes no timeout of its own.
    def request(self, method, url, *args, timeout=None, **kwargs):
        return super().request(method, url, *args, timeout=timeout or TICKET_API_TIMEOUT_SECONDS, **kwargs)


class _TicketClient(WeChatClient):
    """wechatpy's client on the configured API base, with the channel's shared token store and short timeouts."""

    def __init__(self, app_id: str, secret: str):
        # No automatic retry: wechatpy retries a stale-token answer without end; `_fetch_ticket` retries once.
        super().__init__(app_id, secret, session=CacheTokenStorage(), timeout=TICKET_API_TIMEOUT_SECONDS, auto_retry=False)
        self.API_BASE_URL = conf.api_base_url()
        self._http = _TimedSession()

    def fetch_access_token(self):
        # wechatpy hard-codes Tencent's host here; the documented endpoint is `token` under the same base.
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def jsapi_signature(*, ticket: str, nonce_str: str, timestamp: int, url: str) -> str:
    """The signature `wx.config` carries for the page at `url` (its #fragment is not signed)."""
    return WeChatJSAPI().get_jsapi_signature(nonce_str, ticket, timestamp, url.split("#", 1)[0])


def jsapi_ticket(*, app_id: str, secret: str) -> JsapiTicket:
    """The account's jsapi_ticket from the shared cache, fetched from WeChat when it is missing or about to lapse; one
    worker fetches at a time, and after a failure none asks again for TICKET_RETRY_SECONDS."""
    key = _TICKET_KEY.format(app_id=app_id)
    entry = cache.get(key)
    now = time.time()
    if entry is not None and now < entry["refresh_at"]:
        return JsapiTicket(entry["ticket"], entry["refresh_at"])
    lock = _LOCK_KEY.format(app_id=app_id)
    if not cache.add(lock, 1, TICKET_LOCK_SECONDS):
        # Another worker is fetching: the ticket about to lapse serves meanwhile, and this answer is not kept.
        return JsapiTicket(entry["ticket"] if entry else "", now)
    try:
        entry = cache.get(key)  # the worker that held the lock before may have just stored a new one
        if entry is not None and now < entry["refresh_at"]:
            return JsapiTicket(entry["ticket"], entry["refresh_at"])
        try:
            ticket, expires_in = _fetch_ticket(app_id, secret)
        # KeyError: a token answer without its access_token (wechatpy reads it unchecked).
        except (WeChatClientException, requests.RequestException, TicketUnavailable, KeyError) as error:
            logger.warning("wechat jsapi_ticket for %s not fetched: %r", app_id, error)
            entry = _after_failure(entry, now)
        else:
            early = min(TICKET_EARLY_SECONDS, expires_in // 4)
            ahead = min(TICKET_REFRESH_AHEAD_SECONDS, expires_in // 2)
            entry = {"ticket": ticket, "refresh_at": now + expires_in - ahead, "usable_until": now + expires_in - early}
        cache.set(key, entry, timeout=max(int(entry["usable_until"] - now), 1))
        return JsapiTicket(entry["ticket"], entry["refresh_at"])
    finally:
        cache.delete(lock)


def _after_failure(entry: dict | None, now: float) -> dict:
    """What the cache holds after a failed fetch: the old ticket while it lasts, else none, each until the retry."""
    if entry is not None and entry["ticket"] and now < entry["usable_until"]:
        return {**entry, "refresh_at": min(now + TICKET_RETRY_SECONDS, entry["usable_until"])}
    return {"ticket": "", "refresh_at": now + TICKET_RETRY_SECONDS, "usable_until": now + TICKET_RETRY_SECONDS}


def _fetch_ticket(app_id: str, secret: str) -> tuple[str, int]:
    """The ticket and its lifetime in seconds, from WeChat; a stale access token is replaced and the ticket asked again, once."""
    client = _TicketClient(app_id, secret)
    try:
        return _ask_ticket(client)
    except WeChatClientException as error:
        if error.errcode not in _STALE_TOKEN_ERRCODES:
            raise
        logger.info("wechat access token for %s refused (%s); fetching a new one", app_id, error.errcode)
        client.session.delete(client.access_token_key)
        return _ask_ticket(client)


def _ask_ticket(client: _TicketClient) -> tuple[str, int]:
    answer = client.jsapi.get_ticket("jsapi")
    if not isinstance(answer, dict) or not isinstance(answer.get("ticket"), str) or not answer["ticket"]:
        raise TicketUnavailable(f"getticket answered without a ticket: {str(answer)[:200]!r}")
    try:
        expires_in = int(answer.get("expires_in", 7200))
    except (TypeError, ValueError):
        raise TicketUnavailable(f"getticket answered an unreadable expires_in: {answer.get('expires_in')!r}") from None
    if expires_in <= 0:
        raise TicketUnavailable(f"getticket answered expires_in={expires_in}")
    return answer["ticket"], expires_in
