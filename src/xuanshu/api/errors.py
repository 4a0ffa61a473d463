"""One error shape for every answer of the partner API: {"error": {"code", "message", "details"}}.

`code` is stable for programs; `message` is for the developer reading it, in the request's language.
"""
import logging
from collections.abc import Callable, Sequence

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from xuanshu.api.services import TipRefused

logger = logging.getLogger("xuanshu.api")

# How a refusal from the domain maps onto HTTP; anything not listed is 422. A reused Idempotency-Key
# with another payload is 422 per draft-ietf-httpapi-idempotency-key-header (section "Error Scenarios"),
# which keeps 409 for a retry that arrives while the first request is still in progress; here that
# retry waits on the inbound store's unique index and then gets the first answer.
REFUSAL_STATUS = {"campaign_not_allowed": 403, "idempotency_key_reused": 422}
WWW_AUTHENTICATE = 'XUANSHU-HMAC-SHA256 realm="partner-api"'


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, details: Sequence[dict] = (), headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = list(details)
        self.headers = headers or {}


def unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": WWW_AUTHENTICATE})


def detail(loc: Sequence, code: str, message: str = "") -> dict:
    return {"loc": list(loc), "code": code, "message": message}


def _object_expected(ctx: dict) -> str:
    return _("Input should be an object")


# Pydantic's messages for the errors our schemas raise, in the request's language. The English texts are pydantic's
# own; the `code` (pydantic's error type) and `loc` beside them stay as they are.
_VALIDATION_MESSAGES: dict[str, Callable[[dict], str]] = {
    "missing": lambda ctx: _("Field required"),
    "extra_forbidden": lambda ctx: _("Extra inputs are not permitted"),
    "string_type": lambda ctx: _("Input should be a valid string"),
    "string_too_long": lambda ctx: ngettext(
        "String should have at most %(max_length)s character", "String should have at most %(max_length)s characters",
        ctx["max_length"]) % ctx,
    "string_too_short": lambda ctx: ngettext(
        "String should have at least %(min_length)s character", "String should have at least %(min_length)s characters",
        ctx["min_length"]) % ctx,
    "string_pattern_mismatch": lambda ctx: _("String should match pattern '%(pattern)s'") % ctx,
    "model_attributes_type": _object_expected,
    "model_type": _object_expected,
    "dict_type": _object_expected,
    # Our own validators (schemas.py) raise ValueError with a message already in the request's language.
    "value_error": lambda ctx: str(ctx["error"]),
}


def validation_message(error: dict) -> str:
    """The message of one pydantic (or ninja) error entry in the request's language; an error our schemas do not
    raise gets a general one rather than English in a Chinese answer."""
    ctx = error.get("ctx") or {}
    message = _VALIDATION_MESSAGES.get(str(error.get("type")))
    try:
        return message(ctx) if message else _("This value is not valid.")
    except (KeyError, TypeError, ValueError):  # a ctx without what the message needs: say what we can
        return _("This value is not valid.")


def validation_details(errors: Sequence[dict]) -> list[dict]:
    """Pydantic's and ninja's error entries, without the parts that do not serialise (ctx, input)."""
    return [detail([part for part in error.get("loc", ()) if isinstance(part, (str, int))],
                   str(error.get("type", "invalid")), validation_message(error)) for error in errors]


def invalid_request(details: Sequence[dict]) -> ApiError:
    return ApiError(422, "validation_error", _("The request does not match the schema; see details."), details=details)


def render(api: NinjaAPI, request: HttpRequest, error: ApiError) -> HttpResponse:
    body = {"error": {"code": error.code, "message": error.message, "details": error.details}}
    response = api.create_response(request, body, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def install_error_handlers(api: NinjaAPI) -> None:
    """Route every exception the API can meet, ninja's own included, into the one error shape."""

    @api.exception_handler(ApiError)
    def api_error(request, exc):
        return render(api, request, exc)

    @api.exception_handler(TipRefused)
    def tip_refused(request, exc):
        details = [detail(item.get("loc", ()), item["code"], item.get("message", "")) for item in exc.details]
        return render(api, request, ApiError(REFUSAL_STATUS.get(exc.code, 422), exc.code, exc.message, details=details))

    @api.exception_handler(ValidationError)
    def ninja_validation_error(request, exc):
        return render(api, request, invalid_request(validation_details(exc.errors)))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return render(api, request, unauthorized("missing_credentials", missing_credentials_message()))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return render(api, request, ApiError(exc.status_code, "http_error", str(exc)))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return render(api, request, not_found_error())

    @api.exception_handler(Exception)
    def unexpected(request, exc):
        logger.exception("partner API: unexpected error on %s %s", request.method, request.path)
        return render(api, request, ApiError(500, "internal_error", _(
            "Something went wrong on our side. Retry later with the same Idempotency-Key; the tip is stored at most once."
        )))


def missing_credentials_message() -> str:
    return _("Sign the request: send the X-Partner-Key, X-Timestamp and X-Signature headers.")


def not_found_error() -> ApiError:
    return ApiError(404, "not_found", _("There is no such endpoint in the partner API."))
