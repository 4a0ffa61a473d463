"""The candidate gallery and profiles (H5, zh-hans): the voter's votes left, escaping, counts under each display
rule with a quarantined vote present, and the vote endpoint's zh-hans replies the pages show.

The ballot page itself, the SMS flow and the endpoint's HTTP statuses are covered in tests/voting/test_pages.py."""
import dataclasses
import datetime as dt
import html as html_lib
import re
from urllib.parse import quote

import pytest
import requests

from tests.voting.helpers import UA, sent_back, vote
from xuanshu.campaigns.models import Stage
from xuanshu.voting import captcha
from xuanshu.voting import config as vote_config_module
from xuanshu.voting.ballot_http import FLASH_COOKIE
from xuanshu.voting.config import vote_config
from xuanshu.voting.identity import VOTER_COOKIE, issue_voter_token
from xuanshu.voting.models import Candidate, VotingRules
from xuanshu.voting.sms.dev import last_code_for

pytestmark = pytest.mark.django_db

# The zh-hans texts voters read (locale/zh_Hans/LC_MESSAGES/django.po).
OUTSIDE_WINDOW = "当前不在投票时间内。"
QUOTA_USED = "您今天的票数已用完，请明天再来。"
BEING_VERIFIED = "您的投票正在核实中。"
IDENTITY_NEEDED = "投票前请先验证身份。"


def _remaining_line(n: int) -> str:
    return f'<p class="remaining" id="remaining">您今天还有 <strong data-remaining>{n}</strong> 票。</p>'


def _message_box(text: str) -> str:
    return f'<p class="vote-message notice" id="vote-message" role="status" aria-live="polite">{text}</p>'


def _sign_in(client, campaign, voter) -> None:
    client.cookies[VOTER_COOKIE] = issue_voter_token(campaign.pk, *voter)


def _gallery(client, campaign, query=""):
    response = client.get(f"/c/{campaign.slug}/candidates/{query}", HTTP_USER_AGENT=UA)
    return response.status_code, response.content.decode()


def _profile(client, campaign, number, query=""):
    response = client.get(f"/c/{campaign.slug}/candidates/{number}/{query}", HTTP_USER_AGENT=UA)
    return response.status_code, response.content.decode()


def _counts(html: str) -> list[str]:
    return [html_lib.unescape(c) for c in re.findall(r'<p class="count" data-count="([^"]*)">', html)]


def _cast(client, campaign, *candidate_ids, nonce="n1"):
    reply = client.post(f"/v/{campaign.slug}/vote", {"candidate": list(candidate_ids), "nonce": nonce},
                        HTTP_ACCEPT="application/json", HTTP_USER_AGENT=UA)
    return reply.status_code, reply.json()


# --- pages --------------------------------------------------------------------------------------------


def test_gallery_shows_cards_links_and_the_votes_left_today(store_kind, client, open_campaign, candidates, make_voter):
    _sign_in(client, open_campaign, make_voter())
    assert _cast(client, open_campaign, candidates[0].pk)[0] == 200
    status, html = _gallery(client, open_campaign)
    assert status == 200 and '<html lang="zh-hans">' in html
    assert "<h2>候选人</h2>" in html and _remaining_line(4) in html
    assert re.findall(r'data-candidate="(\d+)" id="candidate-(\d+)"', html) == [
        (str(c.pk), str(c.number)) for c in candidates]
    assert re.findall(rf'<a href="/c/{open_campaign.slug}/candidates/(\d+)/">查看事迹</a>', html) == [
        str(c.number) for c in candidates]
    spent = re.findall(r'<li class="candidate card spent" data-candidate="(\d+)"', html)
    assert spent == [str(candidates[0].pk)]
    assert f'<form method="post" action="/v/{open_campaign.slug}/vote" id="ballot" class="ballot gallery">' in html
    assert 'name="phone"' not in html  # verified: no identity form


