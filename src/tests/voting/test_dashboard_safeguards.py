"""The fraud dashboard's safeguards: a fraud confirmation shows what it will do first, a reversal that would move
nothing is refused, bad cluster values are a 404 rather than a server error, and editors read labels, not codes."""
import re

import pytest
from django.db import transaction
from django.utils import translation

from tests.voting.helpers import flush, vote
from tests.voting.test_decisions import FARM_IP, _cast, _tally
from xuanshu.console import voting_views
from xuanshu.core.errors import DomainError
from xuanshu.core.redaction import redact_addresses
from xuanshu.voting import ledger
from xuanshu.voting.audit import verify
from xuanshu.voting.decisions import apply_decision
from xuanshu.voting.models import LedgerEntry, VoteDecision, Voter
from xuanshu.voting.services import decide_votes, reverse_decision

pytestmark = pytest.mark.django_db(transaction=True)  # Redis tallies follow the database on commit


def _farm_subnet() -> str:
    return LedgerEntry.objects.filter(ip=FARM_IP).values_list("subnet_hash", flat=True).first()


def test_confirming_fraud_first_shows_the_votes_and_voters_it_takes_out(client, open_campaign, config, candidates, make_voter, editor):
    _honest, farm = _cast(config, candidates, make_voter)
    vote(config, farm[0], candidates[2].pk, ip="58.56.1.9", device="farm-elsewhere")  # outside the farm's subnet
    flush(config.campaign_id)
    client.force_login(editor)
    form = {"campaign": open_campaign.slug, "by": "subnet", "value": _farm_subnet(), "status": "accepted",
            "action": "confirm_fraud", "reason": "suggested by the dashboard"}

    page = client.post("/console/voting/decide/", form).content.decode()
    plan = page.split('id="fraud-plan"', 1)[1].split("</ul>", 1)[0]
    assert [int(n) for n in re.findall(r"(\d+)", plan)] == [4, 4, 1]
    assert 'name="reason" required' in page and "suggested by the dashboard" not in page  # the editor's own reason
    assert "101.37.88.0/24" in page and "任何时间" in page  # which cluster, cast when
    assert VoteDecision.objects.count() == 0 and _tally(candidates[1]) == (4, 0, 0)

    empty = client.post("/console/voting/decide/", {**form, "confirmed": "1", "reason": "  "})
    assert empty.status_code == 302 and VoteDecision.objects.count() == 0
    done = client.post("/console/voting/decide/", {**form, "confirmed": "1", "reason": "Farm confirmed by phone check"})
    assert done.status_code == 302
    assert _tally(candidates[1]) == (0, 0, 4) and _tally(candidates[2]) == (0, 0, 1)
    assert set(Voter.objects.filter(voter_hash__in=[v[1] for v in farm]).values_list("state", flat=True)) == {"fraud"}


def test_a_reversal_that_would_move_nothing_is_refused(client, open_campaign, config, candidates, make_voter, editor):
    _cast(config, candidates, make_voter)
    release_first = decide_votes(campaign=open_campaign, action="quarantine", actor=editor, reason="Held",
                                 cluster={"subnet_hash": _farm_subnet()})
    decide_votes(campaign=open_campaign, action="release", actor=editor, reason="Checked: a school",
                 cluster={"subnet_hash": _farm_subnet()})
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        reverse_decision(decision=release_first, actor=editor, reason="Undo the hold")
    assert refused.value.code == "nothing_to_reverse" and "撤回" in refused.value.message
    assert not release_first.reversals.exists() and VoteDecision.objects.count() == 2
    assert _tally(candidates[1]) == (4, 0, 0)
    assert verify(config.campaign_id).problems == []
    client.force_login(editor)
    page = client.get(f"/console/voting/?campaign={open_campaign.slug}").content.decode()
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>.*?</tr>", page.split('id="decisions"')[1], re.S)
    reverse_buttons = re.findall(r"/console/voting/decisions/(\d+)/reverse/", page)
    assert rows == ["2", "1"] and reverse_buttons == [str(VoteDecision.objects.get(seq=2).pk)]
    assert "已被取代" in page


