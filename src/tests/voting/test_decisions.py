"""Editors' decisions on the fraud dashboard: quarantine, fraud, release and reversal, each audited and chained."""
import pytest
from django.utils import translation

from tests.voting.helpers import flush, vote
from xuanshu.core.errors import DomainError
from xuanshu.core.models import ActivityLog
from xuanshu.voting.audit import verify
from xuanshu.voting.models import CandidateTally, LedgerEntry, VoteDecision, Voter
from xuanshu.voting.services import decide_votes, mark_voter_fraud, reverse_decision

pytestmark = pytest.mark.django_db(transaction=True)  # Redis tallies follow the database on commit

FARM_IP = "101.37.88.20"


def _cast(config, candidates, make_voter):
    honest = [make_voter(f"+8613900000{i:03d}") for i in range(3)]
    farm = [make_voter(f"+8613700000{i:03d}") for i in range(4)]
    for index, voter in enumerate(honest):
        vote(config, voter, candidates[0].pk, device=f"honest-{index}")
    for index, voter in enumerate(farm):
        vote(config, voter, candidates[1].pk, ip=FARM_IP, device=f"farm-{index}")
    flush(config.campaign_id)
    return honest, farm


def _tally(candidate):
    t = CandidateTally.objects.get(candidate=candidate)
    return (t.accepted, t.quarantined, t.fraud)


def test_cluster_decisions_are_reversible_and_audited(store_kind, open_campaign, config, candidates, make_voter, editor):
    _honest, farm = _cast(config, candidates, make_voter)
    subnet = LedgerEntry.objects.filter(ip=FARM_IP).values_list("subnet_hash", flat=True).first()
    quarantine = decide_votes(campaign=open_campaign, action="quarantine", actor=editor,
                              reason="Four fresh numbers from one proxy subnet", cluster={"subnet_hash": subnet})
    assert (_tally(candidates[1]), _tally(candidates[0])) == ((0, 4, 0), (3, 0, 0))
    fraud = decide_votes(campaign=open_campaign, action="confirm_fraud", actor=editor, reason="Farm confirmed by phone check",
                         cluster={"subnet_hash": subnet})
    assert _tally(candidates[1]) == (0, 0, 4)
    reversal = reverse_decision(decision=fraud, actor=editor, reason="The phone check was wrong")
    assert _tally(candidates[1]) == (0, 4, 0)
    assert [(d.seq, d.action, d.reverses_id) for d in VoteDecision.objects.order_by("seq")] == [
        (1, "quarantine", None), (2, "confirm_fraud", None), (3, "reverse", fraud.pk)]
    audit = list(ActivityLog.objects.filter(action__startswith="vote.").order_by("id").values_list("action", "reason", "actor"))
    assert audit == [("vote.quarantine", "Four fresh numbers from one proxy subnet", editor.pk),
                     ("vote.confirm_fraud", "Farm confirmed by phone check", editor.pk),
                     ("vote.reverse", "The phone check was wrong", editor.pk)]
    with pytest.raises(DomainError):
        reverse_decision(decision=fraud, actor=editor, reason="again")
    assert reversal.changes == [[seq, "fraud", "quarantined"] for seq, _old, _new in fraud.changes]
    assert verify(config.campaign_id).problems == []
    assert quarantine.selection == {"subnet_hash": subnet}


def test_a_voter_marked_as_fraud_is_blocked_until_reversed(store_kind, open_campaign, config, candidates, make_voter, editor):
    _honest, farm = _cast(config, candidates, make_voter)
    decision = mark_voter_fraud(campaign=open_campaign, voter_hash=farm[0][1], actor=editor, reason="Bought votes, admitted")
    assert Voter.objects.get(voter_hash=farm[0][1]).state == "fraud"
    assert _tally(candidates[1]) == (3, 0, 1)
    assert vote(config, farm[0], candidates[2].pk).decisions == [(candidates[2].pk, "rejected", "voter_blocked", [])]
    reverse_decision(decision=decision, actor=editor, reason="Identity theft: the real owner voted")
    assert Voter.objects.get(voter_hash=farm[0][1]).state == "ok"
    assert vote(config, farm[0], candidates[2].pk).statuses == {"accepted"}
    flush(config.campaign_id)
    assert _tally(candidates[1]) == (4, 0, 0)
    assert verify(config.campaign_id).problems == []


def test_decisions_need_a_reason_and_permission(open_campaign, config, candidates, make_voter, viewer, editor):
    _cast(config, candidates, make_voter)
    with translation.override("en"), pytest.raises(DomainError) as no_reason:
        decide_votes(campaign=open_campaign, action="quarantine", actor=editor, reason=" ", cluster={"candidate_id": candidates[1].pk})
    assert no_reason.value.message == "Please give a reason for this decision."
    with pytest.raises(DomainError) as not_allowed:
        decide_votes(campaign=open_campaign, action="quarantine", actor=viewer, reason="x", cluster={"candidate_id": candidates[1].pk})
    assert not_allowed.value.code == "permission_denied"


def test_dashboard_shows_clusters_and_decides_in_one_click(client, open_campaign, config, candidates, make_voter, editor):
    _cast(config, candidates, make_voter)
    client.force_login(editor)
    page = client.get("/console/voting/?by=subnet&status=accepted")
    html = page.content.decode()
    assert page.status_code == 200 and "101.37.88.0/24" in html
    subnet = LedgerEntry.objects.filter(ip=FARM_IP).values_list("subnet_hash", flat=True).first()
    response = client.post("/console/voting/decide/", {"campaign": open_campaign.slug, "by": "subnet", "value": subnet,
                                                        "status": "accepted", "action": "quarantine",
                                                        "reason": "4 votes from 101.37.88.0/24"})
    assert response.status_code == 302
    assert _tally(candidates[1]) == (0, 4, 0)
    votes = client.get(f"/console/voting/votes/?by=subnet&value={subnet}&status=quarantined").content.decode()
    # Editors see the network and a mark per address, never a voter's address itself.
    address_mark = LedgerEntry.objects.filter(ip=FARM_IP).values_list("ip_hash", flat=True).first()[:8]
    assert votes.count(f"#{address_mark}") == 4 and votes.count("101.37.88.0/24") == 4 and FARM_IP not in votes
