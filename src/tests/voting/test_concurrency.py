"""Many parallel ballots from one voter: exactly the quota is accepted, on Redis and on the database path."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.voting.helpers import flush, vote
from xuanshu.voting.audit import verify
from xuanshu.voting.models import LedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(config, voter, candidate_id, index):
    try:
        return vote(config, voter, candidate_id, nonce=f"burst-{index}").decisions[0][1]
    finally:
        connection.close()


@pytest.mark.parametrize("spread", ["one candidate", "many candidates"])
def test_parallel_votes_from_one_voter_take_exactly_the_quota(store_kind, config, candidates, make_voter, spread):
    voter = make_voter()
    ids = [c.pk for c in candidates]
    targets = [ids[0]] * 60 if spread == "one candidate" else [ids[i % len(ids)] for i in range(60)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(_in_thread, [config] * 60, [voter] * 60, targets, range(60)))
    expected = 1 if spread == "one candidate" else 5
    assert (results.count("accepted"), results.count("rejected")) == (expected, 60 - expected)
    flush(config.campaign_id)
    assert LedgerEntry.objects.filter(status="accepted").count() == expected
    assert LedgerEntry.objects.count() == 60
    assert verify(config.campaign_id).problems == []