def test_cluster_values_that_cannot_be_a_cluster_are_not_found(client, open_campaign, config, candidates, make_voter, editor):
    _cast(config, candidates, make_voter)
    client.force_login(editor)
    for value in ["abc", "99999999999999999999999", "-1", "", "１２", "1\x00"]:
        assert client.get("/console/voting/votes/", {"by": "candidate", "value": value}).status_code == 404, value
        posted = client.post("/console/voting/decide/", {"campaign": open_campaign.slug, "by": "candidate", "value": value,
                                                         "status": "accepted", "action": "quarantine", "reason": "x"})
        assert posted.status_code == 404, value
    assert client.get("/console/voting/votes/", {"by": "candidate", "value": str(candidates[1].pk)}).status_code == 200
    assert VoteDecision.objects.count() == 0


def test_editors_read_labels_and_their_view_is_kept(client, open_campaign, config, candidates, make_voter, editor):
    _honest, farm = _cast(config, candidates, make_voter)
    vote(config, farm[0], candidates[1].pk, ip=FARM_IP, device="farm-0")  # a second vote for one candidate today
    flush(config.campaign_id)
    with transaction.atomic():
        apply_decision(head=ledger.lock_head(open_campaign.pk), action="quarantine", actor_label="sweeper",
                       reason="Earlier votes of a cluster that tripped the regular_gaps rule",
                       selection={"rule": "regular_gaps"}, changes=[])
    client.force_login(editor)
    with translation.override("zh-hans"):
        by_voter = client.get(f"/console/voting/?campaign={open_campaign.slug}&by=voter&status=accepted").content.decode()
        rejected = client.get("/console/voting/votes/", {"by": "voter", "value": farm[0][1], "status": "rejected"}).content.decode()
    farm_label = Voter.objects.get(voter_hash=farm[0][1]).label
    assert f">{farm_label}</a>" in by_voter and f">{farm[0][1][:12]}…</a>" not in by_voter
    assert "regular_gaps" not in by_voter and "机器" in by_voter.split('id="decisions"')[1]
    assert ">sweeper<" not in by_voter and "系统自动核查" in by_voter
    assert "quota_candidate" not in rejected and "该候选人" in rejected

    decision = decide_votes(campaign=open_campaign, action="quarantine", actor=editor, reason="x" * 5000,
                            cluster={"subnet_hash": _farm_subnet()})
    page = client.get(f"/console/voting/?campaign={open_campaign.slug}&by=device&status=quarantined&window=7d").content.decode()
    assert "x" * 200 not in page.split('id="decisions"')[1].split("title=")[0]
    response = client.post(f"/console/voting/decisions/{decision.pk}/reverse/",
                           {"reason": "Wrong subnet", "by": "device", "status": "quarantined", "window": "7d"})
    assert response["Location"].endswith("&by=device&status=quarantined&window=7d")


def test_cut_lists_say_so(client, open_campaign, config, candidates, make_voter, editor, monkeypatch):
    _cast(config, candidates, make_voter)
    client.force_login(editor)
    monkeypatch.setattr(voting_views, "CLUSTER_LIMIT", 2)
    monkeypatch.setattr(voting_views, "VOTES_LIMIT", 3)
    by_device = client.get(f"/console/voting/?campaign={open_campaign.slug}&by=device&status=accepted").content.decode()
    assert 'id="clusters-cut"' in by_device  # seven devices
    by_candidate = client.get(f"/console/voting/?campaign={open_campaign.slug}&by=candidate&status=accepted").content.decode()
    assert 'id="clusters-cut"' not in by_candidate  # two candidates with votes: exactly the limit
    votes = client.get("/console/voting/votes/", {"by": "subnet", "value": _farm_subnet()}).content.decode()
    assert 'id="votes-cut"' in votes
    monkeypatch.setattr(voting_views, "VOTES_LIMIT", 4)
    votes = client.get("/console/voting/votes/", {"by": "subnet", "value": _farm_subnet()}).content.decode()
    assert 'id="votes-cut"' not in votes


