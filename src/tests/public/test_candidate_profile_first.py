"""A candidate's profile as it opens from a link shared in WeChat: the candidate first (name, photo, category and
county, count, deeds, the vote button), then the voting rules and the sign-in, which the vote button leads to; the
messages of the vote and of the sign-in each beside what they are about; and the share card's title and text,
masked and escaped."""

import html as html_lib
import re

import pytest

from tests.public.test_candidate_photos import _photo_of
from tests.voting.helpers import UA
from xuanshu.voting import config as vote_config_module
from xuanshu.voting.ballot_http import FLASH_COOKIE
from xuanshu.voting.identity import VOTER_COOKIE, issue_voter_token
from xuanshu.voting.models import Candidate, VotingRules

pytestmark = pytest.mark.django_db

VOTE_TO_IDENTITY = '<a class="button" href="#identity" id="vote-to-identity">为TA投票</a>'
VOTE_BUTTON = '<button type="submit" class="button" id="vote-submit">为TA投票</button>'


def _profile(client, campaign, number):
    response = client.get(f"/c/{campaign.slug}/candidates/{number}/", HTTP_USER_AGENT=UA)
    assert response.status_code == 200
    return response.content.decode()


def _order(html: str, marks: dict[str, str]) -> list[str]:
    """The names of `marks` in the order their text first appears in the page (each must appear)."""
    found = {name: html.find(text) for name, text in marks.items()}
    assert [name for name, at in found.items() if at < 0] == []
    return sorted(found, key=found.get)


def _message_box(html: str) -> str:
    return re.search(r'<p class="vote-message[^"]*" id="vote-message"[^>]*>(.*?)</p>', html, re.S).group(1)


def _identity_message(html: str) -> str:
    match = re.search(r'<p class="notice" id="identity-message" role="status">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def test_a_shared_profile_shows_the_candidate_first_then_the_rules_and_the_sign_in(client, open_campaign, candidates):
    candidate = candidates[2]
    attachment = _photo_of(candidate)
    html = _profile(client, open_campaign, candidate.number)
    photo = f"/c/{open_campaign.slug}/candidates/{candidate.number}/photo.jpg?v={attachment.sha256[:12]}"
    assert _order(
        html,
        {
            "name": f'<span class="name">{candidate.display_name}</span>',
            "photo": f'<img class="photo" src="{photo}"',
            "category and county": f'<p class="muted category">{candidate.category.name} · 东昌府区</p>',
            "count": '<p class="count" data-count="&lt;100">',
            "deeds": '<div class="deeds prewrap">',
            "vote": VOTE_TO_IDENTITY,
            "rules": "每人每天可投5票，每位候选人最多1票。",
            "count rule": '<p class="muted" id="count-rule">票数按 100 的整数倍向下取整显示。</p>',
            "sign-in": '<section class="card identity" id="identity">',
            "phone": 'name="phone"',
        },
    ) == ["name", "photo", "category and county", "count", "deeds", "vote", "rules", "count rule", "sign-in", "phone"]
    # Not yet verified: the vote button leads to the sign-in below, which sends the visitor back to this page.
    assert (VOTE_BUTTON in html, 'name="candidate"' in html) == (False, True)
    assert f'<input type="hidden" name="next" value="/c/{open_campaign.slug}/candidates/{candidate.number}/">' in html


def test_a_verified_voter_gets_the_vote_button_and_the_votes_left_beside_it(client, open_campaign, candidates, make_voter):
    client.cookies[VOTER_COOKIE] = issue_voter_token(open_campaign.pk, *make_voter())
    html = _profile(client, open_campaign, candidates[0].number)
    assert _order(
        html,
        {
            "deeds": '<div class="deeds prewrap">',
            "votes left": '<p class="remaining" id="remaining">您今天还有 <strong data-remaining>5</strong> 票。</p>',
            "vote": VOTE_BUTTON,
            "rules": "每人每天可投5票",
        },
    ) == ["deeds", "votes left", "vote", "rules"]
    assert ('id="identity"' in html, VOTE_TO_IDENTITY in html) == (False, False)


def test_a_candidate_without_a_county_shows_the_category_alone(client, open_campaign, candidates):
    candidates[0].nomination.area = None
    candidates[0].nomination.save(update_fields=["area"])
    html = _profile(client, open_campaign, candidates[0].number)
    assert f'<p class="muted category">{candidates[0].category.name}</p>' in html


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("outside_window", "当前不在投票时间内。"),
        ("quota_total", "您今天的票数已用完，请明天再来。"),
        ("quarantined", "您的投票正在核实中。"),
        ("identity_required", "投票前请先验证身份。"),
        ("verified", "验证成功，现在可以投票了。"),
    ],
)
def test_the_votes_messages_show_beside_the_vote_button(client, open_campaign, candidates, key, text):
    client.cookies[FLASH_COOKIE] = key
    html = _profile(client, open_campaign, candidates[0].number)
    assert (_message_box(html), _identity_message(html)) == (text, "")
    assert _order(html, {"deeds": 'class="deeds prewrap"', "message": 'id="vote-message"', "rules": "每人每天可投"}) == [
        "deeds",
        "message",
        "rules",
    ]


