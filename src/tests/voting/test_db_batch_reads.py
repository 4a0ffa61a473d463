"""The database path reads a batch's state up front (engine.reads): one query per few hundred keys, not one
per key, while the batch holds the write lock. Every key `decide` reads must be on that list."""
import pytest

from xuanshu.voting import store_db
from xuanshu.voting.audit import verify
from xuanshu.voting.enums import VoteStatus
from xuanshu.voting.services import prepare_ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads_one_by_one(monkeypatch):
    """The keys a batch had to read one query each, because the prefetch had not read them."""
    missed = []
    get = store_db.BatchOps.get

    def counting_get(self, key):
        if key not in self.values:
            missed.append(key)
        return get(self, key)

    monkeypatch.setattr(store_db.BatchOps, "get", counting_get)
    return missed


def _ballot(config, voter, candidate_ids, index, **overrides):
    return prepare_ballot(**{
        "config": config, "voter": voter, "candidates": candidate_ids, "ip": f"10.{index % 3}.{index}.7",
        "user_agent": f"Mozilla/5.0 MicroMessenger/{index % 4}", "device_token": f"device-{index}",
        "nonce": f"nonce-{index}", **overrides})


def test_a_batch_reads_every_key_it_needs_up_front(config, candidates, make_voter, reads_one_by_one):
    ids = [c.pk for c in candidates]
    voters = [make_voter(f"+86138000{i:05d}") for i in range(30)]
    batch = [_ballot(config, voters[i], [ids[i % len(ids)]], i) for i in range(30)]
    batch += [_ballot(config, voters[i], ids[i + 1:i + 4], 100 + i) for i in range(5)]  # ballots of three candidates
    batch += [_ballot(config, voters[0], [ids[5]], 200, device_token="")]  # no device cookie
    batch += [_ballot(config, voters[1], [ids[6]], 201, nonce="nonce-1")]  # a nonce seen earlier in the batch
    batch += [_ballot(config, voters[2], [ids[2]], 202)]  # the same candidate again: over its quota

    outcomes = store_db._write_together(batch)

    assert reads_one_by_one == []
    statuses = [outcome.decisions[0][1] for outcome in outcomes]
    assert statuses[:36].count(VoteStatus.ACCEPTED) == 36
    assert [(o.duplicate, o.reason) for o in outcomes[36:]] == [(True, "duplicate"), (False, "quota_candidate")]
    assert verify(config.campaign_id).ok


def test_prefetched_state_gives_the_decisions_that_one_query_per_key_gives(config, candidates, make_voter, monkeypatch):
    """The same ballots, decided with the prefetch and without it, in two fresh batches."""
    ids = [c.pk for c in candidates]
    voter = make_voter()
    # One voter's six ballots: five accepted, the sixth over the day's quota; the same again without prefetch.
    first = store_db._write_together([_ballot(config, voter, [ids[i]], i) for i in range(6)])
    monkeypatch.setattr(store_db.BatchOps, "prefetch", lambda self, keys, members: None)
    other = make_voter("+8613900000009")
    second = store_db._write_together([_ballot(config, other, [ids[i]], 10 + i) for i in range(6)])
    assert [(o.reason, o.remaining_today) for o in first] == [(o.reason, o.remaining_today) for o in second]
    assert [o.reason for o in first] == ["", "", "", "", "", "quota_total"]
