"""The ballot page and the vote endpoint through Django's test client (full stack); the lean path: test_lean_path."""

import pytest
from django.utils import translation

from tests.voting.helpers import UA, sent_back
from xuanshu.voting.messages import OUTCOME_MESSAGES
from xuanshu.voting.sms.dev import last_code_for

pytestmark = pytest.mark.django_db


def _verify_by_sms(client, campaign, phone="13800138000"):
    client.post(f"/c/{campaign.slug}/vote/sms/", {"action": "send", "phone": phone})
    code = last_code_for(f"+86{phone}")
    response = client.post(f"/c/{campaign.slug}/vote/sms/", {"action": "verify", "code": code})
    assert (response.status_code, sent_back(response)) == (302, (f"/c/{campaign.slug}/vote/", "verified"))
    return response


def test_ballot_page_asks_for_identity_then_counts_down(store_kind, client, open_campaign, candidates):
    page = client.get(f"/c/{open_campaign.slug}/vote/", HTTP_USER_AGENT=UA)
    html = page.content.decode()
    assert page.status_code == 200 and 'name="phone"' in html and 'id="remaining"' not in html
    assert [c.display_name in html for c in candidates] == [True] * len(candidates)
    _verify_by_sms(client, open_campaign)
    reply = client.post(f"/v/{open_campaign.slug}/vote", {"candidate": [candidates[0].pk], "nonce": "a"},
                        HTTP_ACCEPT="application/json", HTTP_USER_AGENT=UA)
    assert (reply.status_code, reply.json()["status"], reply.json()["remaining"]) == (200, "accepted", 4)
    with translation.override("zh-hans"):
        assert reply.json()["message"] == str(OUTCOME_MESSAGES["accepted"])
    page = client.get(f"/c/{open_campaign.slug}/vote/")
    assert 'data-remaining>4<' in page.content.decode()


def test_vote_refusals_have_their_http_status_and_message(store_kind, client, open_campaign, candidates):
    url = f"/v/{open_campaign.slug}/vote"
    with translation.override("en"):
        no_identity = client.post(url, {"candidate": [candidates[0].pk]}, HTTP_ACCEPT="application/json")
    assert (no_identity.status_code, no_identity.json()["reason"]) == (403, "identity_required")
    _verify_by_sms(client, open_campaign)
    assert client.post(url, {"candidate": [candidates[0].pk]}, HTTP_ACCEPT="application/json").status_code == 200
    again = client.post(url, {"candidate": [candidates[0].pk]}, HTTP_ACCEPT="application/json")
    assert (again.status_code, again.json()["reason"]) == (409, "quota_candidate")
    cross_site = client.post(url, {"candidate": [candidates[1].pk]}, HTTP_ORIGIN="https://evil.example")
    assert cross_site.status_code == 403
    bad = client.post(url, {"candidate": ["1 OR 1=1"]}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400


