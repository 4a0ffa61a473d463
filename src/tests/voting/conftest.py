"""Voting fixtures: a campaign with an open ballot and an open window, on the database or on Redis."""
import datetime as dt
import os

import pytest
import redis

from xuanshu.campaigns.models import Stage
from xuanshu.nominations.services import set_nomination_state
from xuanshu.voting import config as vote_config_module
from xuanshu.voting.config import vote_config
from xuanshu.voting.models import Candidate
from xuanshu.voting.services import open_ballot, register_voter

# A dedicated Redis database for these tests: only it is ever flushed. Two suites running side by side on one
# machine must each have their own (XUANSHU_TEST_REDIS_URL).
TEST_REDIS_URL = os.environ.get("XUANSHU_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
NAMES = ["张桂芳", "储宁宁", "王建国", "李秀英", "刘洋", "陈静", "杨帆", "赵磊", "黄河", "周敏", "吴昊", "孙丽"]


def shortlist(nomination):
    for state in ["in_review", "verified", "shortlisted"]:
        set_nomination_state(nomination=nomination, new_state=state, actor=None)
    return nomination


@pytest.fixture
def open_campaign(campaign, make_nomination):
    """The seed campaign with twelve shortlisted candidates, the ballot open and the voting window around now."""
    for name in NAMES:
        shortlist(make_nomination(nominee_name=name))
    open_ballot(campaign=campaign)
    now = dt.datetime.now(dt.UTC)
    Stage.objects.filter(campaign=campaign, kind="voting").update(starts_at=now - dt.timedelta(days=30),
                                                                   ends_at=now + dt.timedelta(days=30))
    vote_config_module.forget()
    yield campaign
    vote_config_module.forget()


@pytest.fixture
def candidates(open_campaign):
    return list(Candidate.objects.filter(campaign=open_campaign).order_by("number"))


@pytest.fixture
def config(open_campaign):
    return vote_config(open_campaign.slug, fresh=True)


@pytest.fixture
def redis_db(settings):
    settings.VOTING_REDIS_URL = TEST_REDIS_URL
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture(params=["db", "redis"])
def store_kind(request):
    """Run the test on the database path and on the Redis path."""
    if request.param == "redis":
        request.getfixturevalue("redis_db")
    return request.param


@pytest.fixture
def make_voter(open_campaign):
    def make(phone: str = "+8613800000001", method: str = "sms"):
        voter = register_voter(campaign_id=open_campaign.pk, method=method, identity_value=phone, label=phone[-4:])
        return (method, voter.voter_hash)

    return make
