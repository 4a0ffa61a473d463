"""The fraud dashboard's clusters by hour, confirming a cluster as fraud (弊) with its voters, and the weaker
identity method labelled in the dashboard's tallies and in `votes verify`."""
import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import translation

from tests.voting.helpers import flush, vote
from tests.voting.test_decisions import FARM_IP, _cast
from xuanshu.voting.audit import verify
from xuanshu.voting.config import VOTING_TZ
from xuanshu.voting.models import LedgerEntry, VoteDecision, Voter
from xuanshu.voting.selectors import suspicious_clusters
from xuanshu.voting.services import decide_votes, reverse_decision

pytestmark = pytest.mark.django_db(transaction=True)  # Redis tallies and blocks follow the database on commit

HOUR = dt.timedelta(hours=1)


def _two_pm_yesterday() -> dt.datetime:
    """14:00 Beijing time yesterday: inside the test window, and far from the 2–5 a.m. night rule."""
    return (dt.datetime.now(VOTING_TZ) - dt.timedelta(days=1)).replace(hour=14, minute=0, second=0, microsecond=0)


def _seqs_of(voter) -> list[int]:
    return list(LedgerEntry.objects.filter(voter_hash=voter[1]).order_by("seq").values_list("seq", flat=True))


def _hourly_votes(config, candidates, make_voter, editor, open_campaign):
    """Quarantined votes at 13:59:59, 14:00:00 (device check), 14:59:59 and 15:00:00 Beijing time, and an honest
    counted vote at 14:30; returns the hour 14:00 and the voters by name."""
    two_pm = _two_pm_yesterday()
    voters = {name: make_voter(f"+86136000000{index:02d}", method="device" if name == "at_14_00" else "sms")
              for index, name in enumerate(["at_13_59", "at_14_00", "at_14_59", "at_15_00", "honest"])}
    moments = {"at_13_59": two_pm - dt.timedelta(seconds=1), "at_14_00": two_pm,
               "at_14_59": two_pm + HOUR - dt.timedelta(seconds=1), "at_15_00": two_pm + HOUR,
               "honest": two_pm + dt.timedelta(minutes=30)}
    for index, (name, moment) in enumerate(moments.items()):
        outcome = vote(config, voters[name], candidates[index].pk, now=moment.timestamp(), device=f"phone-{index}")
        assert outcome.statuses == {"accepted"}
    flush(config.campaign_id)
    suspects = [seq for name in moments if name != "honest" for seq in _seqs_of(voters[name])]
    decide_votes(campaign=open_campaign, action="quarantine", actor=editor, reason="Held for review", seqs=suspects)
    return two_pm, voters


def test_time_clusters_group_quarantined_votes_by_beijing_hour(open_campaign, config, candidates, make_voter, editor):
    two_pm, _voters = _hourly_votes(config, candidates, make_voter, editor, open_campaign)
    clusters = suspicious_clusters(open_campaign.pk, "time")
    assert [(c["hour"], c["votes"], c["voters"], c["weaker"]) for c in clusters] == [
        (two_pm, 2, 2, 1), (two_pm - HOUR, 1, 1, 0), (two_pm + HOUR, 1, 1, 0)]
    assert [c["hour"].utcoffset() for c in clusters] == [dt.timedelta(hours=8)] * 3
    counted = suspicious_clusters(open_campaign.pk, "time", status="accepted")
    assert [(c["hour"], c["votes"]) for c in counted] == [(two_pm, 1)]


