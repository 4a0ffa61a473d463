"""Schemathesis against the served OpenAPI document, in-process through Django's WSGI handler.

Every generated request is signed the way a partner client signs it, over the exact bytes the server
reads, by a small WSGI wrapper: schemathesis' auth hooks run before the body is encoded (and multipart
boundaries are chosen), so they cannot sign it. No request may get a 5xx, and every answer must be one the
document describes (status, media type, body schema, headers).
"""
import io
import time

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings, strategies
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from xuanshu.api.models import Partner
from xuanshu.api.partner_keys import sign

pytestmark = pytest.mark.django_db(transaction=True)  # processing runs after commit, so it is fuzzed too

EXAMPLES = 200  # positive and negative cases together; about 5 s on SQLite, 15 s on PostgreSQL
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


def signing_client_app(app, *, key: str, secret: str):
    """Wrap a WSGI app so each request carries a valid X-Partner-Key, X-Timestamp and X-Signature."""

    def signed(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        query = environ.get("QUERY_STRING", "")
        path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        timestamp = str(int(time.time()))
        environ = {
            **environ,
            "wsgi.input": io.BytesIO(body),
            "HTTP_X_PARTNER_KEY": key,
            "HTTP_X_TIMESTAMP": timestamp,
            "HTTP_X_SIGNATURE": sign(secret, timestamp=timestamp, method=environ["REQUEST_METHOD"], path=path, body=body),
        }
        return app(environ, start_response)

    return signed


def test_generated_requests_get_documented_answers_never_a_server_error(partner):
    Partner.objects.filter(pk=partner.partner.pk).update(rate_limit_per_minute=10_000)
    app = signing_client_app(WSGIHandler(), key=partner.key, secret=partner.secret)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/api/v1/tips"]["POST"]
    answered = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=strategies.one_of(
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    ))
    def check(case):
        response = case.call()
        answered.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    check()
    # The run reached the storing path, not only the refusals.
    assert 201 in answered, sorted(set(answered))
