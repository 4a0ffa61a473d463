"""Turn the signed request body and headers into an IncomingTip, or a clear 4xx."""
import re

import pydantic
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.translation import gettext as _

from xuanshu.api.errors import ApiError, detail, invalid_request, validation_details
from xuanshu.api.schemas import TipForm, TipIn
from xuanshu.api.services import IncomingTip
from xuanshu.intake.channels.api.record import tip_from_form, tip_from_json

ACCEPTED_MEDIA_TYPES = "application/json, multipart/form-data"
IMAGES_FIELD = "images"
IDEMPOTENCY_KEY_MAX_LENGTH = 200
_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7e]+$")


def parse_idempotency_key(header: str | None) -> str | None:
    """The Idempotency-Key header: a structured-field string ("...") as the IETF draft has it, or a bare token."""
    if header is None:
        return None
    value = header.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = re.sub(r'\\(["\\])', r"\1", value[1:-1])
    if not (0 < len(value) <= IDEMPOTENCY_KEY_MAX_LENGTH and _PRINTABLE_ASCII.match(value)):
        raise ApiError(400, "invalid_idempotency_key", _(
            "Idempotency-Key must be 1 to %(max)s printable ASCII characters, such as a UUID."
        ) % {"max": IDEMPOTENCY_KEY_MAX_LENGTH}, details=[detail(["header", "Idempotency-Key"], "invalid")])
    return value


def parse_tip(request: HttpRequest) -> IncomingTip:
    if request.content_type == "application/json":
        charset = request.content_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise unsupported_media_type()
        return _json_tip(request.signed_body.read())
    if request.content_type == "multipart/form-data":
        return _multipart_tip(request)
    raise unsupported_media_type()


def unsupported_media_type() -> ApiError:
    return ApiError(415, "unsupported_media_type", _(
        "Send the tip as application/json (UTF-8), or as multipart/form-data when it has images."
    ), headers={"Accept-Post": ACCEPTED_MEDIA_TYPES})


def _json_tip(body: bytes) -> IncomingTip:
    try:
        validated = TipIn.model_validate_json(body)
    except pydantic.ValidationError as error:
        errors = error.errors(include_url=False)
        if any(entry["type"] == "json_invalid" for entry in errors):
            raise ApiError(400, "malformed_json", _("The request body is not valid JSON (UTF-8).")) from None
        raise invalid_request(validation_details(errors)) from None
    return IncomingTip(record=tip_from_json(validated.model_dump()), raw_body=body)


def _multipart_tip(request: HttpRequest) -> IncomingTip:
    try:
        fields, files = MultiPartParser(request.META, request.signed_body, request.upload_handlers, "utf-8").parse()
    except RequestDataTooBig:
        raise ApiError(413, "body_too_large", _("The form fields are too large.")) from None
    except (TooManyFieldsSent, TooManyFilesSent):
        raise ApiError(413, "too_many_parts", _("The form has too many fields or files.")) from None
    except MultiPartParserError:
        raise ApiError(400, "malformed_multipart", _("The multipart body cannot be read.")) from None
    problems = [detail([name], "extra_forbidden", _("Send files only as “images”.")) for name in files if name != IMAGES_FIELD]
    if IMAGES_FIELD in fields:
        problems.append(detail([IMAGES_FIELD], "not_a_file", _("Each “images” part must be a file with a filename.")))
    if problems:
        raise invalid_request(problems)
    form = {name: values[0] if len(values) == 1 else values for name, values in fields.lists()}
    try:
        TipForm.model_validate(form)
    except pydantic.ValidationError as error:
        raise invalid_request(validation_details(error.errors(include_url=False))) from None
    return IncomingTip(record=tip_from_form(form), form_fields=form, uploads=files.getlist(IMAGES_FIELD))
