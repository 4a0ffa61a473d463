"""The voting window and the quota day are enforced on the server in Beijing time (Asia/Shanghai, UTC+8)."""
import datetime as dt

import pytest

from tests.voting.helpers import vote
from xuanshu.campaigns.models import Stage
from xuanshu.voting import config as config_module

pytestmark = pytest.mark.django_db
BEIJING = dt.timezone(dt.timedelta(hours=8))


def at(*args) -> float:
    return dt.datetime(*args, tzinfo=BEIJING).timestamp()


@pytest.fixture
def seed_window(open_campaign):
    """The seed file's window: 2025-01-17 09:00 to 2025-01-24 18:00, Beijing time."""
    Stage.objects.filter(campaign=open_campaign, kind="voting").update(
        starts_at=dt.datetime(2025, 1, 17, 9, tzinfo=BEIJING), ends_at=dt.datetime(2025, 1, 24, 18, tzinfo=BEIJING))
    config_module.forget()
    return config_module.vote_config(open_campaign.slug, fresh=True)


def test_window_opens_and_closes_at_beijing_time(store_kind, seed_window, candidates, make_voter):
    voter, pk = make_voter(), candidates[0].pk
    assert vote(seed_window, voter, pk, now=at(2025, 1, 17, 8, 59, 59)).reason == "outside_window"
    assert vote(seed_window, voter, pk, now=at(2025, 1, 17, 9, 0, 0)).statuses == {"accepted"}
    assert vote(seed_window, make_voter("+8613800000002"), pk, now=at(2025, 1, 24, 17, 59, 59)).statuses == {"accepted"}
    assert vote(seed_window, make_voter("+8613800000003"), pk, now=at(2025, 1, 24, 18, 0, 0)).reason == "outside_window"
    # 10:00 UTC is 18:00 in Beijing: closed, whatever the server's clock zone.
    assert vote(seed_window, make_voter("+8613800000004"), pk,
                now=dt.datetime(2025, 1, 24, 10, 0, tzinfo=dt.UTC).timestamp()).reason == "outside_window"


def test_daily_quota_resets_at_beijing_midnight(store_kind, seed_window, candidates, make_voter):
    voter = make_voter()
    ids = [c.pk for c in candidates]
    for index in range(5):
        assert vote(seed_window, voter, ids[index], now=at(2025, 1, 18, 23, 50, index)).statuses == {"accepted"}
    assert vote(seed_window, voter, ids[5], now=at(2025, 1, 18, 23, 59, 59)).reason == "quota_total"
    # 16:00 UTC is midnight in Beijing: a new day, and the same candidate may get a vote again.
    after = vote(seed_window, voter, ids[0], now=at(2025, 1, 19, 0, 0, 1))
    assert (after.statuses, after.remaining_today) == ({"accepted"}, 4)
