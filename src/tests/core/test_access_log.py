"""uvicorn's access log keeps each request's method, path and status, but not its query string: that may carry
what a citizen was handed (WeChat's OAuth `code=` and `state=`, a token). Contacts in the path are masked."""
import io
import logging
import os
import re
import subprocess
import sys

import pytest
from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter

from tests.core.test_error_logging import _free_port, _request, _site_env
from tests.helpers import wait_until_serving
from xuanshu.core.logs import redact_request_target
from xuanshu.core.webserver import web_server_args

SECRETS = ("081AbcDEF2gh3SECRET", "st4teSECRET", "13812345678", "CCLC2024-000001")


@pytest.mark.parametrize(("target", "logged"), [
    ("/c/chucai/vote/wechat/callback/?code=081AbcDEF2gh3SECRET&state=st4teSECRET", "/c/chucai/vote/wechat/callback/?…"),
    ("/c/chucai/status/?ref=CCLC2024-000001", "/c/chucai/status/?…"),
    ("/intake/wechat/qlwb/?", "/intake/wechat/qlwb/?…"),
    ("/c/13812345678/", "/c/138****5678/"),
    # uvicorn logs the path percent-encoded: a space between groups arrives as %20.
    ("/c/6222%200212%203456%207890%20123/", "/c/6222%20****%20****%20***0%20123/"),
    ("/c/6222-0212-3456-7890/", "/c/6222-****-****-7890/"),
    ("/c/%E5%8D%A1%E5%8F%B76222%E3%80%800212%E3%80%803456%E3%80%807890/",
     "/c/%E5%8D%A1%E5%8F%B76222%E3%80%80****%E3%80%80****%E3%80%807890/"),
    ("/c/138%201234%205678/%FF", "/c/138%20****%205678/%FF"),
    ("/c/chucai/status/Xk3_tokenSECRET-9/", "/c/chucai/status/…/"),
    ("/c/chucai/nominate/thanks/Xk3_tokenSECRET-9/", "/c/chucai/nominate/thanks/…/"),
    ("/c/chucai/status/", "/c/chucai/status/"),
    ("/console/nominations/CCLC2024-000001/", "/console/nominations/CCLC2024-000001/"),
    ("/", "/"),
])
def test_a_request_target_loses_its_query_string_and_link_token(target, logged):
    assert redact_request_target(target) == logged


@pytest.fixture
def access_log():
    """uvicorn's access logger as uvicorn's default log config sets it up (handler, formatter, level), into a
    buffer; the site's logging (settings.LOGGING_CONFIG) was applied when the test process set Django up."""
    logger = logging.getLogger("uvicorn.access")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(AccessFormatter(fmt=LOGGING_CONFIG["formatters"]["access"]["fmt"], use_colors=False))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield buffer
    logger.removeHandler(handler)
    logger.setLevel(level)
    logger.propagate = propagate


def test_an_access_record_shaped_like_uvicorns_is_logged_without_its_query(access_log):
    # As uvicorn.protocols.http.httptools_impl logs each response.
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "203.0.113.7:51234", "GET",
        "/c/chucai/vote/wechat/callback/?code=081AbcDEF2gh3SECRET&state=st4teSECRET", "1.1", 302,
    )
    assert access_log.getvalue() == 'INFO:     203.0.113.7:51234 - "GET /c/chucai/vote/wechat/callback/?… HTTP/1.1" 302 Found\n'


def test_the_production_server_logs_requests_without_query_strings(tmp_path):
    """uvicorn serving xuanshu.voting.asgi as `python -m xuanshu serve` runs it, access lines on its stdout.

    The database has no tables: the full site answers 500, the lean vote path answers without one."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    stdout_path, stderr_path = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with open(stdout_path, "w") as stdout, open(stderr_path, "w") as stderr:
        server = subprocess.Popen([sys.executable, "-m", *web_server_args(host="127.0.0.1", port=port, workers=1)],
                                  env=_site_env(tmp_path, PYTHONUNBUFFERED="1"), stdout=stdout, stderr=stderr,
                                  start_new_session=True)
        try:
            wait_until_serving(base, stderr_path)
            statuses = [
                _request(f"{base}/v/ping?code=081AbcDEF2gh3SECRET&state=st4teSECRET")[0],
                _request(f"{base}/c/13812345678/status/?ref=CCLC2024-000001")[0],
                _request(f"{base}/v/ping?token=st4teSECRET", data=b"")[0],
                _request(f"{base}/v/some-campaign/vote?token=st4teSECRET")[0],
            ]
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
    log = stdout_path.read_text()

    assert statuses == [200, 500, 200, 405]
    assert re.findall(r'^INFO: +127\.0\.0\.1:\d+ - "(.*)" (.*)$', log, flags=re.M) == [
        ("GET /v/ping HTTP/1.1", "200 OK"),  # the test waiting for the server to answer
        ("GET /v/ping?… HTTP/1.1", "200 OK"),
        ("GET /c/138****5678/status/?… HTTP/1.1", "500 Internal Server Error"),
        ("POST /v/ping?… HTTP/1.1", "200 OK"),
        ("GET /v/some-campaign/vote?… HTTP/1.1", "405 Method Not Allowed"),
    ]
    everything = log + stderr_path.read_text()
    assert [secret for secret in SECRETS if secret in everything] == []
