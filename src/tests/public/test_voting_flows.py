"""The voter's way through the voting pages (zh-hans): the SMS code form and its way out (change number, resend,
expired or spent codes), a picture-check voter moving to SMS, the quota and empty-ballot replies, one-time
messages that never travel in the address, blocked voters and the closed vote, the picture check's new picture,
and the WeChat redirect address behind a TLS-ending proxy."""
import datetime as dt
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.utils import timezone

from tests.voting.helpers import UA, flush, sent_back
from xuanshu.campaigns.models import Stage
from xuanshu.voting import config as vote_config_module
from xuanshu.voting import identity, throttle
from xuanshu.voting.address_limits import AddressLimits
from xuanshu.voting.ballot_http import FLASH_COOKIE
from xuanshu.voting.models import LedgerEntry, OtpChallenge
from xuanshu.voting.services import mark_voter_fraud
from xuanshu.voting.sms.dev import last_code_for

pytestmark = pytest.mark.django_db

PHONE, E164 = "13906351234", "+8613906351234"
CODE_EXPIRED = "验证码已过期（有效期5分钟），请重新输入手机号获取新的验证码。"
CODE_USED_UP = "验证码输错次数过多，请重新输入手机号获取新的验证码。"
EMPTY_MESSAGE_BOX = '<p class="vote-message" id="vote-message" role="status" aria-live="polite"></p>'


def _message_box(text: str) -> str:
    return f'<p class="vote-message notice" id="vote-message" role="status" aria-live="polite">{text}</p>'


def _page(client, campaign, path="candidates/", **headers):
    response = client.get(f"/c/{campaign.slug}/{path}", HTTP_USER_AGENT=UA, **headers)
    return response, response.content.decode()


def _sms(client, campaign, **fields):
    return client.post(f"/c/{campaign.slug}/vote/sms/", {"next": f"/c/{campaign.slug}/candidates/", **fields})


def _sign_in(client, campaign, voter) -> None:
    client.cookies[identity.VOTER_COOKIE] = identity.issue_voter_token(campaign.pk, *voter)


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


# --- 1. the code form: the number it went to, another number, another code, and a way out -------------------


def test_code_form_shows_the_masked_number_and_offers_another_number(client, open_campaign, candidates):
    sent = _sms(client, open_campaign, action="send", phone=PHONE)
    assert (sent_back(sent), sent.cookies["xs_otp_phone"]["max-age"]) == (
        (f"/c/{open_campaign.slug}/candidates/", "sent"), 300)  # the number is kept as long as its code lives
    _response, html = _page(client, open_campaign)
    assert '<p class="muted" id="otp-sent-to">验证码已发送至 139****1234。</p>' in html
    assert E164 not in html and PHONE not in html
    buttons = re.findall(r'<button type="submit" class="[^"]+" name="action" value="(\w+)"[^>]*>([^<]+)</button>', html)
    assert buttons == [("verify", "验证"), ("resend", "重新发送"), ("change", "换个号码")]

    changed = _sms(client, open_campaign, action="change")
    assert (sent_back(changed), changed.cookies["xs_otp_phone"]["max-age"]) == (
        (f"/c/{open_campaign.slug}/candidates/", ""), 0)
    _response, html = _page(client, open_campaign)
    assert ('id="otp-phone"' in html, 'id="otp-code"' in html) == (True, False)


def test_resend_sends_a_new_code_to_the_same_number_within_the_throttles(client, open_campaign, candidates, monkeypatch):
    _sms(client, open_campaign, action="send", phone=PHONE)
    too_soon = _sms(client, open_campaign, action="resend")
    assert (sent_back(too_soon)[1], OtpChallenge.objects.count()) == ("phone_wait", 1)  # one code a minute
    later = throttle.time.time() + 61
    monkeypatch.setattr(throttle.time, "time", lambda: later)
    again = _sms(client, open_campaign, action="resend")
    assert (sent_back(again)[1], OtpChallenge.objects.count()) == ("sent", 2)
    verified = _sms(client, open_campaign, action="verify", code=last_code_for(E164))
    assert (sent_back(verified)[1], identity.VOTER_COOKIE in verified.cookies) == ("verified", True)


def test_an_expired_code_sends_the_voter_back_to_the_phone_form(client, open_campaign, candidates):
    _sms(client, open_campaign, action="send", phone=PHONE)
    OtpChallenge.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    reply = _sms(client, open_campaign, action="verify", code=last_code_for(E164))
    assert (sent_back(reply), reply.cookies["xs_otp_phone"]["max-age"]) == (
        (f"/c/{open_campaign.slug}/candidates/", "code_expired"), 0)
    _response, html = _page(client, open_campaign)
    assert (_message_box(CODE_EXPIRED) in html, 'id="otp-phone"' in html, 'id="otp-code"' in html) == (True, True, False)


