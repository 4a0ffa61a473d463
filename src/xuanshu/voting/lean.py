"""The vote path's own ASGI application, in front of the full site (`xuanshu.voting.asgi`).

`/v/<slug>/vote` and `/v/ping` are served here on the event loop, without Django's request cycle and page
middleware (sessions, CSRF tokens, messages, authentication, locale negotiation, axes): the voter is a signed
cookie, the replies are in zh-hans, cross-site posts are refused by the cookie's SameSite=Lax and an Origin
check. With Redis a ballot is one awaited script call, pipelined with the other ballots of the same loop
turn, so no thread waits and none is woken per vote; on the database path the ballot runs on the store's
threads, which commit together. Everything else goes to the full Django site (`VotePathRouter`).

The benchmark's no-op endpoint `/v/ping` goes through exactly this path too.
"""
import logging
import re

from django.conf import settings
from django.http.cookie import parse_cookie

from xuanshu.voting import ballot_http, identity
from xuanshu.voting.config import vote_config_async
from xuanshu.voting.services import cast_ballot_async

log = logging.getLogger(__name__)

VOTE_PATH = re.compile(r"^/v/(?P<slug>[a-z0-9][a-z0-9\-]{1,78})/vote$")
MAX_BODY = 16 * 1024  # a ballot is two short fields; anything near this is not a ballot
_JSON = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
_PING = b'{"ok": true}'


class TooLarge(Exception):
    pass


async def _reply(send, status: int, body: bytes, headers=_JSON) -> None:
    # With its length stated, the server sends the reply in one piece instead of chunks and a terminator.
    headers = [*headers, (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _error(send, status: int, error: str) -> None:
    await _reply(send, status, ballot_http.error_reply(error))


async def _read_body(receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionResetError("client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


class LeanVotePath:
    async def __call__(self, scope, receive, send) -> None:
        try:
            await self._serve(scope, receive, send)
        except ConnectionResetError:
            pass
        except Exception:
            log.exception("vote path failed")
            await _error(send, 500, "server error")

    async def _serve(self, scope, receive, send) -> None:
        path = scope["path"]
        if path == "/v/ping":  # a health check for load balancers, and the benchmark's baseline
            await _reply(send, 200, _PING)
            return
        match = VOTE_PATH.match(path)
        if match is None:
            await _error(send, 404, "not found")
            return
        if scope["method"] != "POST":
            await _reply(send, 405, ballot_http.error_reply("POST only"), [*_JSON, (b"allow", b"POST")])
            return
        headers = dict(scope["headers"])  # ASGI header names are lower-case bytes
        origin = headers.get(b"origin")
        if not ballot_http.same_origin(origin.decode("latin-1") if origin is not None else None,
                                       headers.get(b"host", b"").decode("latin-1")):
            await _error(send, 403, "cross-site request refused")
            return
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/x-www-form-urlencoded":
            await _error(send, 415, "send the ballot as application/x-www-form-urlencoded")
            return
        try:
            body = await _read_body(receive)
        except TooLarge:
            await _error(send, 413, "ballot too large")
            return
        slug = match["slug"]
        config = await vote_config_async(slug)
        if config is None:
            await _error(send, 404, "no open ballot")
            return
        fields = ballot_http.parse_form(body)
        candidates = ballot_http.candidate_ids(fields)
        if candidates is None:
            await _error(send, 400, "bad candidate")
            return
        cookies = parse_cookie(headers.get(b"cookie", b"").decode("latin-1"))
        voter = identity.read_voter_token(cookies.get(identity.VOTER_COOKIE, ""), config.campaign_id)
        client = scope.get("client")
        try:
            outcome = await cast_ballot_async(
                config=config, voter=voter, candidates=candidates, ip=client[0] if client else "unknown",
                user_agent=headers.get(b"user-agent", b"").decode("latin-1"),
                device_token=cookies.get(identity.DEVICE_COOKIE, ""), nonce=ballot_http.nonce(fields),
            )
        except (ConnectionError, OSError, TimeoutError):
            # Nothing was acknowledged: the voter may simply try again.
            log.warning("vote store unavailable", exc_info=True)
            await _error(send, 503, "busy, try again")
            return
        status, message, reply = ballot_http.outcome_reply(outcome, config.candidate_names)
        if headers.get(b"accept", b"").startswith(b"application/json"):
            await _reply(send, status, reply)
            return
        # Without the page's script: back to the page the ballot was sent from, which shows the outcome's
        # message once (a short-lived cookie, never in the address the voter might share).
        back = ballot_http.return_path(slug, (fields.get("next") or [""])[0])
        flash = ballot_http.flash_cookie(slug, message, secure=settings.SESSION_COOKIE_SECURE)
        await _reply(send, 303, b"", [(b"location", back.encode()), (b"cache-control", b"no-store"),
                                      (b"set-cookie", flash.encode())])


class VotePathRouter:
    """Send `/v/…` to the lean vote path and every other request to the full site (an ASGI app)."""

    def __init__(self, site):
        self.site = site
        self.lean = LeanVotePath()

    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind == "http" and scope["path"].startswith("/v/"):
            await self.lean(scope, receive, send)
        elif kind == "http":
            async def receive_coroutine():  # a2wsgi wants a coroutine function; some servers' (granian's) is not one
                return await receive()

            await self.site(scope, receive_coroutine, send)
        elif kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        # websockets: none served; returning closes the connection
