"""WeChat web authorisation (snsapi_base) against a local fake of Tencent's OAuth endpoints."""
import pytest
import requests

from tests.voting.fakes.local_server import serving
from tests.voting.fakes.wechat_oauth import DOC_OPENID, WechatOAuthHandler
from tests.voting.helpers import UA, sent_back
from xuanshu.voting.identity import voter_hash
from xuanshu.voting.models import Voter

pytestmark = pytest.mark.django_db

APP_ID, SECRET = "wx8f2a1c3d5e7b9a01", "0c5b7e9a1d3f5b7c9e1a3c5e7a9b1d3f"


@pytest.fixture
def fake_wechat(settings, monkeypatch):
    with serving(WechatOAuthHandler, apps={APP_ID: SECRET}, user_openid=DOC_OPENID) as (server, base):
        settings.VOTING_WECHAT_OAUTH_BASE_URL = f"{base}/connect/"
        settings.VOTING_WECHAT_API_BASE_URL = f"{base}/"
        monkeypatch.setenv("VOTING_WECHAT_APP_ID", APP_ID)
        monkeypatch.setenv("VOTING_WECHAT_APP_SECRET", SECRET)
        yield server


def _authorise(client, campaign):
    start = client.get(f"/c/{campaign.slug}/vote/wechat/", HTTP_USER_AGENT=UA)
    assert start.status_code == 302
    at_wechat = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_wechat.status_code == 302
    return at_wechat.headers["Location"]


def test_snsapi_base_gives_the_openid_as_voter(store_kind, client, open_campaign, candidates, fake_wechat):
    back = _authorise(client, open_campaign)
    path = back.split("testserver", 1)[-1]
    done = client.get(path)
    assert sent_back(done) == (f"/c/{open_campaign.slug}/vote/", "verified")
    voter = Voter.objects.get()
    assert (voter.method, voter.voter_hash, voter.label) == (
        "wechat_oauth", voter_hash(open_campaign.pk, "wechat_oauth", DOC_OPENID), "wx…fL2M")
    reply = client.post(f"/v/{open_campaign.slug}/vote", {"candidate": [candidates[0].pk]}, HTTP_ACCEPT="application/json")
    assert (reply.status_code, reply.json()["status"]) == (200, "accepted")
    authorize = [query for path, query in fake_wechat.state["requests"] if path == "/connect/oauth2/authorize"][0]
    assert (authorize["appid"], authorize["scope"], authorize["response_type"]) == (APP_ID, "snsapi_base", "code")
    exchange = [query for path, query in fake_wechat.state["requests"] if path == "/sns/oauth2/access_token"][0]
    assert (exchange["secret"], exchange["grant_type"]) == (SECRET, "authorization_code")


def test_a_replayed_code_or_forged_state_is_refused(client, open_campaign, candidates, fake_wechat):
    back = _authorise(client, open_campaign)
    path = back.split("testserver", 1)[-1]
    assert sent_back(client.get(path))[1] == "verified"
    client.cookies.pop("xs_voter")
    client.cookies["xs_wx_state"] = path.split("state=")[1]
    assert sent_back(client.get(path))[1] == "wechat_failed"  # the code was used up
    forged = path.replace("state=", "state=x")
    assert sent_back(client.get(forged))[1] == "wechat_failed"
    assert Voter.objects.count() == 1


def test_wrong_app_secret_fails_cleanly(client, open_campaign, fake_wechat, monkeypatch):
    monkeypatch.setenv("VOTING_WECHAT_APP_SECRET", "not-the-secret")
    back = _authorise(client, open_campaign)
    assert sent_back(client.get(back.split("testserver", 1)[-1]))[1] == "wechat_failed"
    assert Voter.objects.count() == 0