def test_dashboard_shows_an_hour_its_votes_and_decides_on_them(client, open_campaign, config, candidates, make_voter, editor):
    two_pm, voters = _hourly_votes(config, candidates, make_voter, editor, open_campaign)
    client.force_login(editor)
    page = client.get(f"/console/voting/?campaign={open_campaign.slug}&by=time&status=quarantined").content.decode()
    day = f"{two_pm:%Y-%m-%d}"
    assert re.findall(r'name="value" value="([^"]*)"', page) == [
        two_pm.isoformat(), (two_pm - HOUR).isoformat(), (two_pm + HOUR).isoformat()]
    assert f"{day} 14:00–15:00" in page and f"{day} 13:00–14:00" in page and f"{day} 15:00–16:00" in page

    in_the_hour = client.get("/console/voting/votes/", {"campaign": open_campaign.slug, "by": "time",
                                                       "value": two_pm.isoformat(), "status": "quarantined"})
    shown = [int(seq) for seq in re.findall(r"<tr>\s*<td>(\d+)</td>", in_the_hour.content.decode())]
    assert shown == sorted(_seqs_of(voters["at_14_00"]) + _seqs_of(voters["at_14_59"]), reverse=True)
    whole_hour = client.get("/console/voting/votes/", {"campaign": open_campaign.slug, "by": "time", "value": two_pm.isoformat()})
    shown = [int(seq) for seq in re.findall(r"<tr>\s*<td>(\d+)</td>", whole_hour.content.decode())]
    assert shown == sorted(_seqs_of(voters["at_14_00"]) + _seqs_of(voters["at_14_59"]) + _seqs_of(voters["honest"]), reverse=True)
    assert client.get("/console/voting/votes/", {"by": "time", "value": "14:00"}).status_code == 404

    fraud = {"campaign": open_campaign.slug, "by": "time", "value": two_pm.isoformat(), "status": "quarantined",
             "action": "confirm_fraud", "reason": "Two fresh numbers in one hour for one list"}
    confirm = client.post("/console/voting/decide/", fraud)  # first shows what it will do, and changes nothing
    assert confirm.status_code == 200 and 'name="confirmed" value="1"' in confirm.content.decode()
    assert set(LedgerEntry.objects.values_list("status", flat=True)) == {"quarantined", "accepted"}
    response = client.post("/console/voting/decide/", {**fraud, "confirmed": "1"})
    assert response.status_code == 302
    status = dict(LedgerEntry.objects.values_list("voter_hash", "status"))
    assert {name: status[voter[1]] for name, voter in voters.items()} == {
        "at_13_59": "quarantined", "at_14_00": "fraud", "at_14_59": "fraud", "at_15_00": "quarantined", "honest": "accepted"}
    decision = VoteDecision.objects.get(action="confirm_fraud")
    assert decision.selection == {"since": two_pm.astimezone(dt.UTC).isoformat(),
                                  "until": (two_pm + HOUR).astimezone(dt.UTC).isoformat(), "status": "quarantined"}

    client.post("/console/voting/decide/", {"campaign": open_campaign.slug, "by": "time", "value": (two_pm - HOUR).isoformat(),
                                            "status": "quarantined", "action": "release", "reason": "A lone vote"})
    status = dict(LedgerEntry.objects.values_list("voter_hash", "status"))
    assert [status[voters[name][1]] for name in ["at_13_59", "at_14_00", "at_15_00"]] == ["accepted", "fraud", "quarantined"]
    assert verify(config.campaign_id).problems == []


