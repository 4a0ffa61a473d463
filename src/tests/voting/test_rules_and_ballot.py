"""The campaign file's [voting] table and opening the ballot from the shortlist."""
import datetime as dt
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.conftest import SEED_CAMPAIGN_FILE
from tests.voting.conftest import shortlist
from xuanshu.campaigns.loader import CampaignFileError, VotingSpec, parse_campaign
from xuanshu.core.errors import DomainError
from xuanshu.core.models import ActivityLog
from xuanshu.voting.models import Ballot, Candidate, CandidateTally, VotingRules
from xuanshu.voting.services import open_ballot

SEED_TEXT = SEED_CAMPAIGN_FILE.read_text(encoding="utf-8")


def test_seed_file_voting_table():
    assert parse_campaign(SEED_TEXT).voting == VotingSpec(
        identity_methods=["wechat_oauth", "sms", "device"], votes_per_day=5, votes_per_candidate_per_day=1,
        min_candidates_per_ballot=0, count_display="rounded", count_rounding=100,
        thresholds={"per_ip_per_minute": 120, "per_subnet_per_minute": 600, "per_device_per_minute": 20,
                    "per_identity_per_minute": 20, "cluster_max_voters": 15, "device_max_voters": 5,
                    "night_start_hour": 2, "night_end_hour": 5},
        sms_limits={"free_per_address": 10, "free_per_subnet": 100, "max_per_address": 600, "max_per_subnet": 6000,
                    "pictures_per_address": 600, "answers_per_address": 300},
    )


@pytest.mark.parametrize("edit, key, problem", [
    ('count_display = "rounded"', "voting.count_display", '"exact" is not one of: shown, hidden, rounded'),
    ('identity = ["wechat_oauth", "sms", "device"]', "voting.identity", '"email" is not one of: wechat_oauth, sms, device'),
    ("votes_per_candidate_per_day = 1", "voting.votes_per_candidate_per_day", "must not exceed votes_per_day (5), not 9"),
    ("count_rounding = 100", "voting.follow_required",
     "unknown key; allowed: count_display, count_rounding, identity, min_candidates_per_ballot, sms_limits, thresholds, "
     "votes_per_candidate_per_day, votes_per_day"),
])
def test_voting_table_errors_name_key_and_line(edit, key, problem):
    replacement = {
        "voting.count_display": 'count_display = "exact"',
        "voting.identity": 'identity = ["email"]',
        "voting.votes_per_candidate_per_day": "votes_per_candidate_per_day = 9",
        "voting.follow_required": "count_rounding = 100\nfollow_required = true",
    }[key]
    text = SEED_TEXT.replace(edit, replacement)
    line = next(number for number, content in enumerate(text.splitlines(), start=1) if content.startswith(key.split(".")[1]))
    with translation.override("en"), pytest.raises(CampaignFileError) as error:  # the English wording, explicitly
        parse_campaign(text, "c.toml")
    assert (error.value.key, error.value.line, error.value.problem) == (key, line, problem)
    assert str(error.value) == f"c.toml:{line}: key '{key}': {problem}"


def test_loading_writes_the_rules(campaign):
    rules = VotingRules.objects.get(campaign=campaign)
    assert (rules.identity_methods, rules.votes_per_day, rules.votes_per_candidate_per_day, rules.count_display) == (
        ["wechat_oauth", "sms", "device"], 5, 1, "rounded")
    create = ActivityLog.objects.get(action="campaign.create")
    assert create.new_value["voting.votes_per_day"] == {"old": None, "new": 5}


def test_open_ballot_freezes_the_shortlist_once(campaign, make_nomination, editor):
    with pytest.raises(DomainError):
        open_ballot(campaign=campaign, actor=editor)
    first = shortlist(make_nomination(nominee_name="王建国"))
    second = shortlist(make_nomination(nominee_name="储宁宁"))
    make_nomination(nominee_name="未入围")  # received, not shortlisted
    ballot = open_ballot(campaign=campaign, actor=editor)
    assert list(Candidate.objects.order_by("number").values_list("number", "display_name", "nomination")) == [
        (1, "储宁宁", second.pk), (2, "王建国", first.pk)]
    assert CandidateTally.objects.count() == 2
    shortlist(make_nomination(nominee_name="后来者"))
    assert open_ballot(campaign=campaign, actor=editor) == ballot  # idempotent: the list stays frozen
    assert (Candidate.objects.count(), Ballot.objects.count()) == (2, 1)
    assert ActivityLog.objects.filter(action="voting.open_ballot").count() == 1


def test_votes_open_says_when_the_ballot_opened_in_beijing_time(campaign, make_nomination, capsys):
    """Stored in UTC, read by the operator in Asia/Shanghai: a ballot opened at 23:30 UTC opened the next day at 07:30."""
    shortlist(make_nomination(nominee_name="王建国"))
    shortlist(make_nomination(nominee_name="储宁宁"))
    with translation.override("zh-hans"):
        call_command("votes", "open", campaign.slug)
        Ballot.objects.filter(campaign=campaign).update(opened_at=dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC))
        call_command("votes", "open", campaign.slug)  # idempotent: says when the ballot opened
        with pytest.raises(CommandError) as refused:
            call_command("votes", "open", "no-such-campaign")
    assert capsys.readouterr().out.splitlines()[-1] == f"{campaign.slug} 的选票自 2026-11-30 07:30 起开启，共 2 位候选人。"
    assert str(refused.value) == "没有活动 no-such-campaign。"


def test_the_campaign_files_thresholds_govern_the_vote(store_kind, open_campaign, candidates, make_voter):
    """`[voting.thresholds]` reaches the vote: a campaign that allows one ballot per voter per minute."""
    from tests.voting.helpers import vote
    from xuanshu.voting.config import forget, vote_config

    VotingRules.objects.filter(campaign=open_campaign).update(thresholds={"per_identity_per_minute": 1})
    forget()
    config = vote_config(open_campaign.slug)
    assert config.thresholds.per_identity_per_minute == 1
    voter = make_voter()
    now = time.time() // 60 * 60  # both ballots in one minute, whatever the clock says
    first = vote(config, voter, candidates[0].pk, now=now + 1)
    second = vote(config, voter, candidates[1].pk, now=now + 2)
    assert (first.reason, second.reason) == ("", "rate_limited")
