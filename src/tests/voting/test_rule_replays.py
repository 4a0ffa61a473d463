"""Replays for the rules the attack traces do not reach: night bursts, the hourly growth cap, shared devices.

Each replay mixes honest traffic that must pass, unflagged, with an attack that the rule must flag, and runs
on the database path and on Redis: the two must decide every vote alike.
"""
import datetime as dt
import random

import pytest

from tests.voting import traces
from tests.voting.helpers import vote
from xuanshu.campaigns.models import Stage
from xuanshu.voting import config as config_module
from xuanshu.voting.identity import voter_hash
from xuanshu.voting.models import VotingRules
from xuanshu.voting.services import register_voter

pytestmark = pytest.mark.django_db

HOUR, MINUTE = 3600, 60
PROXY_PREFIXES = [27, 36, 42, 110, 171, 182]  # residential proxy pools: a new address for every vote
HOME_PREFIXES = [39, 58, 112, 117, 120, 183, 223]


def _configure(campaign, **overrides):
    """The window over the replayed days (2025-01-20 to 2025-01-25, Beijing time); thresholds as given."""
    Stage.objects.filter(campaign=campaign, kind="voting").update(
        starts_at=dt.datetime(2025, 1, 20, tzinfo=dt.UTC), ends_at=dt.datetime(2025, 1, 25, tzinfo=dt.UTC))
    rules = VotingRules.objects.get(campaign=campaign)
    VotingRules.objects.filter(pk=rules.pk).update(thresholds={**rules.thresholds, **overrides})
    config_module.forget()
    return config_module.vote_config(campaign.slug, fresh=True)


def _address(rng, prefixes) -> str:
    return f"{rng.choice(prefixes)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _crowd(rng, phones, candidate, start, count, span=HOUR, honest=True) -> list[traces.TraceVote]:
    """`count` voters for one candidate spread over `span` seconds, each on their own phone and network."""
    prefixes = HOME_PREFIXES if honest else PROXY_PREFIXES
    return [
        traces.TraceVote(start + span * (i + rng.random()) / count, phones.next(), candidate, _address(rng, prefixes),
                         rng.choice(traces.PHONE_UAS), f"{'own' if honest else 'proxy'}-{rng.getrandbits(48):x}", honest)
        for i in range(count)
    ]


def _replay(config, candidates, trace, method="sms"):
    """Cast every vote of the trace at its time; each vote with its (decision, flags), in time order."""
    results = []
    for item in sorted(trace, key=lambda v: v.t):
        register_voter(campaign_id=config.campaign_id, method=method, identity_value=item.phone, label=item.phone[-4:])
        voter = (method, voter_hash(config.campaign_id, method, item.phone))
        outcome = vote(config, voter, candidates[item.candidate].pk, now=item.t, device=item.device, ip=item.ip,
                       ua=item.ua)
        [(_candidate, decision, reason, flags)] = outcome.decisions
        assert reason == "", (item, reason)
        results.append((item, decision, flags))
    return results


def _honest_pass(results):
    unexpected = [(item, decision, flags) for item, decision, flags in results
                  if item.honest and (decision, flags) != ("accepted", [])]
    assert unexpected == []


def test_night_burst_for_one_candidate(store_kind, open_campaign, candidates):
    """Paid votes for one candidate at 3 a.m., through residential proxies and paced at one a minute so that no
    minute, subnet or device stands out: beyond the night's hourly allowance they wait in quarantine. Honest
    night owls pass: a favourite's steady overnight votes (above the allowance, within three times its last
    hour), a crowd at 1 a.m. after a television show and early risers at 5 a.m. fall outside 2-5 a.m."""
    config = _configure(open_campaign, night_max_per_hour=10)
    rng, phones = random.Random(21), traces._Phones("1395")
    evening = traces.local(2025, 1, 20, 23)
    target, favourite = 9, 0
    trace = []
    for hour in range(7):  # 23:00 to 06:00
        start = evening + hour * HOUR
        trace += _crowd(rng, phones, favourite, start, 12)
        for candidate in range(1, 6):
            trace += _crowd(rng, phones, candidate, start, 2)
        if hour != 4:  # the target's own supporters, outside the attack's hour
            trace += _crowd(rng, phones, target, start, 2)
    trace += _crowd(rng, phones, 6, traces.local(2025, 1, 21, 1), 30, span=30 * MINUTE)
    trace += _crowd(rng, phones, 8, traces.local(2025, 1, 21, 5), 30, span=30 * MINUTE)
    attack_start = traces.local(2025, 1, 21, 3)
    trace += _crowd(rng, phones, target, attack_start, 45, span=45 * MINUTE, honest=False)

    results = _replay(config, candidates, trace)
    _honest_pass(results)
    attack = [(decision, flags) for item, decision, flags in results if not item.honest]
    # The first ten votes of the hour are within the allowance; every one after them is held.
    assert attack == [("accepted", [])] * 10 + [("quarantined", ["night_burst"])] * 35


