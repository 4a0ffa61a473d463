"""What the vote endpoint reads from a request and says back, shared by both servers of `/v/<slug>/vote`:
the Django view (full stack, `public.voting_views.cast_vote`) and the lean asynchronous path (`voting.lean`)."""
import functools
import json
from urllib.parse import parse_qsl, urlparse, urlsplit

from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from xuanshu.voting.enums import Reason, VoteStatus
from xuanshu.voting.messages import OTP_MESSAGES, OUTCOME_MESSAGES, message_ref, message_text, outcome_key, spent_ref

MAX_CANDIDATES = 50
HTTP_STATUS = {
    Reason.OUTSIDE_WINDOW: 403, Reason.IDENTITY_REQUIRED: 403, Reason.VOTER_BLOCKED: 403,
    Reason.EMPTY_BALLOT: 400, Reason.UNKNOWN_CANDIDATE: 400, Reason.DUPLICATE_CANDIDATE: 400, Reason.TOO_FEW_CANDIDATES: 400,
    Reason.RATE_LIMITED: 429, Reason.QUOTA_TOTAL: 409, Reason.QUOTA_CANDIDATE: 409, Reason.DUPLICATE: 409,
}


def parse_form(body: bytes) -> dict[str, list[str]]:
    """An urlencoded body as lists of values (cheaper than Django's QueryDict; a ballot has two fields)."""
    text = body.decode("utf-8", "replace")
    fields: dict[str, list[str]] = {}
    if "%" in text or "+" in text:  # escapes: the standard parser; plain ballots (digits) skip it
        pairs = parse_qsl(text, max_num_fields=MAX_CANDIDATES + 10)
    else:
        pairs = [pair.partition("=")[::2] for pair in text.split("&", MAX_CANDIDATES + 10)[:MAX_CANDIDATES + 10] if pair]
    for key, value in pairs:
        fields.setdefault(key, []).append(value)
    return fields


def candidate_ids(fields: dict[str, list[str]]) -> list[int] | None:
    """The chosen candidates' ids, or None when one is not a number."""
    try:
        return [int(value) for value in fields.get("candidate", [])[:MAX_CANDIDATES]]
    except ValueError:
        return None


def nonce(fields: dict[str, list[str]]) -> str:
    return (fields.get("nonce") or [""])[0]


def same_origin(origin: str | None, host: str) -> bool:
    """A cross-site post is refused: the Origin, when the browser sends one, must name this host."""
    if not origin or origin == "null":
        return origin is None
    return urlparse(origin).netloc == host


@functools.lru_cache(maxsize=512)
def zh_message(ref: str) -> str:
    """A message reference (`messages.message_ref`) as the voter reads it, in zh-hans."""
    with translation.override("zh-hans"):
        return message_text(ref)


def outcome_reply(outcome, names: dict[int, str] | None = None) -> tuple[int, str, bytes]:
    """(HTTP status, message reference, JSON body) of a ballot's outcome: the body for the page's script, the
    reference for the page a browser without the script is sent back to (`flash_cookie`). `names` are the
    campaign's candidates' (`VoteConfig.candidate_names`), for a refusal that names the ones spent today."""
    if outcome.spent:
        return _spent_reply(outcome, names or {})
    return _reply(outcome.reason, outcome_key(outcome), outcome.remaining_today)


def _spent_reply(outcome, names: dict[int, str]) -> tuple[int, str, bytes]:
    """A quota_candidate refusal, with the spent candidates' ids ("spent") for the page to lock. With several
    chosen, the message names the spent ones, which the voter is to untick; with one, it is that one. This reply
    varies with the ballot, so it is worked out each time, and only for this refusal."""
    status, ref, body = _reply(outcome.reason, outcome_key(outcome), outcome.remaining_today)
    reply = json.loads(body)
    if len(outcome.decisions) > 1:
        ref = spent_ref(outcome.spent)
        with translation.override("zh-hans"):
            reply["message"] = message_text(ref, names)
    reply["spent"] = list(outcome.spent)
    return status, ref, json.dumps(reply, ensure_ascii=False).encode()


@functools.lru_cache(maxsize=512)
def _reply(reason: str, key: str, remaining: int | None) -> tuple[int, str, bytes]:
    # A handful of distinct replies (a reason or a status, and the votes left): each is worked out once.
    ref = message_ref(key, remaining)
    body = {"status": VoteStatus.REJECTED if reason else key, "reason": reason, "message": zh_message(ref),
            "remaining": remaining}
    return HTTP_STATUS.get(reason, 200), ref, json.dumps(body, ensure_ascii=False).encode()


# The message a voter is sent back to a page with travels in a short-lived cookie, not in the address: the page
# shows it once and clears it, and a link the voter shares carries none. Only the campaign's pages see it.
FLASH_COOKIE = "xs_msg"
FLASH_MAX_AGE = 60


def flash_path(slug: str) -> str:
    return f"/c/{slug}/"


def flash_cookie(slug: str, ref: str, *, secure: bool) -> str:
    """The Set-Cookie value that carries a message reference to the next page of this campaign."""
    safe = ref if ref and all(ch.isascii() and (ch.isalnum() or ch in "._") for ch in ref) else ""
    return (f"{FLASH_COOKIE}={safe}; Max-Age={FLASH_MAX_AGE if safe else 0}; Path={flash_path(slug)}; HttpOnly; "
            f"SameSite=Lax{'; Secure' if secure else ''}")


# What the voter reads when the request itself is refused (the page shows `message`; `error` is for logs).
ERROR_MESSAGES = {
    "no open ballot": OUTCOME_MESSAGES[Reason.OUTSIDE_WINDOW],
    "bad candidate": OUTCOME_MESSAGES[Reason.UNKNOWN_CANDIDATE],
    "busy, try again": OTP_MESSAGES["global_limit"],
}
_COULD_NOT_SEND = _("The vote could not be sent. Please check your connection and try again.")


@functools.cache
def error_reply(error: str) -> bytes:
    """The JSON body of a refused request: the error, and a message in zh-hans for the voter."""
    with translation.override("zh-hans"):
        message = str(ERROR_MESSAGES.get(error, _COULD_NOT_SEND))
    return json.dumps({"error": error, "message": message}, ensure_ascii=False).encode()


# The pages a voter may be sent back to after voting or signing in: only this campaign's voting pages.
_RETURN_PAGES = {"vote", "candidates", "candidate"}


def return_path(slug: str, path: str) -> str:
    """`path` when it is one of the campaign's voting pages (the page a form or sign-in started from); otherwise
    the ballot. Never another site or another campaign."""
    parts = urlsplit(path)
    if path.startswith("/") and not (path.startswith("//") or parts.netloc or parts.query or parts.fragment):
        try:
            match = resolve(parts.path)
        except Resolver404:
            match = None
        if match and match.namespace == "public" and match.url_name in _RETURN_PAGES and match.kwargs.get("slug") == slug:
            return parts.path
    return reverse("public:vote", args=[slug])
