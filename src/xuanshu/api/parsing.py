"""Turn the signed request body and headers into an IncomingTip, or a clear 4xx."""
import codecs
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
    """Validate a JSON body; the body is kept as sent, a UTF-8 byte order mark included (many Windows tools write
    one, RFC 8259 §8.1 lets a parser ignore it, and Python's json.loads does when the record is read again)."""
    try:
        validated = TipIn.model_validate_json(body.removeprefix(codecs.BOM_UTF8))
    except pydantic.ValidationError as error:
        errors = error.errors(include_url=False)
        invalid = next((entry for entry in errors if entry["type"] == "json_invalid"), None)
        if invalid is not None:
            raise ApiError(400, "malformed_json", _("The request body is not valid JSON (UTF-8)."),
                           details=[_json_problem(body, invalid)]) from None
        raise invalid_request(validation_details(errors)) from None
    return IncomingTip(record=tip_from_json(validated.model_dump()), raw_body=body)


_JSON_POSITION = re.compile(r"at line (\d+) column (\d+)$")
_UTF16_OR_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _json_problem(body: bytes, invalid: dict) -> dict:
    """Why the body is not JSON, in the request's language: another encoding than UTF-8, or where the syntax breaks."""
    if body.startswith(_UTF16_OR_32_BOMS):
        return detail(["body"], "not_utf8", _("The body is UTF-16 or UTF-32 (it starts with that byte order mark): send UTF-8."))
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        return detail(["body"], "not_utf8", _(
            "The body is not UTF-8: the byte at offset %(offset)s cannot be read. Send the JSON encoded in UTF-8."
        ) % {"offset": error.start})
    position = _JSON_POSITION.search(str((invalid.get("ctx") or {}).get("error", "")))
    if position is None:
        return detail(["body"], "json_invalid", _("The body is not valid JSON."))
    return detail(["body"], "json_invalid", _("The body is not valid JSON: the error is at line %(line)s, column %(column)s.")
                  % {"line": position.group(1), "column": position.group(2)})


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
