"""The partner API (v1): one operation, POST /api/v1/tips. Thin: check, parse, call the service, answer."""
import math
import time

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import Status

from xuanshu.api.auth import PartnerSignature
from xuanshu.api.errors import ApiError, install_error_handlers, not_found_error, render
from xuanshu.api.models import Partner
from xuanshu.api.openapi import PartnerApi, description, tips_operation_extra
from xuanshu.api.parsing import parse_idempotency_key, parse_tip
from xuanshu.api.schemas import ErrorOut, TipReceipt
from xuanshu.api.services import TipOutcome, submit_tip
from xuanshu.core.ratelimit import hit
from xuanshu.intake.notices import held_nomination_notice

RATE_WINDOW_SECONDS = 60

api = PartnerApi(
    title="xuanshu partner API", version="1.0.0", description=description(), urls_namespace="api-v1", docs_url=None,
)
install_error_handlers(api)

ERROR_RESPONSES = {status: ErrorOut for status in (400, 401, 403, 411, 413, 415, 422, 429)}


@api.post(
    "/tips", auth=PartnerSignature(), operation_id="submit_tip", summary="Send a tip",
    response={201: TipReceipt, 200: TipReceipt, **ERROR_RESPONSES},
    openapi_extra=tips_operation_extra(),
)
def submit_tip_view(request):
    """Store one tip (JSON, or multipart with images). 201 when new, 200 when it repeats an earlier request."""
    partner: Partner = request.auth
    _check_rate_limit(partner)
    idempotency_key = parse_idempotency_key(request.headers.get("Idempotency-Key"))
    outcome = submit_tip(partner=partner, tip=parse_tip(request), idempotency_key=idempotency_key)
    return Status(201 if outcome.created else 200, receipt(outcome))


@api.api_operation(["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"], "/tips", include_in_schema=False)
def tips_other_methods(request):
    return render(api, request, ApiError(405, "method_not_allowed", _("Use POST to send a tip."), headers={"Allow": "POST"}))


def receipt(outcome: TipOutcome) -> TipReceipt:
    held = outcome.held_because
    return TipReceipt(
        inbound_id=outcome.inbound.pk, is_nomination=outcome.is_nomination,
        reference=outcome.inbound.reference, status_path=outcome.status_path,
        status_url=outcome.status_url, status_link_path=outcome.status_link_path,
        held_because=held, notice=held_nomination_notice(outcome.inbound.campaign, held) if held else None,
    )


def _check_rate_limit(partner: Partner) -> None:
    if not hit("api-partner", str(partner.pk), limit=partner.rate_limit_per_minute, window_seconds=RATE_WINDOW_SECONDS):
        # core.ratelimit counts in fixed windows; the current one ends at the next multiple of the window.
        retry_after = max(1, math.ceil(RATE_WINDOW_SECONDS - time.time() % RATE_WINDOW_SECONDS))
        raise ApiError(429, "rate_limited", _("Too many requests from this partner key. Retry after %(seconds)s seconds.")
                       % {"seconds": retry_after}, headers={"Retry-After": str(retry_after)})


@csrf_exempt  # partners send no CSRF token: a POST to a mistyped path would get Django's HTML 403 page instead
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any other path under /api/: the same error shape, not Django's HTML page."""
    return render(api, request, not_found_error())