def test_confirming_a_cluster_blocks_its_voters_until_reversed(store_kind, open_campaign, config, candidates, make_voter, editor):
    honest, farm = _cast(config, candidates, make_voter)
    # A farm voter's vote from elsewhere: outside the cluster, but theirs, so not counted once they are 弊.
    vote(config, farm[0], candidates[3].pk, ip="58.56.1.9", device="farm-elsewhere")
    flush(config.campaign_id)
    (elsewhere,) = LedgerEntry.objects.filter(candidate_id=candidates[3].pk).values_list("seq", flat=True)
    subnet = LedgerEntry.objects.filter(ip=FARM_IP).values_list("subnet_hash", flat=True).first()
    fraud = decide_votes(campaign=open_campaign, action="confirm_fraud", actor=editor, reason="Farm confirmed by phone check",
                         cluster={"subnet_hash": subnet})
    assert fraud.voter_changes == [[voter, "ok", "fraud"] for voter in sorted(v[1] for v in farm)]
    assert len(fraud.changes) == 5 and [elsewhere, "accepted", "fraud"] in fraud.changes
    assert LedgerEntry.objects.get(seq=elsewhere).status == "fraud"
    states = dict(Voter.objects.values_list("voter_hash", "state"))
    assert [states[v[1]] for v in farm + honest] == ["fraud"] * 4 + ["ok"] * 3
    assert vote(config, farm[0], candidates[2].pk).decisions == [(candidates[2].pk, "rejected", "voter_blocked", [])]
    assert vote(config, honest[0], candidates[2].pk, device="honest-0").statuses == {"accepted"}

    reversal = reverse_decision(decision=fraud, actor=editor, reason="The phone check was wrong")
    assert reversal.voter_changes == [[voter, "fraud", "ok"] for voter in sorted(v[1] for v in farm)]
    assert set(Voter.objects.values_list("state", flat=True)) == {"ok"}
    assert LedgerEntry.objects.get(seq=elsewhere).status == "accepted"
    assert vote(config, farm[0], candidates[2].pk).statuses == {"accepted"}
    flush(config.campaign_id)
    assert verify(config.campaign_id).problems == []


def _weaker_mix(config, candidates, make_voter, editor, open_campaign):
    """Counted: candidate 1 by a device voter and an SMS voter, candidate 2 by the SMS voter; a second device
    voter's vote for candidate 1 is confirmed as fraud and does not count."""
    by_device, by_sms, farmed = make_voter("device-a", method="device"), make_voter("+8613500000001"), make_voter("device-b", method="device")
    vote(config, by_device, candidates[0].pk, device="a")
    vote(config, by_sms, candidates[0].pk, candidates[1].pk, device="b")
    vote(config, farmed, candidates[0].pk, device="c")
    flush(config.campaign_id)
    decide_votes(campaign=open_campaign, action="confirm_fraud", actor=editor, reason="Bought", seqs=_seqs_of(farmed))


def test_dashboard_tallies_show_votes_counted_through_the_device_check(client, open_campaign, config, candidates, make_voter, editor):
    _weaker_mix(config, candidates, make_voter, editor, open_campaign)
    client.force_login(editor)
    page = client.get(f"/console/voting/?campaign={open_campaign.slug}").content.decode()
    rows = re.findall(r'<tr><td>([^<]*)</td><td>(\d+)</td><td class="weaker">(\d+)</td><td>\d+</td><td>(\d+)</td>', page)
    expected = [(str(c), "0", "0", "0") for c in candidates]
    expected[0], expected[1] = (str(candidates[0]), "2", "1", "1"), (str(candidates[1]), "1", "0", "0")
    assert rows == expected


def test_verify_splits_each_candidates_counted_votes_by_identity_method(store_kind, capsys, open_campaign, config, candidates, make_voter, editor):
    """The operator's report in Chinese: each identity method on a line of its own by its label, the device check
    marked as weaker; each candidate's counted votes split by method, never a Python dict."""
    _weaker_mix(config, candidates, make_voter, editor, open_campaign)
    with translation.override("zh-hans"):
        call_command("votes", "verify")
    out = capsys.readouterr().out
    lines = out.splitlines()
    report = lines[lines.index(f"{open_campaign.slug}：核对通过 — 账本 4 行，编辑决定 1 条"):]
    first, second = candidates[0], candidates[1]
    assert report[1:] == [
        "  各身份验证方式的投票尝试：",
        "    短信验证码：2 次",
        "    设备与图片验证码（较弱）：2 次（较弱的身份验证）",
        f"  第 {first.number} 号 {first.display_name}：已计入 2，待核（疑） 0，作弊（弊） 1，未通过 0；"
        "计入的票按身份验证方式：短信验证码 1，设备与图片验证码（较弱） 1；其中经较弱的身份验证：1",
        f"  第 {second.number} 号 {second.display_name}：已计入 1，待核（疑） 0，作弊（弊） 0，未通过 0；"
        "计入的票按身份验证方式：短信验证码 1；其中经较弱的身份验证：0",
    ]
    assert not any(mark in out for mark in ("{", "}", "'sms'", "device:"))