def test_gallery_asks_an_unverified_visitor_to_verify_and_comes_back_to_it(client, open_campaign, candidates):
    status, html = _gallery(client, open_campaign)
    here = f"/c/{open_campaign.slug}/candidates/"
    assert status == 200 and 'id="remaining"' not in html
    assert f'<input type="hidden" name="next" value="{here}">' in html
    sent = client.post(f"/c/{open_campaign.slug}/vote/sms/", {"action": "send", "phone": "13800138000", "next": here})
    assert sent_back(sent) == (here, "sent")
    verified = client.post(f"/c/{open_campaign.slug}/vote/sms/",
                           {"action": "verify", "code": last_code_for("+8613800138000"), "next": here})
    assert sent_back(verified) == (here, "verified")
    status, html = _gallery(client, open_campaign)
    assert (_message_box("验证成功，现在可以投票了。") in html, _remaining_line(5) in html) == (True, True)


def test_picture_check_started_on_a_profile_comes_back_to_it(client, open_campaign, candidates):
    profile = f"/c/{open_campaign.slug}/candidates/{candidates[3].number}/"
    html = _profile(client, open_campaign, candidates[3].number)[1]
    start = f"/c/{open_campaign.slug}/vote/device/?next={quote(profile, safe='')}"
    assert f'href="{start}"' in html
    assert f'<a href="{profile}">返回投票页</a>' in client.get(start).content.decode()
    challenge, answer = captcha.new_challenge()
    done = client.post(start, {"challenge": challenge, "answer": answer})
    assert sent_back(done) == (profile, "verified")


def test_wechat_authorisation_started_in_the_gallery_comes_back_to_it(client, open_campaign, candidates, fake_wechat):
    here = f"/c/{open_campaign.slug}/candidates/"
    start = f"/c/{open_campaign.slug}/vote/wechat/?next={quote(here, safe='')}"
    assert f'href="{start}"' in _gallery(client, open_campaign)[1]  # inside WeChat's browser (UA) only
    at_wechat = requests.get(client.get(start, HTTP_USER_AGENT=UA)["Location"], allow_redirects=False, timeout=5)
    done = client.get(at_wechat.headers["Location"].split("testserver", 1)[-1])
    assert sent_back(done) == (here, "verified")


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/c/x/candidates/", "/c/other-campaign/candidates/",
                                       "/console/", "/c/{slug}/candidates/?m=x"])
def test_identity_flows_return_only_to_this_campaigns_voting_pages(client, open_campaign, next_path):
    reply = client.post(f"/c/{open_campaign.slug}/vote/sms/",
                        {"action": "send", "phone": "12", "next": next_path.format(slug=open_campaign.slug)})
    assert sent_back(reply) == (f"/c/{open_campaign.slug}/vote/", "invalid_phone")


def test_profile_shows_the_full_summary_count_and_votes_left(client, open_campaign, candidates, make_voter):
    summary = "二十年如一日照顾瘫痪在床的婆婆。\n" + "还常年义务为社区老人理发，街坊邻居有口皆碑。" * 8
    Candidate.objects.filter(pk=candidates[2].pk).update(summary=summary)
    _sign_in(client, open_campaign, make_voter())
    status, html = _profile(client, open_campaign, candidates[2].number)
    assert status == 200 and '<html lang="zh-hans">' in html and _remaining_line(5) in html
    assert f'<div class="deeds prewrap">{summary}</div>' in html
    assert f'<span class="name">{candidates[2].display_name}</span>' in html
    assert f'<input type="hidden" name="candidate" value="{candidates[2].pk}">' in html
    assert '<button type="submit" class="button" id="vote-submit">为TA投票</button>' in html
    assert _counts(html) == ["<100"]  # the seed campaign shows counts rounded to 100


def test_citizen_written_text_is_escaped(client, open_campaign, candidates, make_voter):
    Candidate.objects.filter(pk=candidates[0].pk).update(
        display_name='<img src=x onerror="alert(2)">', summary="<script>alert(1)</script>好人")
    _sign_in(client, open_campaign, make_voter())
    for status, html in (_gallery(client, open_campaign), _profile(client, open_campaign, candidates[0].number)):
        assert status == 200
        assert ("<script>alert(1)" in html, "<img src=x" in html) == (False, False)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;好人" in html
        assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html


