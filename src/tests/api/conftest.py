"""Partner API fixtures: partners with issued credentials, and a client that signs like a partner does."""
import json
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test.client import encode_multipart

from xuanshu.api.partner_keys import sign
from xuanshu.api.services import IssuedCredentials, add_partner
from xuanshu.intake.models import Attachment, InboundMessage
from xuanshu.nominations.models import Nomination

TIPS_PATH = "/api/v1/tips"
FIXTURES = Path(__file__).resolve().parents[2] / "xuanshu" / "intake" / "channels" / "api" / "fixtures"
BOUNDARY = "xuanshu-test-boundary-7MA4YWxkTrZu0gW"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """Stored images go to this test's directory, not the session's shared MEDIA_ROOT other suites count."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def partner(campaign) -> IssuedCredentials:
    """The 齐鲁壹点 app, bound to the seed campaign."""
    return add_partner(name="qilu-yidian", campaign=campaign)


@pytest.fixture
def unbound_partner(campaign) -> IssuedCredentials:
    return add_partner(name="dazhong-news")


def signed_headers(credentials: IssuedCredentials, body: bytes, *, method="POST", path=TIPS_PATH, timestamp=None) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "X-Partner-Key": credentials.key,
        "X-Timestamp": timestamp,
        "X-Signature": sign(credentials.secret, timestamp=timestamp, method=method, path=path, body=body),
    }


def post_json(client, credentials, document, *, headers=None, content_type="application/json", **sign_options):
    """POST a tip as JSON, signed; `document` is bytes as sent, or a dict to encode."""
    body = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
    all_headers = {**signed_headers(credentials, body, **sign_options), "Accept-Language": "en", **(headers or {})}
    # generic() sends the bytes as they are; post() would re-encode them to a declared charset.
    return client.generic("POST", TIPS_PATH, data=body, content_type=content_type, headers=all_headers)


def multipart_body(fields: dict, images=()) -> bytes:
    """A multipart body as a partner's HTTP library sends it; `images` are (filename, bytes, content type)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = dict(fields)
    if images:
        data["images"] = [SimpleUploadedFile(name, raw, content_type=kind) for name, raw, kind in images]
    return encode_multipart(BOUNDARY, data)


def post_multipart(client, credentials, fields: dict, images=(), *, headers=None, boundary=BOUNDARY):
    body = multipart_body(fields, images).replace(BOUNDARY.encode(), boundary.encode())
    all_headers = {**signed_headers(credentials, body), "Accept-Language": "en", **(headers or {})}
    return client.generic("POST", TIPS_PATH, data=body, content_type=f"multipart/form-data; boundary={boundary}",
                          headers=all_headers)


def stored() -> tuple[int, int, int, int]:
    """(inbound messages, nominations, attachments, files under MEDIA_ROOT): what a refused request must not change."""
    media_files = sum(len(files) for _, _, files in os.walk(settings.MEDIA_ROOT))
    return InboundMessage.objects.count(), Nomination.objects.count(), Attachment.objects.count(), media_files


def error_of(response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return response.status_code, body["error"]["code"]
