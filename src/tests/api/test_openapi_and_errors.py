"""The served OpenAPI document, and one error shape everywhere under /api/ (404, 405, 500 included)."""
import json
import logging

import pytest
from django.utils import translation
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tests.api.conftest import TIPS_PATH, error_of, post_json, post_multipart
from xuanshu.api import views

pytestmark = pytest.mark.django_db


def test_the_schema_documents_both_media_types_the_headers_and_the_signing_scheme(client):
    response = client.get("/api/v1/openapi.json")
    schema = response.json()
    operation = schema["paths"]["/api/v1/tips"]["post"]
    assert (response.status_code, schema["openapi"], list(schema["paths"])) == (200, "3.1.0", ["/api/v1/tips"])
    assert {media: body["schema"] for media, body in operation["requestBody"]["content"].items()} == {
        "application/json": {"$ref": "#/components/schemas/TipIn"},
        "multipart/form-data": {"$ref": "#/components/schemas/TipForm"},
    }
    assert [(p["name"], p["required"]) for p in operation["parameters"]] == [
        ("X-Timestamp", True), ("X-Signature", True), ("Idempotency-Key", False),
    ]
    assert sorted(operation["responses"]) == ["200", "201", "400", "401", "403", "411", "413", "415", "422", "429"]
    assert operation["security"] == [{"PartnerSignature": []}]
    assert schema["components"]["securitySchemes"]["PartnerSignature"] == {
        "type": "apiKey", "in": "header", "name": "X-Partner-Key",
        "description": "The partner key. Each request also carries X-Timestamp and X-Signature; see the API description.",
    }
    components = schema["components"]["schemas"]
    assert (components["TipIn"]["required"], components["TipIn"]["additionalProperties"]) == (["content"], False)
    assert components["TipIn"]["properties"]["contact"] == {
        "anyOf": [{"$ref": "#/components/schemas/ContactIn"}, {"type": "null"}], "default": None,
    }
    assert components["TipForm"]["properties"]["images"]["items"] == {"type": "string", "format": "binary"}
    assert 'X-Signature`: lower-case hex of HMAC-SHA256' in schema["info"]["description"]
    assert '"{timestamp}\\n{METHOD}\\n{path}\\n"' in schema["info"]["description"]


def test_other_methods_on_tips_get_a_405_in_the_error_shape(client):
    response = client.get(TIPS_PATH, headers={"Accept-Language": "en"})
    assert (error_of(response), response["Allow"], response.json()["error"]["message"]) == (
        (405, "method_not_allowed"), "POST", "Use POST to send a tip.",
    )


@pytest.mark.parametrize("path", ["/api/", "/api/v2/tips", "/api/v1/tips/1"])
def test_unknown_paths_get_a_404_in_the_error_shape(client, path):
    response = client.post(path, headers={"Accept-Language": "en"})
    assert (error_of(response), response.json()["error"]["message"]) == (
        (404, "not_found"), "There is no such endpoint in the partner API.",
    )


@pytest.mark.parametrize("path", ["/api/v1/tips/", "/api/v2/tips", "/api/"])
def test_a_post_to_a_mistyped_path_gets_the_json_404_not_a_csrf_page(path):
    # A partner's client sends no CSRF cookie; the test client's default skips the check and hid this.
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(path, b"{}", content_type="application/json",
                                                     headers={"Accept-Language": "en"})
    assert (error_of(response), response["Content-Type"]) == ((404, "not_found"), "application/json; charset=utf-8")


