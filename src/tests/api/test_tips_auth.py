"""Signed requests only: good, bad, stale, missing, revoked; a refused request stores nothing."""
import dataclasses
import time

import pytest

from tests.api.conftest import TIPS_PATH, error_of, fixture_bytes, post_json, signed_headers, stored
from xuanshu.api.services import revoke_partner
from xuanshu.intake.models import InboundMessage

pytestmark = pytest.mark.django_db


def test_a_correctly_signed_request_is_accepted(client, partner):
    assert post_json(client, partner, fixture_bytes("reader_tip.json")).status_code == 201


@pytest.mark.parametrize("missing", ["X-Partner-Key", "X-Timestamp", "X-Signature"])
def test_each_signing_header_is_required(client, partner, missing):
    body = fixture_bytes("reader_tip.json")
    headers = {name: value for name, value in signed_headers(partner, body).items() if name != missing}
    response = client.generic("POST", TIPS_PATH, data=body, content_type="application/json", headers={**headers, "Accept-Language": "en"})
    assert error_of(response) == (401, "missing_credentials")
    assert response.json()["error"]["message"] == "Sign the request: send the X-Partner-Key, X-Timestamp and X-Signature headers."
    assert response["WWW-Authenticate"] == 'XUANSHU-HMAC-SHA256 realm="partner-api"'


def test_a_changed_body_breaks_the_signature(client, partner):
    body = fixture_bytes("reader_tip.json")
    headers = signed_headers(partner, body)
    tampered = body.replace("红绿灯".encode(), "路灯灯".encode())
    response = client.generic("POST", TIPS_PATH, data=tampered, content_type="application/json", headers={**headers, "Accept-Language": "en"})
    assert error_of(response) == (401, "bad_signature")
    assert response.json()["error"]["message"] == (
        "The signature does not match. Sign the timestamp, method, path and body exactly as sent."
    )
    assert InboundMessage.objects.count() == 0


@pytest.mark.parametrize("sign_options", [
    {"path": "/api/v1/other"},  # a signature for another path
    {"method": "PUT"},  # or another method
])
def test_the_signature_covers_method_and_path(client, partner, sign_options):
    assert error_of(post_json(client, partner, fixture_bytes("reader_tip.json"), **sign_options)) == (401, "bad_signature")


def test_a_signature_made_with_another_secret_is_refused(client, partner, unbound_partner):
    forged = dataclasses.replace(partner, secret=unbound_partner.secret)
    assert error_of(post_json(client, forged, fixture_bytes("reader_tip.json"))) == (401, "bad_signature")


@pytest.mark.parametrize("offset", [-400, 400, -86400])  # well clear of 300 s: whole-second stamps round down
def test_a_timestamp_outside_the_window_is_stale(client, partner, offset):
    before = stored()
    response = post_json(client, partner, fixture_bytes("reader_tip.json"), timestamp=int(time.time()) + offset)
    assert error_of(response) == (401, "stale_timestamp")
    assert response.json()["error"]["message"] == (
        "X-Timestamp is more than 300 seconds away from the server clock. Sign every request, retries included, when you send it."
    )
    assert stored() == before


def test_the_freshness_window_is_a_setting(client, partner, settings):
    settings.API_SIGNATURE_MAX_AGE = 30
    stale = post_json(client, partner, fixture_bytes("reader_tip.json"), timestamp=int(time.time()) - 60)
    assert error_of(stale) == (401, "stale_timestamp")


def test_a_timestamp_inside_the_window_is_accepted(client, partner):
    assert post_json(client, partner, fixture_bytes("reader_tip.json"), timestamp=int(time.time()) - 200).status_code == 201


@pytest.mark.parametrize("timestamp", ["2024-06-11T10:00:00Z", "1718090000.5", "-5"])
def test_a_timestamp_must_be_whole_unix_seconds(client, partner, timestamp):
    assert error_of(post_json(client, partner, fixture_bytes("reader_tip.json"), timestamp=timestamp)) == (401, "invalid_timestamp")


def test_a_revoked_key_is_refused(client, partner):
    revoke_partner(name="qilu-yidian")
    response = post_json(client, partner, fixture_bytes("reader_tip.json"))
    assert error_of(response) == (401, "invalid_credentials")
    assert response.json()["error"]["message"] == "This partner key is unknown or has been revoked."


def test_an_unknown_key_is_refused(client, partner):
    stranger = dataclasses.replace(partner, key="pk_000000000000000000000000")
    assert error_of(post_json(client, stranger, fixture_bytes("reader_tip.json"))) == (401, "invalid_credentials")
