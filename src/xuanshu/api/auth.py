"""Request signing: who is calling (X-Partner-Key), when (X-Timestamp) and proof (X-Signature).

The body is read here, once, while it is hashed: capped by its declared length before reading and
by what actually arrives while reading, and spooled to disk past 1 MiB. The view parses the spool.
"""
import re
import tempfile
import time

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader

from xuanshu.api import conf, partner_keys
from xuanshu.api.errors import ApiError, missing_credentials_message, unauthorized
from xuanshu.api.models import Partner
from xuanshu.api.selectors import active_partner_by_key

CHUNK_BYTES = 64 * 1024
SPOOL_IN_MEMORY_BYTES = 1024 * 1024
_UNIX_SECONDS = re.compile(r"^[0-9]{1,12}$")


def body_limit(request: HttpRequest) -> int:
    if request.content_type == "multipart/form-data":
        return conf.max_multipart_body_bytes()
    return conf.max_json_body_bytes()


def body_too_large(limit: int) -> ApiError:
    return ApiError(413, "body_too_large", _("The request body is larger than %(limit)s bytes.") % {"limit": limit})


class PartnerSignature(APIKeyHeader):
    param_name = "X-Partner-Key"
    openapi_description = (
        "The partner key. Each request also carries X-Timestamp and X-Signature; see the API description."
    )

    def authenticate(self, request: HttpRequest, key: str | None) -> Partner:
        timestamp = request.headers.get("X-Timestamp", "")
        signature = request.headers.get("X-Signature", "")
        if not (key and timestamp and signature):
            raise unauthorized("missing_credentials", missing_credentials_message())
        partner = active_partner_by_key(key.strip())
        if partner is None:
            raise unauthorized("invalid_credentials", _("This partner key is unknown or has been revoked."))
        timestamp = timestamp.strip()
        if not _UNIX_SECONDS.match(timestamp):
            raise unauthorized("invalid_timestamp", _("X-Timestamp must be the current Unix time in whole seconds."))
        max_age = conf.signature_max_age()
        if abs(time.time() - int(timestamp)) > max_age:
            raise unauthorized("stale_timestamp", _(
                "X-Timestamp is more than %(seconds)s seconds away from the server clock. "
                "Sign every request, retries included, when you send it."
            ) % {"seconds": max_age})
        mac = partner_keys.start_signature(
            partner_keys.decrypt_secret(partner.secret_ciphertext),
            timestamp=timestamp, method=request.method, path=request.get_full_path(),
        )
        request.signed_body = _read_body(request, mac)
        if not partner_keys.signatures_match(mac.hexdigest(), signature):
            raise unauthorized("bad_signature", _(
                "The signature does not match. Sign the timestamp, method, path and body exactly as sent."
            ))
        return partner


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _read_body(request: HttpRequest, mac) -> tempfile.SpooledTemporaryFile:
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # WSGI hands a chunked body over without a length; Django would read it as empty.
        raise ApiError(411, "length_required", _("Send the body with a Content-Length header, not chunked."))
    limit = body_limit(request)
    if _declared_length(request) > limit:
        raise body_too_large(limit)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)
    received = 0
    while chunk := request.read(CHUNK_BYTES):
        received += len(chunk)
        if received > limit:
            spool.close()
            raise body_too_large(limit)
        mac.update(chunk)
        spool.write(chunk)
    spool.seek(0)
    return spool