def test_a_code_form_whose_number_was_forgotten_asks_for_the_number_again(client, open_campaign, candidates):
    reply = _sms(client, open_campaign, action="verify", code="123456")  # the phone cookie has gone (its five minutes)
    assert sent_back(reply) == (f"/c/{open_campaign.slug}/candidates/", "code_expired")


def test_five_wrong_codes_send_the_voter_back_to_the_phone_form(client, open_campaign, candidates):
    _sms(client, open_campaign, action="send", phone=PHONE)
    wrong = _wrong(last_code_for(E164))
    replies = [_sms(client, open_campaign, action="verify", code=wrong) for _ in range(5)]
    assert [sent_back(r)[1] for r in replies] == ["wrong_code"] * 4 + ["code_used_up"]
    assert "xs_otp_phone" not in replies[0].cookies and replies[-1].cookies["xs_otp_phone"]["max-age"] == 0
    _response, html = _page(client, open_campaign)
    assert (_message_box(CODE_USED_UP) in html, 'id="otp-phone"' in html) == (True, True)


# --- 2. a picture-check voter can move to SMS or WeChat ------------------------------------------------------


def test_a_picture_check_voter_is_offered_sms_and_can_move_to_it(client, open_campaign, candidates, make_voter):
    device_voter = make_voter("device-token-1", method="device")
    _sign_in(client, open_campaign, device_voter)
    _response, html = _page(client, open_campaign)
    assert ('id="remaining"' in html, 'id="weaker-method"' in html, 'id="identity"' in html) == (True, True, True)
    assert ('name="phone"' in html, "/vote/device/" in html) == (True, False)  # no second picture check
    _sms(client, open_campaign, action="send", phone=PHONE)
    verified = _sms(client, open_campaign, action="verify", code=last_code_for(E164))
    token = verified.cookies[identity.VOTER_COOKIE].value
    assert identity.read_voter_token(token, open_campaign.pk) == (
        "sms", identity.voter_hash(open_campaign.pk, "sms", E164))
    _response, html = _page(client, open_campaign)
    assert ('id="identity"' in html, 'id="weaker-method"' in html) == (False, False)


# --- 3 and 4. the quota and empty-ballot replies --------------------------------------------------------------


def _cast(client, campaign, candidate_ids, nonce, accept="application/json"):
    return client.post(f"/v/{campaign.slug}/vote", {"candidate": list(candidate_ids), "nonce": nonce,
                                                     "next": f"/c/{campaign.slug}/candidates/"},
                       HTTP_ACCEPT=accept, HTTP_USER_AGENT=UA)


def test_choosing_more_candidates_than_votes_left_says_how_many_are_left(store_kind, client, open_campaign,
                                                                           candidates, make_voter):
    _sign_in(client, open_campaign, make_voter())
    assert _cast(client, open_campaign, [c.pk for c in candidates[:3]], "a").json()["remaining"] == 2
    reply = _cast(client, open_campaign, [c.pk for c in candidates[3:6]], "b")
    assert (reply.status_code, reply.json()) == (409, {
        "status": "rejected", "reason": "quota_total", "message": "您今天还剩2票，请最多选择2位候选人。", "remaining": 2})
    without_script = _cast(client, open_campaign, [c.pk for c in candidates[3:6]], "c", accept="text/html")
    assert sent_back(without_script) == (f"/c/{open_campaign.slug}/candidates/", "quota_left.2")
    _response, html = _page(client, open_campaign)
    assert _message_box("您今天还剩2票，请最多选择2位候选人。") in html
    assert _cast(client, open_campaign, [c.pk for c in candidates[3:5]], "d").json()["remaining"] == 0
    spent = _cast(client, open_campaign, [candidates[6].pk], "e")
    assert spent.json()["message"] == "您今天的票数已用完，请明天再来。"