def test_the_sign_ins_messages_show_in_the_sign_in_which_the_page_comes_back_to(client, open_campaign, candidates):
    profile = f"/c/{open_campaign.slug}/candidates/{candidates[0].number}/"
    html = _profile(client, open_campaign, candidates[0].number)
    # A redirect without a fragment keeps the form's (RFC 9110, 10.2.2): the page comes back at the sign-in.
    assert f'<form method="post" action="/c/{open_campaign.slug}/vote/sms/#identity" class="sms-form">' in html
    refused = client.post(f"/c/{open_campaign.slug}/vote/sms/", {"action": "send", "phone": "12345", "next": profile})
    assert refused["Location"] == profile
    html = _profile(client, open_campaign, candidates[0].number)
    assert (_message_box(html), _identity_message(html)) == ("", "请输入有效的大陆手机号码。")
    assert _order(html, {"sign-in": 'id="identity"', "message": 'id="identity-message"', "phone": 'name="phone"'}) == [
        "sign-in",
        "message",
        "phone",
    ]


def test_the_gallery_keeps_the_sign_ins_messages_at_the_top(client, open_campaign, candidates):
    client.cookies[FLASH_COOKIE] = "invalid_phone"
    html = client.get(f"/c/{open_campaign.slug}/candidates/", HTTP_USER_AGENT=UA).content.decode()
    assert (_message_box(html), _identity_message(html)) == ("请输入有效的大陆手机号码。", "")
    assert f'<form method="post" action="/c/{open_campaign.slug}/vote/sms/" class="sms-form">' in html


def _meta(html: str) -> dict[str, str]:
    pairs = re.findall(r'<meta (?:property|name)="((?:og:|description)[^"]*)" content="([^"]*)">', html)
    return dict(pairs)


def test_the_share_card_has_the_candidates_name_and_a_masked_escaped_excerpt(client, open_campaign, candidates):
    candidate = candidates[1]
    attachment = _photo_of(candidate)
    Candidate.objects.filter(pk=candidate.pk).update(
        display_name='王"小"<b>红</b>',
        summary='  她的电话13812345678。\n\n"<script>alert(1)</script>" 二十年如一日照顾瘫痪在床的婆婆，还常年义务为社区老人理发，街坊邻居有口皆碑。',
    )
    vote_config_module.forget()
    html = _profile(client, open_campaign, candidate.number)
    # Masked, on one line, cut to 60 characters with the ellipsis (Django's zh-hans one is "...").
    excerpt = '她的电话138****5678。 "<script>alert(1)</script>" 二十年如一日照顾瘫痪在床...'
    base = "http://testserver"
    assert _meta(html) == {
        "description": html_lib.escape(excerpt),
        "og:type": "website",
        "og:title": html_lib.escape(f'王"小"<b>红</b> · {open_campaign.name}'),
        "og:description": html_lib.escape(excerpt),
        "og:url": f"{base}/c/{open_campaign.slug}/candidates/{candidate.number}/",
        "og:image": f"{base}/c/{open_campaign.slug}/candidates/{candidate.number}/photo.jpg?v={attachment.sha256[:12]}",
    }
    assert ("<script>alert(1)" in html, "13812345678" in html) == (False, False)


def test_the_share_card_without_a_photo_has_no_image(client, open_campaign, candidates):
    assert "og:image" not in _profile(client, open_campaign, candidates[0].number)


def test_hidden_counts_leave_the_count_out_of_the_profile(client, open_campaign, candidates):
    VotingRules.objects.filter(campaign=open_campaign).update(count_display="hidden")
    vote_config_module.forget()
    html = _profile(client, open_campaign, candidates[0].number)
    assert ('class="count"' in html, '<p class="muted" id="count-rule">投票期间不公布票数。</p>' in html) == (False, True)
