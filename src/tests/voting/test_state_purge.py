"""Purging the database path's expired key-value state: live keys stay, quotas keep working, batches stay small."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.voting.helpers import vote
from xuanshu.voting import throttle
from xuanshu.voting.engine import DAY
from xuanshu.voting.maintenance import purge_expired_state
from xuanshu.voting.models import VotingState
from xuanshu.voting.store_db import set_blocked
from xuanshu.voting.tasks import purge_voting_state_task

pytestmark = pytest.mark.django_db


def state() -> dict[str, tuple[str, int]]:
    return {name: (value, expires) for name, value, expires in VotingState.objects.values_list("name", "value", "expires_at")}


def ten_am_today(config) -> float:
    """Local 10:00 of today: a minute later is still the same quota day, whenever the test runs."""
    now = dt.datetime.now(config.tz)
    return now.replace(hour=10, minute=0, second=0, microsecond=0).timestamp()


def test_purge_keeps_live_keys_and_the_quotas_hold(config, candidates, make_voter):
    ids = [c.pk for c in candidates]
    first, second = make_voter("+8613800000001"), make_voter("+8613800000002")
    t0 = ten_am_today(config)
    day0, _hour = config.local_day_and_hour(t0)
    assert vote(config, first, *ids[:5], now=t0).remaining_today == 0
    set_blocked(config.campaign_id, "f" * 64, True)

    # Nothing has expired yet: the purge removes nothing and the day's quota still refuses the sixth vote.
    before = state()
    assert purge_expired_state(now=t0 + 60) == 0
    assert state() == before
    assert vote(config, first, ids[5], now=t0 + 60).decisions == [(ids[5], "rejected", "quota_total", [])]

    # Four days on, the first day's keys have expired; the second voter's keys of today are live.
    t1 = t0 + 4 * DAY
    assert vote(config, second, ids[0], now=t1).statuses == {"accepted"}
    rows = state()
    live = {name: row for name, row in rows.items() if row[1] >= t1}
    expired = set(rows) - set(live)
    prefix = f"v{config.campaign_id}:"
    assert {f"{prefix}q:{first[1]}:{day0}", f"{prefix}q:{first[1]}:{day0}:{ids[0]}"} <= expired
    assert f"{prefix}blocked:{'f' * 64}" in live
    assert f"{prefix}q:{second[1]}:{day0 + 4}" in live
    assert purge_expired_state(now=t1, batch_size=7) == len(expired)
    assert state() == live

    # The quota is the new day's: the first voter has all five votes again, the second one used one.
    again = vote(config, first, *ids[:5], now=t1 + 60)
    assert (again.statuses, again.remaining_today) == ({"accepted"}, 0)
    assert vote(config, second, *ids[1:6], now=t1 + 60).decisions == [(pk, "rejected", "quota_total", []) for pk in ids[1:6]]
    assert vote(config, ("sms", "f" * 64), ids[0], now=t1 + 60).decisions == [(ids[0], "rejected", "voter_blocked", [])]


def test_purge_deletes_in_bounded_batches_and_spares_the_boundary(db):
    now = 1_800_000_000
    VotingState.objects.bulk_create(
        [VotingState(name=f"old:{i}", value="1", expires_at=now - 1 - i) for i in range(25)]
        + [VotingState(name="edge", value="1", expires_at=now), VotingState(name="live", value="1", expires_at=now + 1)]
    )
    with CaptureQueriesContext(connection) as queries:
        assert purge_expired_state(now=now, batch_size=10, pause_seconds=0) == 25
    deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3
    assert all("LIMIT 10" in sql for sql in deletes)
    assert state() == {"edge": ("1", now), "live": ("1", now + 1)}


def test_a_purged_captcha_answer_is_gone_and_a_live_one_is_kept(db):
    now = 1_800_000_000.0
    throttle.put_once("captcha:a", "1234", ttl_seconds=60, now=now)
    throttle.put_once("captcha:b", "5678", ttl_seconds=600, now=now)
    assert purge_expired_state(now=now + 61) == 1
    assert (throttle.take_once("captcha:a", now=now + 61), throttle.take_once("captcha:b", now=now + 61)) == (None, "5678")


def test_command_and_periodic_task_purge(db, capsys):
    VotingState.objects.bulk_create([
        VotingState(name="old:1", value="1", expires_at=1), VotingState(name="old:2", value="1", expires_at=2),
        VotingState(name="live", value="1", expires_at=2**62),
    ])
    with translation.override("zh-hans"):
        call_command("votes", "purge-state", "--batch-size", "1")
    assert capsys.readouterr().out == "已删除 2 行过期的投票状态数据。\n"
    VotingState.objects.create(name="old:3", value="1", expires_at=3)
    purge_voting_state_task()
    assert list(VotingState.objects.values_list("name", flat=True)) == ["live"]
    hourly = [dt.datetime(2024, 5, 1, hour, minute) for hour in (0, 13) for minute in (0, 17, 18)]
    assert [purge_voting_state_task.task_class().validate_datetime(moment) for moment in hourly] == [False, True, False] * 2
