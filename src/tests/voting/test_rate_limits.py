"""Rate limits per address, per /24 or /64 and per device, and the minimum of candidates per ballot, on both
stores. (The per-voter limit is in test_rules_and_ballot.py.)"""
import itertools
import time

import pytest

from tests.voting.helpers import vote
from xuanshu.voting.config import forget, vote_config
from xuanshu.voting.models import VotingRules

pytestmark = pytest.mark.django_db

_phones = itertools.count(1)


def _config(campaign, **thresholds):
    rules = VotingRules.objects.get(campaign=campaign)
    VotingRules.objects.filter(pk=rules.pk).update(thresholds={**rules.thresholds, **thresholds})
    forget()
    return vote_config(campaign.slug, fresh=True)


def _minute() -> float:
    """The start of the current minute: each test's ballots fall in one minute, or in the next, on purpose."""
    return time.time() // 60 * 60


def _ballots(config, make_voter, candidate, senders, now):
    """One ballot per sender (address, device), each from a new voter; the refusal reason, or "accepted"."""
    results = []
    for offset, (ip, device) in enumerate(senders):
        voter = make_voter(f"+86138{next(_phones):08d}")
        outcome = vote(config, voter, candidate.pk, now=now + offset / 10, ip=ip, device=device)
        results.append(outcome.reason or next(iter(outcome.statuses)))
    return results


def test_per_address_limit(store_kind, open_campaign, candidates, make_voter):
    """One address may send so many ballots a minute, whoever votes; its neighbours in the /24 have their own
    allowance, an IPv4-mapped IPv6 form is the same address, and the next minute starts afresh."""
    config = _config(open_campaign, per_ip_per_minute=3)
    now = _minute()
    senders = [("223.104.3.17", f"phone-{i}") for i in range(4)] + [
        ("::ffff:223.104.3.17", "phone-4"), ("223.104.3.18", "phone-5")]
    assert _ballots(config, make_voter, candidates[0], senders, now) == ["accepted"] * 3 + ["rate_limited"] * 2 + ["accepted"]
    assert _ballots(config, make_voter, candidates[0], [("223.104.3.17", "phone-6")], now + 60) == ["accepted"]


def test_per_subnet_limit_ipv4(store_kind, open_campaign, candidates, make_voter):
    """Different addresses in one /24 share its allowance (IPv4-mapped IPv6 included); the next /24 does not."""
    config = _config(open_campaign, per_subnet_per_minute=3)
    now = _minute()
    senders = [(f"61.135.169.{host}", f"phone-{host}") for host in (5, 77, 121, 200)] + [
        ("::ffff:61.135.169.9", "phone-9"), ("61.135.170.5", "phone-10")]
    assert _ballots(config, make_voter, candidates[1], senders, now) == ["accepted"] * 3 + ["rate_limited"] * 2 + ["accepted"]
    assert _ballots(config, make_voter, candidates[1], [("61.135.169.5", "phone-11")], now + 60) == ["accepted"]


def test_per_subnet_limit_ipv6(store_kind, open_campaign, candidates, make_voter):
    """A /64 is one household or carrier pool: two of its addresses use up its allowance and a third is refused,
    while an address in the neighbouring /64 is not."""
    config = _config(open_campaign, per_subnet_per_minute=2)
    now = _minute()
    senders = [("2409:8a1e:6a2:1::10", "phone-1"), ("2409:8a1e:6a2:1:5c3e:a1ff:fe10:2b7", "phone-2"),
               ("2409:8a1e:6a2:1:ffff::99", "phone-3"), ("2409:8a1e:6a2:2::10", "phone-4")]
    assert _ballots(config, make_voter, candidates[2], senders, now) == ["accepted", "accepted", "rate_limited", "accepted"]
    assert _ballots(config, make_voter, candidates[2], [("2409:8a1e:6a2:1::10", "phone-5")], now + 60) == ["accepted"]


def test_per_device_limit(store_kind, open_campaign, candidates, make_voter):
    """One device cookie may send so many ballots a minute, whatever the voter or the address."""
    config = _config(open_campaign, per_device_per_minute=2)
    now = _minute()
    senders = [("117.136.0.1", "kiosk"), ("58.56.1.2", "kiosk"), ("183.2.3.4", "kiosk"), ("183.2.3.4", "own-phone")]
    assert _ballots(config, make_voter, candidates[3], senders, now) == ["accepted", "accepted", "rate_limited", "accepted"]
    assert _ballots(config, make_voter, candidates[3], [("39.1.2.3", "kiosk")], now + 60) == ["accepted"]


def test_minimum_of_candidates_per_ballot(store_kind, open_campaign, candidates, make_voter):
    """A campaign that asks for at least three candidates a ballot refuses a ballot of two, without using the
    voter's quota, and takes a ballot of three."""
    VotingRules.objects.filter(campaign=open_campaign).update(min_candidates_per_ballot=3)
    forget()
    config = vote_config(open_campaign.slug, fresh=True)
    voter = make_voter()
    ids = [c.pk for c in candidates[:3]]
    two = vote(config, voter, *ids[:2])
    assert two.decisions == [(pk, "rejected", "too_few_candidates", []) for pk in ids[:2]]
    three = vote(config, voter, *ids)
    assert (three.decisions, three.remaining_today) == ([(pk, "accepted", "", []) for pk in ids], 2)
