"""The ledger: every attempt lands in it, `votes verify` recounts it and catches edited or deleted rows."""
import pytest
from django.core.management import CommandError, call_command

from tests.voting.helpers import flush, vote
from xuanshu.voting.audit import verify
from xuanshu.voting.models import CandidateTally, LedgerEntry

pytestmark = pytest.mark.django_db


def _some_votes(config, candidates, make_voter):
    a, b = make_voter("+8613800000001"), make_voter("+8613800000002")
    ids = [c.pk for c in candidates]
    vote(config, a, ids[0])
    vote(config, a, ids[0])  # rejected: per-candidate quota
    vote(config, b, ids[0], ids[1])
    vote(config, None, ids[2])  # rejected: no identity
    flush(config.campaign_id)
    return ids


def test_every_attempt_is_chained_and_recounted(store_kind, config, candidates, make_voter):
    ids = _some_votes(config, candidates, make_voter)
    rows = list(LedgerEntry.objects.order_by("seq").values_list("seq", "candidate_id", "decision", "reason"))
    assert rows == [
        (1, ids[0], "accepted", ""), (2, ids[0], "rejected", "quota_candidate"),
        (3, ids[0], "accepted", ""), (4, ids[1], "accepted", ""), (5, ids[2], "rejected", "identity_required"),
    ]
    chain = list(LedgerEntry.objects.order_by("seq").values_list("prev_hash", "row_hash"))
    assert all(chain[i][0] == chain[i - 1][1] for i in range(1, len(chain)))
    report = verify(config.campaign_id)
    assert (report.ok, report.entries, report.problems) == (True, 5, [])
    zero = {"accepted": 0, "quarantined": 0, "fraud": 0, "rejected": 0}
    assert report.recount == {ids[0]: {**zero, "accepted": 2, "rejected": 1}, ids[1]: {**zero, "accepted": 1},
                              ids[2]: {**zero, "rejected": 1}}
    assert CandidateTally.objects.get(candidate_id=ids[0]).accepted == 2


def test_verify_command_detects_an_edited_row(store_kind, config, candidates, make_voter, capsys):
    ids = _some_votes(config, candidates, make_voter)
    call_command("votes", "verify")
    assert "OK" in capsys.readouterr().out
    # An insider moves a vote to another candidate and fixes the tallies to match: the chain gives it away.
    LedgerEntry.objects.filter(seq=3).update(candidate_id=ids[1])
    CandidateTally.objects.filter(candidate_id=ids[0]).update(accepted=1)
    CandidateTally.objects.filter(candidate_id=ids[1]).update(accepted=2)
    with pytest.raises(CommandError):
        call_command("votes", "verify")
    out = capsys.readouterr().out
    assert "ledger #3: contents do not match its hash (row edited)" in out


def test_verify_detects_a_deleted_row_and_a_padded_tally(store_kind, config, candidates, make_voter):
    ids = _some_votes(config, candidates, make_voter)
    LedgerEntry.objects.filter(seq=2).delete()
    CandidateTally.objects.filter(candidate_id=ids[3]).update(accepted=7)
    problems = verify(config.campaign_id).problems
    assert "ledger: expected #2, found #3 (rows missing or reordered)" in problems
    assert "ledger #3: previous hash does not match the row before it" in problems
    padded = candidates[3]
    assert (f"No. 4 {padded.display_name}: database tally (accepted 7, quarantined 0, fraud 0, rejected 0) "
            "does not match the recount (accepted 0, quarantined 0, fraud 0, rejected 0)") in problems


def test_verify_names_candidates_by_ballot_number_and_name_and_prints_counts_as_words(
        store_kind, config, candidates, make_voter, capsys):
    _some_votes(config, candidates, make_voter)
    CandidateTally.objects.filter(candidate_id=candidates[1].pk).update(accepted=6, fraud=1)
    expected = (f"No. 2 {candidates[1].display_name}: database tally (accepted 6, quarantined 0, fraud 1, rejected 0) "
                "does not match the recount (accepted 1, quarantined 0, fraud 0, rejected 0)")
    assert verify(config.campaign_id).problems == [expected]
    with pytest.raises(CommandError):
        call_command("votes", "verify")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(";")[0] for line in lines if line.startswith("  No. ")] == [
        f"  No. 1 {candidates[0].display_name}: accepted 2, quarantined 0, fraud 0, rejected 1",
        f"  No. 2 {candidates[1].display_name}: accepted 1, quarantined 0, fraud 0, rejected 0",
        f"  No. 3 {candidates[2].display_name}: accepted 0, quarantined 0, fraud 0, rejected 1",
        f"  {expected}",
    ]


def test_verify_detects_a_status_flipped_without_a_decision(store_kind, config, candidates, make_voter):
    _some_votes(config, candidates, make_voter)
    LedgerEntry.objects.filter(seq=1).update(status="fraud")
    assert "ledger #1: status 'fraud' was never decided (initial 'accepted')" in verify(config.campaign_id).problems


LONG_WECHAT_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                     "Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN "
                     "miniProgram/wx1234567890abcdef WindowsWechat/WMPF WindowsWechat(0x63090a13) XWEB/11253")


@pytest.mark.parametrize("column, value, problem", [
    ("ip", "10.9.9.9", "address does not match its hash"),
    ("subnet", "10.9.9.0/24", "network does not match its address or hash"),
    ("user_agent", "curl/8.0", "user agent does not match its hash"),
])
def test_verify_detects_an_edited_address_network_or_user_agent(store_kind, config, candidates, make_voter, column, value,
                                                                problem):
    """These columns are outside the chain (the public export leaves them out); their hashes are in it."""
    vote(config, make_voter(), candidates[0].pk, ua=LONG_WECHAT_AGENT)
    flush(config.campaign_id)
    assert verify(config.campaign_id).ok
    LedgerEntry.objects.filter(seq=1).update(**{column: value})
    assert f"ledger #1: {problem} (row edited)" in verify(config.campaign_id).problems


def test_the_ledger_keeps_the_whole_user_agent_it_hashed(store_kind, config, candidates, make_voter):
    vote(config, make_voter(), candidates[0].pk, ua=LONG_WECHAT_AGENT)
    flush(config.campaign_id)
    assert len(LONG_WECHAT_AGENT) > 200
    assert LedgerEntry.objects.get(seq=1).user_agent == LONG_WECHAT_AGENT
