"""What the OpenAPI document says beyond what ninja derives: the signing scheme, both body media types,
the signing and idempotency headers."""
from ninja import NinjaAPI

from xuanshu.api import conf
from xuanshu.api.parsing import IDEMPOTENCY_KEY_MAX_LENGTH, IMAGES_FIELD
from xuanshu.api.schemas import TipForm, TipIn

IMAGE_MEDIA_TYPES = "image/jpeg, image/png, image/gif, image/webp, image/bmp, image/heic, image/heif"
MAX_IMAGES = 9


def description() -> str:
    return f"""\
Tips from partner apps (the 齐鲁壹点 app's 情报站) into the newspaper's campaigns, such as 《出彩聊城人》.
A tip whose tag or text carries the campaign keyword (推荐出彩聊城人) becomes a nomination with a reference
number the user can look up; any other tip is kept for the editors. Outside the campaign's nomination period
(before it opens or after it closes) a nominating tip is kept for the editors too: the answer then has
`is_nomination: false`, `held_because` (`not_yet_open` or `closed`) and a `notice` to show the user.

A nomination's answer carries its `reference` and `status_url`, the full address of the nomination's own status page
(signed: it opens without the phone digits), for the app to show or open. `status_url` is null while the public site's
origin is not configured; `status_link_path` is that page's path then, and `status_path` the lookup page (reference
number and phone). A retry of the request answers the same reference and link.

## Signing every request
Send three headers with each request:

* `X-Partner-Key`: your key (`pk_…`).
* `X-Timestamp`: the current Unix time in whole seconds, e.g. `1718090000`.
* `X-Signature`: lower-case hex of HMAC-SHA256, keyed with your secret (`sk_…`, its UTF-8 bytes), over
  `"{{timestamp}}\\n{{METHOD}}\\n{{path}}\\n"` followed by the request body bytes exactly as sent.
  `path` is the request path with its query string, if any: `/api/v1/tips`.

A timestamp more than {conf.signature_max_age()} seconds away from the server clock is refused (`stale_timestamp`),
so sign each retry again when you send it. Signatures are compared in constant time. In Python:

    timestamp = str(int(time.time()))
    body = json.dumps(tip, ensure_ascii=False).encode()
    message = f"{{timestamp}}\\nPOST\\n/api/v1/tips\\n".encode() + body
    signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

For multipart requests, sign the encoded multipart body (boundary included) that you send. Send the body
with a `Content-Length` header; a chunked body is refused (`411`).

A JSON body is UTF-8. A UTF-8 byte order mark at its start (many Windows tools write one) is accepted and ignored
when the JSON is read; it is still part of the body bytes you sign.

## Retries
Send an `Idempotency-Key` (a UUID is ideal) with every new tip, and the same key when you retry it.
The same key with the same body answers `200` with the first response and stores nothing again; the same
key with a different body answers `422` `idempotency_key_reused` (draft-ietf-httpapi-idempotency-key-header).
Without the header, a non-empty `tip_id` plays the same role. Without either, every request is a new tip.

## Limits
* A JSON body up to {conf.max_json_body_bytes()} bytes; a multipart body up to {conf.max_multipart_body_bytes()} bytes.
* Up to {MAX_IMAGES} images (`{IMAGES_FIELD}` parts) of 10 MiB each: JPEG, PNG, GIF, WebP, BMP or HEIC/HEIF. Images are decoded and
  re-encoded; their metadata (EXIF, GPS) is dropped. One unreadable image refuses the whole tip.
* A number of requests per minute per partner key; beyond it, `429` with `Retry-After` (seconds).

## Errors
Every error has the same shape: `{{"error": {{"code": "…", "message": "…", "details": [{{"loc": […], "code": "…", "message": "…"}}]}}}}`.
`code` is stable; `message` follows `Accept-Language` (`zh-hans` by default, `en` available).
In `details`, `loc` and `code` are stable too (for `validation_error`, `code` is pydantic's error type: `missing`,
`extra_forbidden`, `string_type`, `string_too_long`, `string_too_short`, `string_pattern_mismatch`,
`model_attributes_type`, `value_error`), and `message` follows `Accept-Language` like the error's own message.
`malformed_json` says why in its one detail (`loc` `["body"]`): `not_utf8`, or `json_invalid` with the line and column.
Codes: `missing_credentials`, `invalid_credentials`, `invalid_timestamp`, `stale_timestamp`, `bad_signature` (401);
`malformed_json`, `malformed_multipart`, `invalid_idempotency_key` (400); `campaign_not_allowed` (403);
`not_found` (404); `method_not_allowed` (405); `length_required` (411); `body_too_large`, `too_many_parts` (413); `unsupported_media_type` (415);
`validation_error`, `campaign_required`, `unknown_campaign`, `too_many_images`, `image_rejected`,
`idempotency_key_reused` (422); `rate_limited` (429); `internal_error` (500).
"""


def tips_operation_extra() -> dict:
    """Request body (JSON or multipart), the signing and idempotency headers, Retry-After on 429."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/TipIn"}},
                "multipart/form-data": {
                    "schema": {"$ref": "#/components/schemas/TipForm"},
                    "encoding": {IMAGES_FIELD: {"contentType": IMAGE_MEDIA_TYPES}},
                },
            },
        },
        "parameters": [
            {"name": "X-Timestamp", "in": "header", "required": True, "description": "Unix time in whole seconds.",
             "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"}},
            {"name": "X-Signature", "in": "header", "required": True, "description": "Hex HMAC-SHA256; see the description.",
             "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
            {"name": "Idempotency-Key", "in": "header", "required": False,
             "description": "The same key on every retry of one tip; a new key for a new tip.",
             "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH}},
        ],
        "responses": {429: {"headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}}},
    }


def request_component_schemas() -> dict:
    schemas = {}
    for model in (TipIn, TipForm):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="validation")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemas["TipForm"]["properties"][IMAGES_FIELD] = {
        "type": "array", "maxItems": MAX_IMAGES, "description": "Photos, each a file part named images.",
        "items": {"type": "string", "format": "binary"},
    }
    return schemas


class PartnerApi(NinjaAPI):
    """NinjaAPI whose document also carries the request schemas the tips operation parses itself."""

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema["components"]["schemas"].update(request_component_schemas())
        return schema