def test_a_ballot_with_candidates_voted_for_today_names_them(store_kind, client, open_campaign, candidates,
                                                              make_voter):
    """The reply names the spent candidates (`spent`, and by name in the message when several were chosen), so the
    voter knows which to untick; without the page's script the page it goes back to names them too, escaped."""
    first, second, third, fourth = candidates[:4]
    second.display_name = "<b>宁宁</b>"
    second.save(update_fields=["display_name"])
    vote_config_module.forget()
    _sign_in(client, open_campaign, make_voter())
    assert _cast(client, open_campaign, [first.pk, second.pk], "a").json()["status"] == "accepted"
    several = _cast(client, open_campaign, [first.pk, third.pk, second.pk], "b")
    assert (several.status_code, several.json()) == (409, {
        "status": "rejected", "reason": "quota_candidate", "message": f"您今天已为 {first.display_name}、<b>宁宁</b> 投过票，请取消勾选后再投。",
        "remaining": 3, "spent": [first.pk, second.pk]})
    one = _cast(client, open_campaign, [second.pk], "c")
    assert (one.status_code, one.json()) == (409, {
        "status": "rejected", "reason": "quota_candidate", "message": "您今天已为这位候选人投过票。", "remaining": 3,
        "spent": [second.pk]})
    without_script = _cast(client, open_campaign, [second.pk, fourth.pk, first.pk], "d", accept="text/html")
    assert sent_back(without_script) == (f"/c/{open_campaign.slug}/candidates/", f"quota_candidate.{second.pk}_{first.pk}")
    _response, html = _page(client, open_campaign)
    assert _message_box(f"您今天已为 &lt;b&gt;宁宁&lt;/b&gt;、{first.display_name} 投过票，请取消勾选后再投。") in html
    accepted = _cast(client, open_campaign, [third.pk, fourth.pk], "e")
    assert (accepted.status_code, accepted.json()) == (200, {
        "status": "accepted", "reason": "", "message": "感谢您的投票，已计入票数。", "remaining": 1})
    flush(open_campaign.pk)
    assert list(LedgerEntry.objects.order_by("seq").values_list("candidate_id", "decision", "reason")) == [
        (first.pk, "accepted", ""), (second.pk, "accepted", ""),
        (first.pk, "rejected", "quota_candidate"), (third.pk, "rejected", "quota_candidate"),
        (second.pk, "rejected", "quota_candidate"), (second.pk, "rejected", "quota_candidate"),
        (second.pk, "rejected", "quota_candidate"), (fourth.pk, "rejected", "quota_candidate"),
        (first.pk, "rejected", "quota_candidate"), (third.pk, "accepted", ""), (fourth.pk, "accepted", "")]


def test_an_empty_ballot_has_its_own_message_and_is_recorded_as_refused(store_kind, client, open_campaign,
                                                                         candidates, make_voter):
    _sign_in(client, open_campaign, make_voter())
    reply = _cast(client, open_campaign, [], "a")
    assert (reply.status_code, reply.json()) == (400, {
        "status": "rejected", "reason": "empty_ballot", "message": "请至少选择一位候选人。", "remaining": None})
    flush(open_campaign.pk)
    assert list(LedgerEntry.objects.values_list("candidate_id", "decision", "reason")) == [
        (None, "rejected", "empty_ballot")]


