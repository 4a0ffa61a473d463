"""End to end on the production stack: uvicorn serving `xuanshu.voting.asgi` (the lean vote path on the event
loop in front of the full site on a2wsgi's threads), driven by Chromium on a phone.

The server runs in its own process on its own SQLite file, so this test prepares that database with the
project's own commands and services in a subprocess, and hands the browser a voter cookie signed with the
server's key (the SMS verification itself is covered by test_vote_by_sms.py).
"""
import json
import os
import socket
import subprocess
import sys
import urllib.request

import pytest
import redis
from django.utils import translation

from tests.conftest import SEED_CAMPAIGN_FILE
from tests.helpers import wait_until_serving
from xuanshu.core.webserver import web_server_args
from xuanshu.voting.messages import OUTCOME_MESSAGES

pytestmark = pytest.mark.e2e
SLUG = "chucai-liaocheng-2024"
REDIS_DB_URL = "redis://127.0.0.1:6379/12"  # only this test uses it

PREPARE = r'''
import datetime as dt, json, sys
import django
django.setup()
from xuanshu.campaigns.models import Campaign, Stage
from xuanshu.intake.services import receive_inbound
from xuanshu.nominations.services import NominationDraft, create_nomination_from_draft, set_nomination_state
from xuanshu.voting.identity import issue_voter_token, voter_hash
from xuanshu.voting.services import open_ballot, register_voter
campaign = Campaign.objects.get(slug=sys.argv[1])
for i, name in enumerate(["张桂芳", "储宁宁", "王建国", "李秀英", "刘洋", "陈静"]):
    receipt = receive_inbound(channel="webform", external_id=f"e2e-{i}", campaign=campaign, sender="127.0.0.1",
                              payload={"e2e": i}, enqueue_processing=False)
    nomination = create_nomination_from_draft(inbound=receipt.inbound, draft=NominationDraft(
        nominee_name=name, nominee_kind="individual", deeds="多年来义务照顾社区孤寡老人，风雨无阻，邻里称赞。" * 2,
        category_code="good-conduct"))
    for state in ["in_review", "verified", "shortlisted"]:
        set_nomination_state(nomination=nomination, new_state=state, actor=None)
open_ballot(campaign=campaign)
now = dt.datetime.now(dt.UTC)
Stage.objects.filter(campaign=campaign, kind="voting").update(starts_at=now - dt.timedelta(days=1), ends_at=now + dt.timedelta(days=1))
voter = register_voter(campaign_id=campaign.pk, method="sms", identity_value="+8613906351234", label="1234")
print(json.dumps({"token": issue_voter_token(campaign.pk, "sms", voter.voter_hash),
                  "candidates": list(campaign.candidates.order_by("number").values_list("pk", flat=True))}))
'''


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def server_site(tmp_path, store: str, **extra_env) -> dict:
    """The environment of a server process with its own SQLite site (and Redis database 12 on the Redis path),
    migrated and with the seed campaign loaded in rehearsal mode."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "VOTING_REDIS_URL", "TEST_DATABASE_URL"}},
        "DJANGO_SETTINGS_MODULE": "xuanshu.settings", "XUANSHU_HOME": str(tmp_path), "SECRET_KEY": "e2e-" + "k" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}", "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser fixture sets it for this process; the server must not have it
    if store == "redis":
        env["VOTING_REDIS_URL"] = REDIS_DB_URL
        redis.Redis.from_url(REDIS_DB_URL).flushdb()
    subprocess.run([sys.executable, "-m", "xuanshu", "migrate", "-v0"], env=env, check=True, timeout=300)
    subprocess.run([sys.executable, "-m", "xuanshu", "campaign", "load", "--rehearsal", str(SEED_CAMPAIGN_FILE)], env=env,
                   check=True, timeout=120, stdout=subprocess.DEVNULL)
    return env


@pytest.fixture(params=["sqlite", "redis"])
def production_server(request, tmp_path):
    env = server_site(tmp_path, request.param)
    python = [sys.executable, "-m"]
    prepared = subprocess.run([sys.executable, "-c", PREPARE, SLUG], env=env, check=True, timeout=120,
                              capture_output=True, text=True)
    ballot = json.loads(prepared.stdout.strip().splitlines()[-1])
    ballot["env"] = env  # for the tests that look into the server's database and Redis afterwards
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([*python, *web_server_args(host="127.0.0.1", port=port, workers=1)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, tmp_path / "server.log")
        yield base, ballot
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()
        if request.param == "redis":
            redis.Redis.from_url(REDIS_DB_URL).flushdb()


def test_a_phone_votes_through_the_production_server(production_server, phone_page):
    base, ballot = production_server
    page, candidates = phone_page, ballot["candidates"]
    page.context.add_cookies([{"name": "xs_voter", "value": ballot["token"], "url": base}])
    page.goto(f"{base}/c/{SLUG}/vote/")  # the ballot page: the full site, through a2wsgi
    assert page.inner_text("[data-remaining]") == "5"

    for index in range(5):  # the page's script posts each ballot to the lean path on the event loop
        page.check(f"li[data-candidate='{candidates[index]}'] input[type=checkbox]")
        page.click("#vote-submit")
        page.wait_for_function("expected => document.querySelector('[data-remaining]').textContent === expected",
                               arg=str(4 - index))
        assert page.get_attribute("#vote-message", "data-status") == "accepted"
    # No votes left: the page locks its ballot, and the lean path refuses a ballot sent all the same.
    page.wait_for_function("() => document.getElementById('vote-submit').getAttribute('aria-busy') === 'false'")
    assert (page.locator("li.candidate input[type=checkbox]:enabled").count(), page.is_disabled("#vote-submit")) == (
        0, True)
    refused = page.evaluate("""([url, candidate]) => fetch(url, {
        method: "POST", body: new URLSearchParams({candidate: candidate, nonce: "after-the-last"}),
        credentials: "same-origin", headers: {"Accept": "application/json"}}).then(r => r.json())""",
        [f"/v/{SLUG}/vote", str(candidates[5])])
    assert (refused["reason"], refused["message"]) == ("quota_total", _zh(OUTCOME_MESSAGES["quota_total"]))

    page.reload()  # the page reads the same store the lean path wrote
    assert (page.locator("li.candidate.spent").count(), page.inner_text("[data-remaining]").strip()) == (5, "0")

    page.goto(f"{base}/c/{SLUG}/status/")  # a form post to the full site reads its body through the server
    page.evaluate("document.querySelectorAll('form').forEach(form => form.noValidate = true)")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error")
    assert "推荐编号" in page.inner_text(".error")


# The server's own flusher may hold the ballot's stream entry, read but not yet committed, when this one-shot flush
# runs and finds nothing: wait for the ledger row (bounded) rather than for one flush.
LEDGER_ADDRESSES = r'''
import json, time, django
django.setup()
from django.core.management import call_command
from xuanshu.voting.models import LedgerEntry
for _ in range(100):
    call_command("votes", "flush", verbosity=0)
    addresses = sorted(set(LedgerEntry.objects.values_list("ip", flat=True)))
    if addresses:
        break
    time.sleep(0.1)
print(json.dumps(addresses))
'''


def test_a_forged_forwarded_for_header_does_not_change_the_voters_address(production_server):
    """The server takes the client's address from the socket: a brusher's X-Forwarded-For is ignored."""
    base, ballot = production_server
    request = urllib.request.Request(
        f"{base}/v/{SLUG}/vote", data=f"candidate={ballot['candidates'][0]}&nonce=forged".encode(), method="POST",
        headers={"Cookie": f"xs_voter={ballot['token']}", "Accept": "application/json",
                 "X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9", "Forwarded": "for=203.0.113.9"})
    assert json.loads(urllib.request.urlopen(request, timeout=10).read())["status"] == "accepted"
    seen = subprocess.run([sys.executable, "-c", LEDGER_ADDRESSES], env=ballot["env"], check=True, timeout=120,
                          capture_output=True, text=True)
    assert json.loads(seen.stdout.strip().splitlines()[-1]) == ["127.0.0.1"]