def test_unknown_or_withdrawn_candidates_are_not_found(client, open_campaign, candidates):
    Candidate.objects.filter(pk=candidates[1].pk).update(is_active=False)
    vote_config_module.forget()
    assert [_profile(client, open_campaign, n)[0] for n in (candidates[0].number, candidates[1].number, 999)] == [
        200, 404, 404]
    assert client.get(f"/c/{open_campaign.slug}/candidates/abc/").status_code == 404
    assert client.get("/c/no-such-campaign/candidates/").status_code == 404
    status, html = _gallery(client, open_campaign)
    listed = re.findall(r'<li class="candidate card" data-candidate="(\d+)"', html)
    assert listed == [str(c.pk) for c in candidates if c.pk != candidates[1].pk]


def test_before_the_ballot_opens_there_is_no_gallery_link_nor_profile(client, campaign):
    vote_config_module.forget()
    assert 'id="vote-link"' not in client.get(f"/c/{campaign.slug}/").content.decode()
    status, html = _gallery(client, campaign)
    assert (status, '<p class="notice" id="vote-message" role="status">投票尚未开放。</p>' in html) == (200, True)
    assert client.get(f"/c/{campaign.slug}/candidates/1/").status_code == 404


def test_campaign_page_links_the_gallery_when_the_ballot_is_open(client, open_campaign):
    html = client.get(f"/c/{open_campaign.slug}/").content.decode()
    assert f'<a class="button" href="/c/{open_campaign.slug}/candidates/">查看候选人并投票</a>' in html


# --- counts: shown, hidden, rounded, with a quarantined vote present ----------------------------------


def _three_accepted_one_quarantined(open_campaign, candidates, make_voter):
    config = vote_config(open_campaign.slug, fresh=True)
    accepted = [vote(config, make_voter(f"+861380000000{i}"), candidates[0].pk).statuses for i in range(3)]
    # A campaign whose cluster limit every vote trips: the fourth vote is quarantined (疑).
    strict = dataclasses.replace(config, thresholds=dataclasses.replace(config.thresholds, cluster_max_voters=0))
    # From another network and phone model: the sweep that quarantines a flagged cluster's earlier votes
    # (voting/sweep.py) must not reach the three honest votes.
    quarantined = vote(strict, make_voter("+8613800000009"), candidates[0].pk, ip="117.136.12.5", device="dev-2",
                       ua="Mozilla/5.0 (Linux; Android 12; PEHM00) AppleWebKit/537.36 Mobile Safari/537.36").statuses
    assert (accepted, quarantined) == ([{"accepted"}] * 3, {"quarantined"})


def _display(campaign, count_display, count_rounding=100):
    VotingRules.objects.filter(campaign=campaign).update(count_display=count_display, count_rounding=count_rounding)
    vote_config_module.forget()


def test_counts_shown_leave_out_the_quarantined_vote(store_kind, client, open_campaign, candidates, make_voter):
    _three_accepted_one_quarantined(open_campaign, candidates, make_voter)
    _display(open_campaign, "shown")
    status, html = _gallery(client, open_campaign)
    assert (status, _counts(html)) == (200, ["3"] + ["0"] * 11)
    assert _counts(_profile(client, open_campaign, candidates[0].number)[1]) == ["3"]
    assert '<p class="count" data-count="3">3票</p>' in html


def test_counts_rounded_leave_out_the_quarantined_vote(store_kind, client, open_campaign, candidates, make_voter):
    _three_accepted_one_quarantined(open_campaign, candidates, make_voter)
    _display(open_campaign, "rounded", count_rounding=2)  # 3 accepted show as 2+; with the quarantined one, 4+
    status, html = _gallery(client, open_campaign)
    assert (status, _counts(html)) == (200, ["2+"] + ["<2"] * 11)
    assert _counts(_profile(client, open_campaign, candidates[0].number)[1]) == ["2+"]
    assert '<p class="muted" id="count-rule">票数按 2 的整数倍向下取整显示。</p>' in html


def test_counts_hidden_show_no_number(store_kind, client, open_campaign, candidates, make_voter):
    _three_accepted_one_quarantined(open_campaign, candidates, make_voter)
    _display(open_campaign, "hidden")
    for status, html in (_gallery(client, open_campaign), _profile(client, open_campaign, candidates[0].number)):
        assert (status, _counts(html), 'class="count"' in html) == (200, [], False)
        assert '<p class="muted" id="count-rule">投票期间不公布票数。</p>' in html


