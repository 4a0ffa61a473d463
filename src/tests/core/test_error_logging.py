"""Requests that fail with an unhandled exception leave their traceback in the site's log (stderr), on the full
site and on the lean vote path alike, with DEBUG off, and without citizens' contacts, secrets or request bodies."""
import asyncio
import io
import logging
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

from tests.core.error_urls import FAILURE_MESSAGE
from tests.helpers import wait_until_serving
from xuanshu.core.logs import redact_log_text
from xuanshu.core.webserver import web_server_args
from xuanshu.voting.lean import LeanVotePath

REDACTED_FAILURE = "RuntimeError: ledger out of step for +86138****5678 at redis://:***@10.0.0.5:6379/0"
LINE_START = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "


@pytest.fixture
def site_log():
    """What the site's configured log handler writes (to stderr in production), captured for the test."""
    handler = next(h for h in logging.getLogger("xuanshu").handlers if type(h) is logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.fixture
def request_records():
    """The records `django.request` emits (it does not propagate to the root logger, where caplog listens)."""
    records: list[logging.LogRecord] = []
    collector = logging.Handler()
    collector.emit = records.append
    logger = logging.getLogger("django.request")
    logger.addHandler(collector)
    yield records
    logger.removeHandler(collector)


@pytest.mark.urls("tests.core.error_urls")
def test_an_unhandled_exception_in_a_view_is_logged_with_its_traceback(site_log, request_records, settings):
    assert settings.DEBUG is False
    response = Client(raise_request_exception=False).post("/test-errors/fails/", {"phone": "13912345678", "name": "王秀兰"})

    assert [(r.levelname, r.getMessage(), type(r.exc_info[1]), r.exc_info[1].args) for r in request_records] == [
        ("ERROR", "Internal Server Error: /test-errors/fails/", RuntimeError, (FAILURE_MESSAGE,))]
    lines = site_log.getvalue().splitlines()
    assert re.fullmatch(LINE_START + "ERROR django.request: Internal Server Error: /test-errors/fails/", lines[0])
    assert (lines[1], lines[-1], response.status_code) == ("Traceback (most recent call last):", REDACTED_FAILURE, 500)
    assert any('raise RuntimeError(FAILURE_MESSAGE)' in line for line in lines)
    # Neither the phone number, nor the password, nor anything of the request's body:
    assert [s for s in ("13812345678", "hunter2", "13912345678", "王秀兰", "phone=") if s in site_log.getvalue()] == []


@pytest.mark.urls("tests.core.error_urls")
def test_client_errors_stay_out_of_the_error_log(site_log, client):
    statuses = [client.get("/no-such-page/").status_code, client.get("/test-errors/forbidden/").status_code]
    assert (statuses, site_log.getvalue()) == ([404, 403], "")


def test_a_failure_on_the_lean_vote_path_is_logged_with_its_traceback(site_log, monkeypatch):
    async def fail(self, scope, receive, send):
        raise RuntimeError(FAILURE_MESSAGE)

    monkeypatch.setattr(LeanVotePath, "_serve", fail)
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    call = LeanVotePath()({"type": "http", "method": "POST", "path": "/v/x/vote", "headers": []}, receive, send)
    with ThreadPoolExecutor(max_workers=1) as thread:  # a loop of its own: the browser tests keep one running here
        thread.submit(asyncio.run, call).result()
    lines = site_log.getvalue().splitlines()
    assert re.fullmatch(LINE_START + "ERROR xuanshu.voting.lean: vote path failed", lines[0])
    assert (lines[1], lines[-1], sent[0]["status"]) == ("Traceback (most recent call last):", REDACTED_FAILURE, 500)


def test_log_text_loses_contacts_and_url_passwords():
    assert redact_log_text(
        "Key (phone)=(+8613812345678) exists; mail liming@example.com; db postgres://xs:s3cret@db:5432/xs; line 1234"
    ) == "Key (phone)=(+86138****5678) exists; mail l***@example.com; db postgres://xs:***@db:5432/xs; line 1234"


def test_log_text_masks_a_card_and_a_resident_id_whole():
    """A grouped card number was once taken for a landline and half shown; an ID number was shown whole."""
    line = redact_log_text("Key (deeds)=(捐款账户 6222 0212 3456 7890，身份证 370102199001011234) exists; MsgId 42")
    for part in ["6222 0212 3456 7890", "3456", "370102199001011234", "19900101"]:
        assert part not in line
    assert line.endswith("exists; MsgId 42")


def test_log_text_masks_cards_in_groups_of_four_as_cards():
    """Every group but the first four and last four digits hidden, as the console masks a card."""
    assert redact_log_text("卡号 6222 0212 3456 7890 123；6222-0212-3456-7890；６２２２　０２１２　３４５６　７８９０") == (
        "卡号 6222 **** **** ***0 123；6222-****-****-7890；６２２２　****　****　７８９０")


def _site_env(tmp_path, **extra) -> dict:
    """A production process's environment (xuanshu.settings, DEBUG off) on an empty database of its own."""
    keep = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "VOTING_REDIS_URL", "TEST_DATABASE_URL",
                                                               "DEBUG", "LOG_LEVEL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return {**keep, "DJANGO_SETTINGS_MODULE": "xuanshu.settings", "XUANSHU_HOME": str(tmp_path), "SECRET_KEY": "log-" + "k" * 40,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "ALLOWED_HOSTS": "127.0.0.1", **extra}


def test_log_level_comes_from_the_environment(tmp_path):
    script = ("import django, logging; django.setup(); "
              "print(logging.getLogger('xuanshu').level, logging.getLogger('xuanshu').handlers[0].level)")
    levels = [subprocess.run([sys.executable, "-c", script], env=_site_env(tmp_path, **({"LOG_LEVEL": level} if level else {})),
                             capture_output=True, text=True, check=True, timeout=60).stdout.split()
              for level in (None, "warning", "ERROR")]
    assert levels == [["20", "20"], ["30", "30"], ["40", "40"]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers or {}), timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_production_server_logs_failed_requests_to_stderr(tmp_path):
    """uvicorn serving xuanshu.voting.asgi with its own logging set up first, as `python -m xuanshu serve` runs it.

    The database has no tables, so the home page (full site, on a2wsgi's threads) and a ballot (lean path, on
    the event loop) both fail with an unhandled database error."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    stderr_path = tmp_path / "stderr.log"
    with open(stderr_path, "w") as stderr:
        server = subprocess.Popen([sys.executable, "-m", *web_server_args(host="127.0.0.1", port=port, workers=1)],
                                  env=_site_env(tmp_path), stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
        try:
            wait_until_serving(base, stderr_path)
            page = _request(f"{base}/c/13812345678/")
            ballot = _request(f"{base}/v/some-campaign/vote", data=b"candidate=1&phone=13912345678", headers={
                "Origin": base, "Content-Type": "application/x-www-form-urlencoded"})
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
    log = stderr_path.read_text()

    assert (page[0], "<h1>服务器出错了</h1>" in page[1], ballot[0]) == (500, True, 500)
    # Records of the site's format, each with its first line, whether a traceback follows, and its last line;
    # uvicorn's own lines ("INFO:     Started server process") are left out.
    pieces = re.split(r"^(" + LINE_START + r"|[A-Z]+: +)", log, flags=re.M)[1:]
    records = [(lines[0], lines[1] == "Traceback (most recent call last):", lines[-1]) for lines in (
        text.splitlines() for start, text in zip(pieces[::2], pieces[1::2]) if re.fullmatch(LINE_START, start))]
    assert records == [
        ("ERROR django.request: Internal Server Error: /c/138****5678/", True,
         "django.db.utils.OperationalError: no such table: campaigns_campaign"),
        ("ERROR xuanshu.voting.lean: vote path failed", True, "django.db.utils.OperationalError: no such table: campaigns_campaign"),
    ]
    assert [s for s in ("13812345678", "13912345678", "phone=") if s in log] == []
