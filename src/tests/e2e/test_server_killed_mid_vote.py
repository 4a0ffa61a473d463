"""The production server killed with SIGKILL in the middle of a burst of votes: every vote it acknowledged is in
the ledger afterwards, and the ledger still verifies.

On SQLite a vote is acknowledged only after the transaction holding it has committed; on Redis only once the
script has appended it to the stream, which the flusher (run here after the crash) moves into the ledger.
Eight clients vote at once, so ballots are in flight when the server dies.
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from tests.e2e.test_vote_on_production_server import PREPARE, REDIS_DB_URL, SLUG, _free_port, server_site
from xuanshu.core.webserver import web_server_args

pytestmark = pytest.mark.e2e
VOTERS = 400

ISSUE_TOKENS = PREPARE + r'''
tokens = []
for i in range(int(sys.argv[2])):
    hashed = voter_hash(campaign.pk, "sms", f"+86137{i:08d}")
    tokens.append([issue_voter_token(campaign.pk, "sms", hashed), hashed])
print(json.dumps({"tokens": tokens}))
'''

LEDGER = r'''
import json, sys
import django
django.setup()
from xuanshu.campaigns.models import Campaign
from xuanshu.voting.audit import verify
from xuanshu.voting.models import LedgerEntry
campaign = Campaign.objects.get(slug=sys.argv[1])
report = verify(campaign.pk)
print(json.dumps({"voters": list(LedgerEntry.objects.filter(campaign=campaign).values_list("voter_hash", flat=True)),
                  "problems": report.problems}))
'''


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_votes_acknowledged_before_a_crash_are_all_in_the_ledger(store, tmp_path):
    # Every client is 127.0.0.1 with one agent: the address limits and the cluster size are raised, as in bench/.
    env = server_site(tmp_path, store, VOTING_THRESHOLDS=json.dumps(
        {"per_ip_per_minute": 10**9, "per_subnet_per_minute": 10**9, "cluster_max_voters": 10**9}))
    python = [sys.executable, "-m"]
    lines = subprocess.run([sys.executable, "-c", ISSUE_TOKENS, SLUG, str(VOTERS)], env=env, check=True, timeout=120,
                           capture_output=True, text=True).stdout.strip().splitlines()
    candidates, prepared = json.loads(lines[-2])["candidates"], json.loads(lines[-1])  # PREPARE's line, then ours
    port = _free_port()
    server = subprocess.Popen([*python, *web_server_args(host="127.0.0.1", port=port, workers=2)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    acknowledged, lock, dead = [], threading.Lock(), threading.Event()
    try:
        _wait_until_serving(port)

        def vote(index: int) -> None:
            if dead.is_set():
                return
            token, hashed = prepared["tokens"][index]
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("POST", f"/v/{SLUG}/vote", body=f"candidate={candidates[index % len(candidates)]}&nonce=c{index}",
                                   headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
                                            "Cookie": f"xs_voter={token}"})
                reply = connection.getresponse()
                body = json.loads(reply.read())
            except (OSError, http.client.HTTPException, ValueError):
                return  # no reply: nothing was promised to this voter
            finally:
                connection.close()
            # Counted, or held for review when a rule trips (clients this regular look like a machine): either way the
            # vote was acknowledged and must be in the ledger.
            assert reply.status == 200 and body["status"] in {"accepted", "quarantined"}, body
            with lock:
                acknowledged.append(hashed)
                if len(acknowledged) == 150:
                    os.killpg(server.pid, signal.SIGKILL)  # mid-burst: other clients' ballots are in flight
                    dead.set()

        with ThreadPoolExecutor(max_workers=8) as clients:
            list(clients.map(vote, range(VOTERS)))
        assert dead.is_set() and len(acknowledged) < VOTERS, "the server was not killed mid-burst"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)

    if store == "redis":  # the flusher, started after the crash, moves what Redis acknowledged into the ledger
        subprocess.run([*python, "xuanshu", "votes", "flush"], env=env, check=True, timeout=120, stdout=subprocess.DEVNULL)
    ledger = json.loads(subprocess.run([sys.executable, "-c", LEDGER, SLUG], env=env, check=True, timeout=120,
                                       capture_output=True, text=True).stdout.strip().splitlines()[-1])
    assert set(acknowledged) <= set(ledger["voters"])
    assert len(set(ledger["voters"]) - set(acknowledged)) <= 8  # at most the ballots in flight at the kill
    assert ledger["problems"] == []
    if store == "redis":
        redis.Redis.from_url(REDIS_DB_URL).flushdb()


def _wait_until_serving(port: int) -> None:
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/v/ping")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("the server did not start")
