"""Attack replays: each attack is caught (quarantined) while the honest votes mixed into the trace pass."""
import datetime as dt
import random

import pytest

from tests.voting import traces
from tests.voting.helpers import flush, vote
from xuanshu.voting import config as config_module
from xuanshu.voting.audit import verify
from xuanshu.voting.identity import voter_hash
from xuanshu.voting.models import LedgerEntry
from xuanshu.voting.services import register_voter

pytestmark = pytest.mark.django_db(transaction=True)


def _replay(config, candidates, trace):
    """Cast every vote of the trace at its time; returns each trace vote with its final status."""
    ordered = sorted(trace, key=lambda v: v.t)
    for item in ordered:
        register_voter(campaign_id=config.campaign_id, method="sms", identity_value=item.phone, label=item.phone[-4:])
        voter = ("sms", voter_hash(config.campaign_id, "sms", item.phone))
        vote(config, voter, candidates[item.candidate].pk, now=item.t, device=item.device, ip=item.ip, ua=item.ua)
    flush(config.campaign_id)
    status = {(v, c): s for v, c, s in LedgerEntry.objects.values_list("voter_hash", "candidate_id", "status")}
    return [(item, status[(voter_hash(config.campaign_id, "sms", item.phone), candidates[item.candidate].pk)])
            for item in ordered]


def _tally(results, honest: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item, status in results:
        if item.honest == honest:
            counts[status] = counts.get(status, 0) + 1
    return counts


@pytest.fixture
def day_config(open_campaign, config):
    """The window stretched over the replayed days (2025-01-17 to 2025-01-24, Beijing time)."""
    from xuanshu.campaigns.models import Stage

    Stage.objects.filter(campaign=open_campaign, kind="voting").update(
        starts_at=dt.datetime(2025, 1, 17, 1, tzinfo=dt.UTC), ends_at=dt.datetime(2025, 1, 24, 10, tzinfo=dt.UTC))
    config_module.forget()
    return config_module.vote_config(open_campaign.slug, fresh=True)


def _caught(bucket: dict[str, int]) -> float:
    total = sum(bucket.values())
    return (bucket.get("quarantined", 0) + bucket.get("fraud", 0)) / total


def test_vote_farm_rotating_phones_behind_few_subnets(store_kind, day_config, candidates):
    rng, phones = random.Random(5), traces._Phones("1391")
    start = traces.local(2025, 1, 18, 14)
    trace = (traces.honest_traffic(rng, start - 3600, 4, 400, len(candidates), phones)
             + traces.school_nat(rng, traces.local(2025, 1, 18, 12), 3, phones)
             + traces.vote_farm(rng, start, 7, phones))
    results = _replay(day_config, candidates, trace)
    assert set(_tally(results, honest=True)) == {"accepted"}
    assert _caught(_tally(results, honest=False)) >= 0.95
    assert verify(day_config.campaign_id).problems == []


def test_bot_at_regular_intervals(store_kind, day_config, candidates):
    rng, phones = random.Random(6), traces._Phones("1392")
    start = traces.local(2025, 1, 19, 9)
    trace = traces.honest_traffic(rng, start, 8, 300, len(candidates), phones) + traces.regular_bot(rng, start, 2, phones)
    results = _replay(day_config, candidates, trace)
    assert set(_tally(results, honest=True)) == {"accepted"}
    assert _caught(_tally(results, honest=False)) >= 0.95
    flags = set(LedgerEntry.objects.exclude(flags="").values_list("flags", flat=True))
    assert flags == {"regular_gaps"}


def test_midnight_surge_for_one_candidate(store_kind, day_config, candidates):
    rng, phones = random.Random(7), traces._Phones("1393")
    midnight = traces.local(2025, 1, 20, 0)
    trace = (traces.honest_traffic(rng, midnight - 3 * 3600, 5, 120, len(candidates), phones)
             + traces.midnight_surge(rng, midnight, 9, phones))
    results = _replay(day_config, candidates, trace)
    assert _caught(_tally(results, honest=False)) >= 0.95
    # Honest votes for the surged candidate while the surge runs cannot be told from it: they wait in
    # quarantine (疑) for an editor, like the surge. Every other honest vote passes.
    during = [(item, status) for item, status in results
              if item.honest and item.candidate == 9 and midnight <= item.t <= midnight + 1500]
    others = [(item, status) for item, status in results if item.honest and (item, status) not in during]
    assert {status for _item, status in others} == {"accepted"}
    assert {status for _item, status in during} <= {"quarantined", "accepted"} and len(during) <= 5


def test_honest_rushes_are_not_brushing(store_kind, day_config, candidates):
    """The opening rush and, hours later, a rush after a newspaper story: every candidate grows at once, the
    most popular most of all, and none of it is quarantined."""
    rng, phones = random.Random(8), traces._Phones("1394")
    opening = traces.local(2025, 1, 17, 9)
    story = traces.local(2025, 1, 17, 14)
    trace = (traces.rush(rng, opening, 15, 6000, len(candidates), phones)
             + traces.honest_traffic(rng, opening + 900, 4.75, 300, len(candidates), phones)
             + traces.rush(rng, story, 20, 4000, len(candidates), phones))
    results = _replay(day_config, candidates, trace)
    assert _tally(results, honest=True) == {"accepted": len(results)}
