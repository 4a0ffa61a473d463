"""Quotas per voter and day, in total and per candidate, on the database path and on Redis."""
import pytest

from tests.voting.helpers import flush, vote
from xuanshu.voting.audit import verify
from xuanshu.voting.engine import Outcome
from xuanshu.voting.models import LedgerEntry

pytestmark = pytest.mark.django_db


def test_daily_total_and_per_candidate_quotas(store_kind, config, candidates, make_voter):
    voter = make_voter()
    ids = [c.pk for c in candidates]
    first = vote(config, voter, ids[0])
    assert (first.decisions, first.remaining_today) == ([(ids[0], "accepted", "", [])], 4)
    again = vote(config, voter, ids[0])
    assert (again.decisions, again.remaining_today) == ([(ids[0], "rejected", "quota_candidate", [])], 4)
    results = [vote(config, voter, pk).decisions[0][1] for pk in ids[1:5]]
    assert results == ["accepted"] * 4
    sixth = vote(config, voter, ids[5])
    assert (sixth.decisions, sixth.remaining_today) == ([(ids[5], "rejected", "quota_total", [])], 0)


def test_a_ballot_is_taken_whole_or_not_at_all(store_kind, config, candidates, make_voter):
    voter = make_voter()
    ids = [c.pk for c in candidates]
    assert vote(config, voter, *ids[:3]).remaining_today == 2
    too_many = vote(config, voter, *ids[3:6])
    assert too_many.decisions == [(pk, "rejected", "quota_total", []) for pk in ids[3:6]]
    assert vote(config, voter, *ids[3:5]).statuses == {"accepted"}


def test_a_resent_ballot_counts_once(store_kind, config, candidates, make_voter):
    voter = make_voter()
    pk = candidates[0].pk
    assert vote(config, voter, pk, nonce="n-1").decisions == [(pk, "accepted", "", [])]
    resent = vote(config, voter, pk, nonce="n-1")
    assert (resent.duplicate, resent.decisions) == (True, [(pk, "rejected", "duplicate", [])])


def test_refusals_before_the_quota(store_kind, config, candidates, make_voter):
    pk = candidates[0].pk
    assert vote(config, None, pk).decisions == [(pk, "rejected", "identity_required", [])]
    assert vote(config, make_voter(), 999_999).decisions == [(None, "rejected", "unknown_candidate", [])]
    assert vote(config, make_voter(), pk, pk).decisions == [(pk, "rejected", "duplicate_candidate", [])] * 2
    assert vote(config, ("wechat_oauth", "0" * 64), pk).statuses == {"accepted"}
    assert vote(config, ("email", "1" * 64), pk).decisions == [(pk, "rejected", "identity_required", [])]


def test_a_ballot_refused_for_spent_candidates_names_every_spent_one(store_kind, config, candidates, make_voter):
    """The refusal names all the chosen candidates voted for today, in the ballot's order, not only the first found;
    each candidate-vote of the ballot is still one rejected row, and other outcomes name none."""
    voter = make_voter()
    ids = [c.pk for c in candidates]
    assert vote(config, voter, ids[0], ids[2]) == Outcome(
        [(ids[0], "accepted", "", []), (ids[2], "accepted", "", [])], remaining_today=3)
    refused = vote(config, voter, ids[2], ids[1], ids[0])
    assert refused == Outcome([(pk, "rejected", "quota_candidate", []) for pk in (ids[2], ids[1], ids[0])],
                              remaining_today=3, spent=(ids[2], ids[0]))
    alone = vote(config, voter, ids[0])
    assert (alone.reason, alone.spent) == ("quota_candidate", (ids[0],))
    assert vote(config, voter, ids[1], ids[3]) == Outcome(
        [(ids[1], "accepted", "", []), (ids[3], "accepted", "", [])], remaining_today=1)
    # Past the day's total the ballot is refused for that first, spent candidates or not.
    assert vote(config, voter, ids[0], ids[4]) == Outcome(
        [(ids[0], "rejected", "quota_total", []), (ids[4], "rejected", "quota_total", [])], remaining_today=1)
    flush(config.campaign_id)
    rows = list(LedgerEntry.objects.order_by("seq").values_list("candidate_id", "decision", "reason"))
    assert rows == [
        (ids[0], "accepted", ""), (ids[2], "accepted", ""),
        (ids[2], "rejected", "quota_candidate"), (ids[1], "rejected", "quota_candidate"),
        (ids[0], "rejected", "quota_candidate"), (ids[0], "rejected", "quota_candidate"),
        (ids[1], "accepted", ""), (ids[3], "accepted", ""),
        (ids[0], "rejected", "quota_total"), (ids[4], "rejected", "quota_total"),
    ]
    report = verify(config.campaign_id)
    zero = {"accepted": 0, "quarantined": 0, "fraud": 0, "rejected": 0}
    assert (report.ok, report.problems, report.recount) == (True, [], {
        ids[0]: {**zero, "accepted": 1, "rejected": 3}, ids[1]: {**zero, "accepted": 1, "rejected": 1},
        ids[2]: {**zero, "accepted": 1, "rejected": 1}, ids[3]: {**zero, "accepted": 1}, ids[4]: {**zero, "rejected": 1}})
