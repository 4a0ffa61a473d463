"""Redis killed in the middle of a vote: every ballot that was acknowledged reaches the ledger.

A real redis-server with its append-only file (`appendonly yes`, `appendfsync everysec`, as the operator notes
ask), on a Unix socket in a temporary directory, is killed with SIGKILL while a voter thread casts ballots,
then started again on the same directory. Redis writes the append-only file before it answers, so a killed
process loses nothing it acknowledged (a power cut can lose the last second unless `appendfsync always`).
"""
import shutil
import signal
import subprocess
import threading
import time

import pytest

from tests.voting.test_lean_path import _close_connections_of
from xuanshu.voting import store_db, store_redis
from xuanshu.voting.audit import verify
from xuanshu.voting.config import forget, vote_config
from xuanshu.voting.models import LedgerEntry
from xuanshu.voting.services import cast_ballot, register_voter

pytestmark = pytest.mark.django_db(transaction=True)


class DurableRedis:
    def __init__(self, directory):
        self.binary = shutil.which("redis-server")
        self.directory, self.sock, self.process = directory, directory / "redis.sock", None

    def start(self):
        self.sock.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [self.binary, "--port", "0", "--unixsocket", str(self.sock), "--dir", str(self.directory), "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if self.sock.exists():
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not open its socket")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def durable_redis(tmp_path, settings):
    server = DurableRedis(tmp_path)
    if server.binary is None:
        pytest.skip("redis-server is not installed")
    server.start()
    settings.VOTING_REDIS_URL = f"unix://{server.sock}?db=0"
    try:
        yield server
    finally:
        store_redis._close()
        store_redis._client.cache_clear()
        if server.process.poll() is None:
            server.process.terminate()
            server.process.wait(timeout=10)
        _close_connections_of(store_db._loop_group.thread)


def test_a_killed_redis_loses_no_acknowledged_ballot(durable_redis, open_campaign, candidates):
    forget()
    config = vote_config(open_campaign.slug)
    voters = [register_voter(campaign_id=open_campaign.pk, method="sms", identity_value=f"+8613600{i:06d}", label="")
              for i in range(400)]
    acknowledged, refused, stop = [], [], threading.Event()

    def one_voter_after_another():
        for number, voter in enumerate(voters):
            if stop.is_set():
                return
            try:
                outcome = cast_ballot(config=config, voter=("sms", voter.voter_hash), candidates=[candidates[number % 12].pk],
                                      ip=f"10.0.{number % 200}.9", user_agent="Mozilla/5.0 MicroMessenger",
                                      device_token=f"phone-{number}", nonce=f"n{number}")
            except (ConnectionError, OSError):
                refused.append(voter.voter_hash)  # the voter was told to try again: nothing was promised
                continue
            assert outcome.statuses <= {"accepted", "quarantined"}  # held for review is acknowledged and recorded too
            acknowledged.append(voter.voter_hash)

    caster = threading.Thread(target=one_voter_after_another)
    caster.start()
    while len(acknowledged) < 150 and caster.is_alive():
        time.sleep(0.01)
    durable_redis.kill()
    time.sleep(0.2)  # ballots cast now are refused
    stop.set()
    caster.join(timeout=120)
    # A cast still in flight when the server comes back would be acknowledged after the flush below, and its
    # ballot read as lost: on a slow machine each refused cast waits out its socket timeout.
    assert not caster.is_alive()
    assert len(acknowledged) >= 150 and refused

    durable_redis.start()
    store_redis._client.cache_clear()  # the flusher's client held connections to the killed server
    store_redis.flush_all(open_campaign.pk)

    in_ledger = set(LedgerEntry.objects.filter(campaign=open_campaign).values_list("voter_hash", flat=True))
    assert set(acknowledged) <= in_ledger
    # At most the one ballot in flight at the kill is there unacknowledged (it ran; its reply was lost).
    assert len(in_ledger - set(acknowledged)) <= 1
    report = verify(open_campaign.pk)  # with the Redis tallies replayed from the append-only file
    assert report.problems == []
    assert sum(c["accepted"] + c["quarantined"] for c in report.recount.values()) == len(in_ledger)