def test_hourly_growth_past_the_cap(store_kind, open_campaign, candidates):
    """A candidate with two votes an hour suddenly gets sixty in the next hour while the rest of the field
    stays calm: past four times the floor, its votes wait in quarantine. Honest growth passes: a small
    candidate's pupils (twelve votes against one, under the floor) and a newspaper story an hour later that
    sends every candidate up sixfold, past the cap but with the whole field."""
    config = _configure(open_campaign, growth_floor=10)
    rng, phones = random.Random(22), traces._Phones("1396")
    target, small = 7, 10
    nine = traces.local(2025, 1, 22, 9)
    rates = {candidate: 8 for candidate in range(6)} | {target: 2, small: 1}
    trace = []
    for hour, boost in enumerate([1, 1, 1, 6]):  # 09:00 calm, 10:00 attack, 11:00 calm, 12:00 the story runs
        start = nine + hour * HOUR
        for candidate, per_hour in rates.items():
            if hour == 1 and candidate == small:
                trace += _crowd(rng, phones, small, start, 12, span=20 * MINUTE)
            elif hour == 1 and candidate == target:
                trace += _crowd(rng, phones, target, start, 2, span=4 * MINUTE)  # before the attack starts
            else:
                trace += _crowd(rng, phones, candidate, start, per_hour * boost)
    attack_start = nine + HOUR + 5 * MINUTE
    trace += _crowd(rng, phones, target, attack_start, 60, span=45 * MINUTE, honest=False)

    results = _replay(config, candidates, trace)
    _honest_pass(results)
    attack_hour = [(decision, flags) for item, decision, flags in results
                   if item.candidate == target and nine + HOUR <= item.t < nine + 2 * HOUR]
    # Forty votes (four times the floor) pass, the target's own two among them; the other twenty-two are held.
    assert attack_hour == [("accepted", [])] * 40 + [("quarantined", ["hourly_growth"])] * 22


def test_many_voters_on_one_device(store_kind, open_campaign, candidates):
    """A farm hand verifies twelve SIM cards one after the other on one phone, keeping its device cookie: from
    the sixth voter on that device in a day, the votes wait in quarantine. A family of five sharing a tablet,
    and the grandfather who votes on it by the device check (his identity is the device), pass, and so does a
    library terminal with four readers a day on two days."""
    config = _configure(open_campaign)
    rng, phones = random.Random(23), traces._Phones("1397")
    afternoon = traces.local(2025, 1, 23, 15)
    trace = []
    for hour in range(4):
        for candidate in range(8):
            trace += _crowd(rng, phones, candidate, afternoon + hour * HOUR, 3)
    home = "117.136.40.22"
    trace += [traces.TraceVote(afternoon + 3 * HOUR + i * rng.uniform(200, 900), phones.next(), i, home,
                               rng.choice(traces.PHONE_UAS), "family-tablet", True) for i in range(5)]
    for day in (23, 24):
        opening = traces.local(2025, 1, day, 9)
        trace += [traces.TraceVote(opening + rng.uniform(0, 8 * HOUR), phones.next(), rng.randrange(8), "58.56.12.7",
                                   traces.PHONE_UAS[2], "library-terminal", True) for _ in range(4)]
    t = afternoon + 30 * MINUTE
    for _ in range(12):
        t += rng.uniform(60, 300)
        trace.append(traces.TraceVote(t, phones.next(), 5, "112.38.203.91", traces.FARM_UA, "farm-phone", False))

    results = _replay(config, candidates, trace)
    _honest_pass(results)
    attack = [(decision, flags) for item, decision, flags in results if not item.honest]
    assert attack == [("accepted", [])] * 5 + [("quarantined", ["shared_device"])] * 7

    grandfather = register_voter(campaign_id=config.campaign_id, method="device", identity_value="family-tablet",
                                 label="tablet")
    late = vote(config, ("device", grandfather.voter_hash), candidates[9].pk, now=afternoon + 6 * HOUR,
                device="family-tablet", ip=home)
    assert late.decisions == [(candidates[9].pk, "accepted", "", [])]