def test_an_unexpected_failure_is_a_logged_500_in_the_error_shape(client, partner, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(views, "submit_tip", broken)
    with caplog.at_level(logging.ERROR, logger="xuanshu.api"):
        response = post_json(client, partner, {"content": "东昌路的红绿灯坏了。"})
    assert error_of(response) == (500, "internal_error")
    assert "disk on fire" not in response.content.decode()
    assert [(record.getMessage(), record.exc_info[1].args) for record in caplog.records
            if record.name == "xuanshu.api"] == [
        ("partner API: unexpected error on POST /api/v1/tips", ("disk on fire",)),
    ]


@pytest.mark.parametrize(("exception", "expected"), [
    (ValidationError([{"type": "missing", "loc": ("header", "x-example"), "msg": "Field required", "ctx": {"error": ValueError()}}]),
     (422, "validation_error", [{"loc": ["header", "x-example"], "code": "missing", "message": "Field required"}])),
    (AuthenticationError(), (401, "missing_credentials", [])),
    (HttpError(400, "Cannot parse request body"), (400, "http_error", [])),
])
def test_ninjas_own_errors_share_the_shape(rf, exception, expected):
    with translation.override("en"):
        response = views.api.on_exception(rf.post(TIPS_PATH), exception)
    body = json.loads(response.content)
    assert (response.status_code, body["error"]["code"], body["error"]["details"]) == expected


def test_the_error_details_are_documented(client):
    schema = client.get("/api/v1/openapi.json").json()
    properties = schema["components"]["schemas"]["ErrorDetail"]["properties"]
    assert (properties["code"]["description"], properties["message"]["description"]) == (
        "Stable, for programs. For schema errors, pydantic's error type: missing, extra_forbidden, string_type, "
        "string_too_long, string_too_short, string_pattern_mismatch, model_attributes_type, value_error.",
        "For the developer, in the language of Accept-Language, like the error's message.",
    )
    assert "and `message` follows `Accept-Language` like the error's own message." in schema["info"]["description"]
    assert "A UTF-8 byte order mark at its start (many Windows tools write one) is accepted" in schema["info"]["description"]


WRONG_EVERYWHERE = {"tag": "x" * 51, "contents": "typo", "contact": {"phone": "12345", "name": 5}, "tip_id": "has space",
                    "campaign": [1]}
EMPTY_AND_NUL = {"content": "", "contact": "李明", "app_user_id": "u\x001"}
DETAILS = {  # (loc, code) -> (English, Chinese)
    ("tip_id", "string_pattern_mismatch"): ("String should match pattern '^[!-~]*$'", "格式不符，应匹配正则表达式 '^[!-~]*$'。"),
    ("tag", "string_too_long"): ("String should have at most 50 characters", "最多 50 个字符。"),
    ("content", "missing"): ("Field required", "缺少必填字段。"),
    ("contact.name", "string_type"): ("Input should be a valid string", "应为字符串。"),
    ("contact.phone", "value_error"): ("Enter a valid mainland mobile number or a landline with area code.",
                                       "请输入有效的手机号码或带区号的固话号码。"),
    ("campaign", "string_type"): ("Input should be a valid string", "应为字符串。"),
    ("contents", "extra_forbidden"): ("Extra inputs are not permitted", "不接受此字段（接口中没有这个字段）。"),
    ("content", "string_too_short"): ("String should have at least 1 character", "至少 1 个字符。"),
    ("contact", "model_attributes_type"): ("Input should be an object", "应为 JSON 对象。"),
    ("app_user_id", "value_error"): ("Must not contain NUL characters.", "不能含有 NUL 字符。"),
}


def expected_details(language: int, *keys: tuple[str, str]) -> list[dict]:
    return [{"loc": loc.split("."), "code": code, "message": DETAILS[loc, code][language]} for loc, code in keys]


@pytest.mark.parametrize(("accept_language", "language"), [("en", 0), ("zh-hans", 1), ("", 1)])
def test_schema_error_details_are_in_the_requests_language(client, partner, accept_language, language):
    everywhere = post_json(client, partner, WRONG_EVERYWHERE, headers={"Accept-Language": accept_language})
    empty = post_json(client, partner, EMPTY_AND_NUL, headers={"Accept-Language": accept_language})
    form = post_multipart(client, partner, {"tag": "推荐出彩聊城人", "contents": "typo"}, headers={"Accept-Language": accept_language})
    assert [response.json()["error"]["details"] for response in (everywhere, empty, form)] == [
        expected_details(language, ("tip_id", "string_pattern_mismatch"), ("tag", "string_too_long"), ("content", "missing"),
                         ("contact.name", "string_type"), ("contact.phone", "value_error"), ("campaign", "string_type"),
                         ("contents", "extra_forbidden")),
        expected_details(language, ("content", "string_too_short"), ("contact", "model_attributes_type"),
                         ("app_user_id", "value_error")),
        expected_details(language, ("content", "missing"), ("contents", "extra_forbidden")),
    ]
    assert {error_of(response) for response in (everywhere, empty, form)} == {(422, "validation_error")}


def test_an_error_our_schemas_do_not_raise_still_gets_a_message_in_the_requests_language(rf):
    error = ValidationError([{"type": "int_parsing", "loc": ("query", "page"), "msg": "Input should be a valid integer"}])
    with translation.override("zh-hans"):
        response = views.api.on_exception(rf.post(TIPS_PATH), error)
    assert json.loads(response.content)["error"]["details"] == [{"loc": ["query", "page"], "code": "int_parsing", "message": "此值无效。"}]
