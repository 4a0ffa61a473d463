"""`votes demo` (run by `make run`): a rehearsal's vote, open now, with honest votes counted and a farm held."""
import time

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import translation

from xuanshu.campaigns.models import Campaign
from xuanshu.nominations.demo import seed_demo_nominations
from xuanshu.voting.audit import verify
from xuanshu.voting.config import forget, vote_config
from xuanshu.voting.demo import FARM_VOTERS, seed_demo_vote
from xuanshu.voting.models import CandidateTally, LedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)  # Redis tallies follow the sweeper's decisions on commit


@pytest.fixture(autouse=True)
def fresh_snapshots():
    forget()
    yield
    forget()


def test_the_demo_vote_is_open_and_the_farm_is_held_for_review(store_kind, campaign, capsys):
    seed_demo_nominations(campaign=campaign, count=60)
    with translation.override("zh-hans"):
        call_command("votes", "demo", "--campaign", campaign.slug)
    out = capsys.readouterr().out
    assert "12 位候选人入围" in out

    config = vote_config(campaign.slug, fresh=True)
    assert len(config.candidate_ids) == 12 and config.window_open(time.time())
    farm = LedgerEntry.objects.filter(campaign=campaign, subnet="223.104.63.0/24")
    honest = LedgerEntry.objects.filter(campaign=campaign).exclude(subnet="223.104.63.0/24")
    assert farm.count() == FARM_VOTERS and set(farm.values_list("status", flat=True)) == {"quarantined"}
    assert honest.count() > 200 and set(honest.values_list("status", flat=True)) == {"accepted"}
    assert verify(campaign.pk).problems == []
    # The figures the dashboard's tallies show, the farm's votes the automatic check held afterwards included.
    tallies = CandidateTally.objects.filter(candidate__campaign=campaign).aggregate(
        accepted=Sum("accepted"), quarantined=Sum("quarantined"))
    assert (f"共投出 {tallies['accepted'] + tallies['quarantined']} 票；目前为：已计入 {tallies['accepted']}，"
            f"待核（疑） {tallies['quarantined']}。\n") in out

    rows = LedgerEntry.objects.count()
    with translation.override("zh-hans"):
        call_command("votes", "demo", "--campaign", campaign.slug)
    assert capsys.readouterr().out == f"{campaign.slug} 的演示投票：已开启，且已有投票。\n"
    assert LedgerEntry.objects.count() == rows


def test_no_demo_votes_in_a_live_campaign(campaign):
    Campaign.objects.filter(pk=campaign.pk).update(is_demo=False)
    campaign.refresh_from_db()
    with pytest.raises(CommandError, match="rehearsal"):
        call_command("votes", "demo", "--campaign", campaign.slug)
    assert not hasattr(Campaign.objects.get(pk=campaign.pk), "ballot")
    with pytest.raises(Exception, match="rehearsal"):
        seed_demo_vote(campaign=campaign)