# --- 5. always zh-hans ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["vote/", "candidates/", "candidates/1/", "vote/device/"])
def test_voting_pages_are_in_zh_hans_whatever_the_browser_asks_for(client, open_campaign, candidates, path):
    response, html = _page(client, open_campaign, path, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert (response.status_code, response["Content-Language"], '<html lang="zh-hans">' in html) == (200, "zh-hans", True)
    assert ("Online vote" in html or "Picture check" in html or "Candidates" in html, "验证" in html) == (False, True)


@pytest.mark.parametrize(("path", "message"), [
    ("candidates/999/", "没有这位候选人。"),
    ("candidates/999/photo.jpg", "没有这张照片。"),
    ("vote/device/no-such-picture.png", "图片已过期。"),
])
def test_a_voting_page_not_found_is_in_zh_hans_whatever_the_browser_asks_for(client, open_campaign, candidates, path,
                                                                             message):
    response, html = _page(client, open_campaign, path, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert (response.status_code, response["Content-Language"], '<html lang="zh-hans">' in html) == (404, "zh-hans", True)
    assert (f'<p class="notice">{message}</p>' in html, "Page not found" in html) == (True, False)


def test_the_sms_flow_answers_in_zh_hans_to_an_english_browser(client, open_campaign, candidates):
    client.post(f"/c/{open_campaign.slug}/vote/sms/", {"action": "send", "phone": PHONE}, HTTP_ACCEPT_LANGUAGE="en")
    _response, html = _page(client, open_campaign, "vote/", HTTP_ACCEPT_LANGUAGE="en")
    assert _message_box("验证码已发送到您的手机，5分钟内有效。") in html


# --- 6. one-time messages, never in the address ----------------------------------------------------------------


def test_the_message_after_a_ballot_shows_once_and_never_in_the_address(client, open_campaign, candidates, make_voter):
    _sign_in(client, open_campaign, make_voter())
    reply = _cast(client, open_campaign, [candidates[0].pk], "a", accept="text/html")
    assert (reply.status_code, sent_back(reply)) == (303, (f"/c/{open_campaign.slug}/candidates/", "accepted"))
    flash = reply.cookies[FLASH_COOKIE]
    assert (flash["path"], flash["max-age"], flash["httponly"], flash["samesite"]) == (
        f"/c/{open_campaign.slug}/", 60, True, "Lax")
    first, html = _page(client, open_campaign)
    assert _message_box("感谢您的投票，已计入票数。") in html
    assert (first.cookies[FLASH_COOKIE]["max-age"], "no-store" in first["Cache-Control"]) == (0, True)
    _again, html = _page(client, open_campaign)
    assert EMPTY_MESSAGE_BOX in html


@pytest.mark.parametrize("query", ["?m=verified", "?m=accepted"])
def test_a_shared_link_with_an_old_message_shows_none(client, open_campaign, candidates, query):
    _response, html = _page(client, open_campaign, f"candidates/{query}")
    assert EMPTY_MESSAGE_BOX in html


@pytest.mark.parametrize("value", ["quota_left.x", "quota_left.0", "quota_left", "accepted.3", "<b>", "quota_left.²",
                                   "quota_candidate.1_x", "quota_candidate.1__2", "quota_candidate.²",
                                   "quota_candidate." + "1_" * 120 + "1"])
def test_a_forged_message_cookie_shows_nothing_and_fails_nothing(client, open_campaign, candidates, value):
    client.cookies[FLASH_COOKIE] = value
    response, html = _page(client, open_campaign)
    assert (response.status_code, EMPTY_MESSAGE_BOX in html) == (200, True)


# --- 10. blocked voters and the closed vote ---------------------------------------------------------------------


def test_a_blocked_voter_reads_that_voting_is_on_hold(store_kind, client, open_campaign, candidates, make_voter):
    voter = make_voter()
    _sign_in(client, open_campaign, voter)
    assert _cast(client, open_campaign, [candidates[0].pk], "a").status_code == 200
    mark_voter_fraud(campaign=open_campaign, voter_hash=voter[1], actor=None, reason="QA: brushing")
    _response, html = _page(client, open_campaign)
    hotline = open_campaign.hotline
    expected = "您的投票资格正在审核中，暂时不能投票。 " + (f"如有疑问，请拨打热线 {hotline}。" if hotline else "如有疑问，请联系主办方。")
    assert f'<p class="notice" id="voter-suspended">{expected}</p>' in html
    assert ('id="remaining"' in html, 'id="vote-submit"' in html, html.count(' disabled>')) == (False, False, 12)


def test_after_the_vote_closed_no_votes_left_are_shown(client, open_campaign, candidates, make_voter):
    now = dt.datetime.now(dt.UTC)
    Stage.objects.filter(campaign=open_campaign, kind="voting").update(starts_at=now - dt.timedelta(days=9),
                                                                       ends_at=now - dt.timedelta(days=2))
    vote_config_module.forget()
    _sign_in(client, open_campaign, make_voter())
    for path in ["candidates/", "vote/", f"candidates/{candidates[0].number}/"]:
        _response, html = _page(client, open_campaign, path)
        assert ('<p class="notice" id="window-state">投票已结束。</p>' in html, 'id="remaining"' in html) == (True, False)


# --- 11. the picture check's new picture ------------------------------------------------------------------------


def test_the_picture_check_offers_a_new_picture_within_a_limit(client, open_campaign, candidates):
    profile = f"/c/{open_campaign.slug}/candidates/{candidates[1].number}/"
    start = f"/c/{open_campaign.slug}/vote/device/?next={quote(profile, safe='')}"
    html = client.get(start).content.decode()
    first = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    assert f'<a href="{start}" id="captcha-new">换一张</a>' in html
    html = client.get(start).content.decode()
    second = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    assert second != first
    # Many people share an address (a carrier's NAT, a school): hundreds of pictures, then a pause.
    for _ in range(AddressLimits().pictures_per_address - 2):
        assert client.get(start).status_code == 200
    over = client.get(start)
    text = over.content.decode()
    assert (over.status_code, "name=\"challenge\"" in text, "captcha-error" in text) == (429, False, True)
    assert "您所在网络的图片验证次数过多，请几分钟后再试。" in text


# --- 12. the WeChat redirect address --------------------------------------------------------------------------


def _redirect_uri(client, campaign, **extra) -> str:
    start = client.get(f"/c/{campaign.slug}/vote/wechat/", HTTP_USER_AGENT=UA, **extra)
    return parse_qs(urlsplit(start["Location"]).query)["redirect_uri"][0]


def test_wechat_comes_back_to_the_public_base_url_when_one_is_set(client, open_campaign, fake_wechat, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn"
    assert _redirect_uri(client, open_campaign) == f"https://h5.qlwb.example.cn/c/{open_campaign.slug}/vote/wechat/callback/"


def test_wechat_comes_back_on_the_requests_own_scheme_without_one(client, open_campaign, fake_wechat, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    behind_proxy = _redirect_uri(client, open_campaign, HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="testserver")
    assert behind_proxy == f"https://testserver/c/{open_campaign.slug}/vote/wechat/callback/"
