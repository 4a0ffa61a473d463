"""The Redis stream is the durable buffer: a flusher that dies between commit and delete loses nothing and
writes nothing twice."""
import pytest

from tests.voting.helpers import vote
from xuanshu.voting import store_redis
from xuanshu.voting.audit import verify
from xuanshu.voting.models import LedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)


def test_acknowledged_votes_wait_in_the_stream_until_flushed(redis_db, config, candidates, make_voter):
    voter = make_voter()
    assert vote(config, voter, candidates[0].pk).statuses == {"accepted"}
    assert (store_redis.pending(config.campaign_id), LedgerEntry.objects.count()) == (1, 0)
    assert store_redis.flush_all(config.campaign_id) == 1
    assert (store_redis.pending(config.campaign_id), LedgerEntry.objects.count()) == (0, 1)


def test_a_flusher_that_dies_before_deleting_is_idempotent(redis_db, config, candidates, make_voter, monkeypatch):
    for index in range(5):
        vote(config, make_voter(f"+861380000000{index}"), candidates[index].pk, device=f"phone-{index}")

    def die(*ids):
        raise ConnectionError("flusher killed between the database commit and the stream delete")

    client = store_redis.client()
    monkeypatch.setattr(client, "xdel", die)
    with pytest.raises(ConnectionError):
        store_redis.flush(config.campaign_id, batch=3)
    monkeypatch.undo()
    assert (LedgerEntry.objects.count(), store_redis.pending(config.campaign_id)) == (3, 5)
    vote(config, make_voter("+8613800000099"), candidates[6].pk, device="phone-9")
    store_redis.flush_all(config.campaign_id)
    assert list(LedgerEntry.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert store_redis.pending(config.campaign_id) == 0
    assert verify(config.campaign_id).problems == []
