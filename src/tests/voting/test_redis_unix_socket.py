"""Redis on the same host over a Unix socket (`unix:///path?db=N`): both vote paths speak to a real redis-server
started for this test on a socket in a temporary directory."""
import shutil
import subprocess
import time

import pytest

from tests.voting.helpers import vote
from tests.voting.test_lean_path import _close_connections_of, _run
from xuanshu.voting import store_db, store_redis
from xuanshu.voting.config import forget, vote_config
from xuanshu.voting.lean import VotePathRouter
from xuanshu.voting.models import LedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def unix_redis(tmp_path, settings):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    sock = tmp_path / "redis.sock"
    server = subprocess.Popen([binary, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        settings.VOTING_REDIS_URL = f"unix://{sock}?db=2"
        yield sock
    finally:
        store_redis._close()  # this thread's socket to the server being stopped
        server.terminate()
        server.wait(timeout=10)
        _close_connections_of(store_db._loop_group.thread)


def test_both_vote_paths_work_over_a_unix_socket(unix_redis, open_campaign, candidates, make_voter):
    from xuanshu.voting import identity

    forget()
    config = vote_config(open_campaign.slug)
    voter = make_voter()
    assert vote(config, voter, candidates[0].pk, nonce="u1").decisions[0][1] == "accepted"  # threaded path

    token = identity.issue_voter_token(open_campaign.pk, *voter)
    headers = [(b"host", b"testserver"), (b"content-type", b"application/x-www-form-urlencoded"),
               (b"accept", b"application/json"), (b"cookie", f"{identity.VOTER_COOKIE}={token}".encode())]
    body = f"candidate={candidates[1].pk}&nonce=u2".encode()
    sent = []

    async def cast():
        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": f"/v/{open_campaign.slug}/vote", "headers": headers,
                 "client": ("10.0.0.9", 5000)}
        await VotePathRouter(None)(scope, receive, send)

    _run(cast())  # the event-loop path
    assert sent[0]["status"] == 200 and b'"remaining": 3' in sent[1]["body"]
    assert store_redis.flush_all(open_campaign.pk) == 2
    assert LedgerEntry.objects.filter(decision="accepted").count() == 2
    assert store_redis.client().connection_pool.connection_kwargs["path"] == str(unix_redis)