def _hidden(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]*)"', page)


def _cluster_counts(page: str) -> list[tuple[str, str]]:
    """(votes, voters) of each row of the clusters table."""
    table = page.split('id="clusters"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<td>(\d+)</td><td>(\d+)</td><td>\d+</td>", table)


def test_counted_votes_are_shown_and_decided_within_the_window_the_page_was_drawn_with(client, open_campaign, config, candidates, make_voter, editor):
    """Counted votes default to the last 24 hours; the page's buttons move only the votes it counted: not older
    ones outside the window, nor ones cast after the page was drawn."""
    now = dt.datetime.now(VOTING_TZ)
    old, recent, later = (make_voter(f"+8613700000{n:03d}") for n in range(3))
    vote(config, old, candidates[0].pk, now=(now - dt.timedelta(days=3)).timestamp(), device="old")
    vote(config, recent, candidates[0].pk, now=(now - HOUR).timestamp(), device="recent")
    flush(config.campaign_id)
    client.force_login(editor)
    url = f"/console/voting/?campaign={open_campaign.slug}&by=subnet&status=accepted"

    page = client.get(url).content.decode()
    assert _cluster_counts(page) == [("1", "1")]
    assert _hidden(page, "window") == ["24h"]
    whole = client.get(url + "&window=all").content.decode()
    assert _cluster_counts(whole) == [("2", "2")]

    vote(config, later, candidates[0].pk, device="later")  # after the page above was drawn
    flush(config.campaign_id)
    form = {name: _hidden(page, name)[0] for name in ["campaign", "by", "value", "status", "window", "since", "until"]}
    response = client.post("/console/voting/decide/", {**form, "action": "quarantine", "reason": "Checking a school's NAT"})
    assert response.status_code == 302 and "window=24h" in response["Location"]
    status = dict(LedgerEntry.objects.values_list("voter_hash", "status"))
    assert [status[v[1]] for v in (old, recent, later)] == ["accepted", "quarantined", "accepted"]
    assert verify(config.campaign_id).problems == []

    cluster = client.get("/console/voting/votes/", {"campaign": open_campaign.slug, "by": "subnet", "value": form["value"],
                                                    "since": form["since"], "until": form["until"]}).content.decode()
    assert [int(seq) for seq in re.findall(r"<tr>\s*<td>(\d+)</td>", cluster)] == _seqs_of(recent)
    assert client.get("/console/voting/votes/", {"campaign": open_campaign.slug, "by": "subnet", "value": form["value"],
                                                 "since": "yesterday"}).status_code == 404


def test_hour_clusters_on_sqlite_and_postgresql_match_truncation_in_beijing_time(open_campaign, config, candidates, make_voter):
    """The hour buckets are grouped in UTC by native SQL and shown in Beijing time: the same groups as Django's
    truncation in Beijing time, which SQLite runs in Python row by row."""
    from django.db.models import Count
    from django.db.models.functions import TruncHour

    base = _two_pm_yesterday()
    for index, minutes in enumerate([-61, -1, 0, 1, 59, 60, 61, 600]):
        vote(config, make_voter(f"+8613800000{index:03d}"), candidates[0].pk,
             now=(base + dt.timedelta(minutes=minutes)).timestamp(), device=f"d{index}")
    flush(config.campaign_id)
    clusters = suspicious_clusters(open_campaign.pk, "time", status="accepted", since=None)
    truncated = (LedgerEntry.objects.filter(campaign=open_campaign, status="accepted")
                 .annotate(hour=TruncHour("created_at", tzinfo=VOTING_TZ)).values("hour").annotate(n=Count("id")).order_by("hour"))
    assert sorted((c["hour"], c["votes"]) for c in clusters) == [(row["hour"], row["n"]) for row in truncated]
    assert len(clusters) == 5 and all(c["hour"].utcoffset() == dt.timedelta(hours=8) for c in clusters)