def test_suggested_reasons_name_networks_agents_and_voters_by_hash(client, open_campaign, config, candidates, make_voter,
                                                                  editor):
    """A reason is published with its decision in the audit record: it carries no network, agent or masked number."""
    _honest, farm = _cast(config, candidates, make_voter)
    client.force_login(editor)
    farm_vote = LedgerEntry.objects.filter(ip=FARM_IP).order_by("seq").first()
    with translation.override("zh-hans"):
        suggested = {by: re.findall(r'name="reason" value="([^"]*)"', client.get(
            "/console/voting/", {"campaign": open_campaign.slug, "by": by, "status": "accepted", "window": "all"}
        ).content.decode()) for by in ["subnet", "user_agent", "voter", "candidate"]}
    assert suggested["subnet"][0] == f"在风控面板审核了4张已计入投票（按网段 {farm_vote.subnet_hash[:12]}…）"
    assert suggested["user_agent"] == [f"在风控面板审核了7张已计入投票（按浏览器标识 {farm_vote.ua_hash[:12]}…）"]
    assert f"在风控面板审核了1张已计入投票（按投票人 {farm_vote.voter_hash[:12]}…）" in suggested["voter"]
    assert suggested["candidate"][0] == f"在风控面板审核了4张已计入投票（{candidates[1]}）"  # public already
    assert not any("101.37.88" in reason or "Mozilla" in reason for reasons in suggested.values() for reason in reasons)


def test_suggested_reasons_are_chained_and_published_as_suggested(client, open_campaign, config, candidates, make_voter,
                                                                 editor):
    """The masking of personal numbers in a reason leaves the dashboard's own suggestions alone: counts, ballot
    numbers, dates and hours, hash prefixes."""
    _cast(config, candidates, make_voter)
    client.force_login(editor)
    pages = {}
    with translation.override("zh-hans"):
        for by in ["subnet", "user_agent", "voter", "candidate", "device", "time"]:
            pages[by] = client.get("/console/voting/", {"campaign": open_campaign.slug, "by": by, "status": "accepted",
                                                        "window": "all"}).content.decode()
    suggested = [reason for page in pages.values() for reason in re.findall(r'name="reason" value="([^"]*)"', page)]
    assert len(suggested) > 6 and [redact_addresses(reason) for reason in suggested] == suggested
    hour = re.search(r'name="reason" value="(在风控面板审核了\d+张已计入投票（\d{4}-\d{2}-\d{2} \d{2}:00–\d{2}:00）)"',
                     pages["time"]).group(1)
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', pages["time"].split(hour)[0].rsplit("<form", 1)[1]))
    done = client.post("/console/voting/decide/", {**form, "action": "quarantine", "reason": hour})
    assert (done.status_code, VoteDecision.objects.get().reason) == (302, hour)


def test_the_fraud_confirmation_names_its_cluster_in_the_editors_language_and_escapes_it(
        client, open_campaign, config, candidates, make_voter, editor):
    attack = '<script>alert("ua")</script><img src=x onerror=alert(1)>'
    for index in range(2):
        vote(config, make_voter(f"+861370000{index:04d}"), candidates[1].pk, ip=FARM_IP, device=f"farm-{index}", ua=attack)
    flush(config.campaign_id)
    client.force_login(editor)
    form = {"campaign": open_campaign.slug, "status": "accepted", "action": "confirm_fraud", "reason": "x"}
    by_subnet = client.post("/console/voting/decide/", {**form, "by": "subnet", "value": _farm_subnet()},
                            HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<p>By subnet: <strong>101.37.88.0/24</strong> · Accepted</p>" in by_subnet
    ua_hash = LedgerEntry.objects.filter(ip=FARM_IP).values_list("ua_hash", flat=True).first()
    pages = [client.post("/console/voting/decide/", {**form, "by": "user_agent", "value": ua_hash}).content.decode(),
             client.get("/console/voting/", {"campaign": open_campaign.slug, "by": "user_agent", "status": "accepted"}).content.decode(),
             client.get("/console/voting/votes/", {"campaign": open_campaign.slug, "by": "user_agent", "value": ua_hash}).content.decode()]
    assert [("<script>alert" in page, "<img src=x" in page, "&lt;script&gt;alert" in page) for page in pages] == [
        (False, False, True)] * 3