# --- the vote endpoint's replies, and the pages showing them -------------------------------------------


def test_reply_outside_the_window(store_kind, client, open_campaign, candidates, make_voter):
    now = dt.datetime.now(dt.UTC)
    Stage.objects.filter(campaign=open_campaign, kind="voting").update(starts_at=now - dt.timedelta(days=9),
                                                                       ends_at=now - dt.timedelta(days=2))
    vote_config_module.forget()
    _sign_in(client, open_campaign, make_voter())
    assert _cast(client, open_campaign, candidates[0].pk) == (403, {
        "status": "rejected", "reason": "outside_window", "message": OUTSIDE_WINDOW, "remaining": None})
    status, html = _gallery(client, open_campaign)
    assert '<p class="notice" id="window-state">投票已结束。</p>' in html
    assert (html.count("disabled>"), 'id="vote-submit"' in html) == (12, False)
    status, html = _profile(client, open_campaign, candidates[0].number)
    assert (status, 'id="vote-submit"' in html) == (200, False)


def test_reply_when_the_days_votes_are_used(store_kind, client, open_campaign, candidates, make_voter):
    _sign_in(client, open_campaign, make_voter())
    first_five = [c.pk for c in candidates[:5]]
    assert _cast(client, open_campaign, *first_five, nonce="a")[1]["remaining"] == 0
    assert _cast(client, open_campaign, candidates[5].pk, nonce="b") == (409, {
        "status": "rejected", "reason": "quota_total", "message": QUOTA_USED, "remaining": 0})
    assert _remaining_line(0) in _profile(client, open_campaign, candidates[5].number)[1]


def test_reply_when_the_vote_is_quarantined(store_kind, client, open_campaign, candidates, make_voter):
    VotingRules.objects.filter(campaign=open_campaign).update(thresholds={"cluster_max_voters": 0})
    vote_config_module.forget()
    _sign_in(client, open_campaign, make_voter())
    assert _cast(client, open_campaign, candidates[0].pk) == (200, {
        "status": "quarantined", "reason": "", "message": BEING_VERIFIED, "remaining": 4})


def test_reply_when_identity_is_needed(store_kind, client, open_campaign, candidates):
    assert _cast(client, open_campaign, candidates[0].pk) == (403, {
        "status": "rejected", "reason": "identity_required", "message": IDENTITY_NEEDED, "remaining": None})


@pytest.mark.parametrize(("key", "text"), [("outside_window", OUTSIDE_WINDOW), ("quota_total", QUOTA_USED),
                                           ("quarantined", BEING_VERIFIED), ("identity_required", IDENTITY_NEEDED)])
def test_pages_show_the_message_a_browser_without_script_is_sent_back_with(client, open_campaign, candidates, key, text):
    client.cookies[FLASH_COOKIE] = key
    gallery = _gallery(client, open_campaign)
    client.cookies[FLASH_COOKIE] = key
    pages = [gallery, _profile(client, open_campaign, candidates[0].number)]
    assert [(status, _message_box(text) in html) for status, html in pages] == [(200, True), (200, True)]


@pytest.mark.parametrize("next_path, lands_on", [
    ("/c/{slug}/candidates/", "/c/{slug}/candidates/"),
    ("/c/{slug}/candidates/3/", "/c/{slug}/candidates/3/"),
    ("https://evil.example/", "/c/{slug}/vote/"),
    ("/c/other-campaign/candidates/", "/c/{slug}/vote/"),
])
def test_a_ballot_sent_without_the_pages_script_returns_to_its_page(client, open_campaign, candidates, make_voter,
                                                                    next_path, lands_on):
    """On the full site's view of the vote endpoint; the lean path's is tested in test_lean_path."""
    from xuanshu.voting import identity

    method, voter_hash = make_voter()
    client.cookies[identity.VOTER_COOKIE] = identity.issue_voter_token(open_campaign.pk, method, voter_hash)
    slug = open_campaign.slug
    reply = client.post(f"/v/{slug}/vote", {"candidate": candidates[0].pk, "nonce": "n1", "next": next_path.format(slug=slug)})
    assert (reply.status_code, sent_back(reply)) == (303, (lands_on.format(slug=slug), "accepted"))
