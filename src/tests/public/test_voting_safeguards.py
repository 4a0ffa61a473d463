"""Safeguards of the voting pages (zh-hans): the SMS code form only when a code was sent, resend after the number
was forgotten, a picture-check voter who has voted today keeps that identity until tomorrow, no identity checks
outside the voting window, pages the back button must fetch anew, and ballots that lock what cannot be voted
for any more today."""
import datetime as dt
import json
import re

import pytest

from tests.voting.helpers import UA, sent_back
from tests.voting.test_wechat_oauth import _authorise
from xuanshu.campaigns.models import Stage
from xuanshu.voting import captcha, identity, otp, throttle
from xuanshu.voting import config as vote_config_module
from xuanshu.voting.address_limits import AddressLimits
from xuanshu.voting.models import OtpChallenge, Voter
from xuanshu.voting.sms import SmsError
from xuanshu.voting.sms.dev import OUTBOX, DevSender, last_code_for

pytestmark = pytest.mark.django_db

PHONE, E164, MASKED = "13906351234", "+8613906351234", "139****1234"
OTHER_PHONE, OTHER_E164 = "13306357773", "+8613306357773"
CODE_SENT_TO = f'<p class="muted" id="otp-sent-to">验证码已发送至 {MASKED}。</p>'
CODE_EXPIRED = "验证码已过期（有效期5分钟），请重新输入手机号获取新的验证码。"
OUTSIDE_WINDOW = "当前不在投票时间内。"
SMS_TOMORROW = "您今天已通过图片验证投票，明天起可改用短信验证。"
WECHAT_TOMORROW = "您今天已通过图片验证投票，明天起可改用微信验证。"
TEST_CLIENT_IP = "127.0.0.1"  # REMOTE_ADDR of Django's test client


def _page(client, campaign, path="candidates/"):
    response = client.get(f"/c/{campaign.slug}/{path}", HTTP_USER_AGENT=UA)
    return response, response.content.decode()


def _sms(client, campaign, **fields):
    return client.post(f"/c/{campaign.slug}/vote/sms/", {"next": f"/c/{campaign.slug}/candidates/", **fields})


def _sign_in(client, campaign, voter) -> None:
    client.cookies[identity.VOTER_COOKIE] = identity.issue_voter_token(campaign.pk, *voter)


def _cast(client, campaign, candidate_ids, nonce):
    return client.post(f"/v/{campaign.slug}/vote", {"candidate": list(candidate_ids), "nonce": nonce},
                       HTTP_ACCEPT="application/json", HTTP_USER_AGENT=UA)


def _message_box(text: str) -> str:
    return f'<p class="vote-message notice" id="vote-message" role="status" aria-live="polite">{text}</p>'


def _voter_of(response):
    cookie = response.cookies.get(identity.VOTER_COOKIE)
    return cookie.value if cookie is not None else None


def _move_window(campaign, *, starts: dt.timedelta, ends: dt.timedelta) -> None:
    now = dt.datetime.now(dt.UTC)
    Stage.objects.filter(campaign=campaign, kind="voting").update(starts_at=now + starts, ends_at=now + ends)
    vote_config_module.forget()


# --- the code form only when a code was sent ------------------------------------------------------------------


def _use_up_phone_day(phone_e164: str) -> None:
    for _ in range(5):
        throttle.take("otp-phone-day", identity.keyed_hash("otp-phone", phone_e164), limit=5, window_seconds=86400)


def _use_up_free_codes(monkeypatch, *, cap: bool = False) -> None:
    """Other phones on the voter's network have had the address's free codes this hour (with `cap`, all of its
    codes)."""
    free = AddressLimits().free_per_address
    if cap:
        monkeypatch.setenv("VOTING_SMS_LIMITS", json.dumps({"max_per_address": free}))
        vote_config_module.forget()
    address, _subnet = throttle.address_keys(TEST_CLIENT_IP)
    for _ in range(free):
        throttle.take("otp-ip", address, limit=free, window_seconds=otp.ADDRESS_WINDOW_SECONDS)


def _vendor_down(monkeypatch) -> None:
    def refuse(self, *, phone, code):
        raise SmsError("isv.BUSINESS_LIMIT_CONTROL")  # Aliyun's flow-control refusal

    monkeypatch.setattr(DevSender, "send_code", refuse)


REFUSALS = {
    "phone_day": lambda monkeypatch: _use_up_phone_day(OTHER_E164),
    "captcha_needed": _use_up_free_codes,
    "address_cap": lambda monkeypatch: _use_up_free_codes(monkeypatch, cap=True),
    "global_limit": lambda monkeypatch: monkeypatch.setenv("VOTING_OTP_GLOBAL_PER_MINUTE", "0"),
    "vendor_error": _vendor_down,
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_refused_request_in_another_tab_keeps_the_number_a_code_was_sent_to(client, open_campaign, candidates,
                                                                               monkeypatch, refusal):
    assert sent_back(_sms(client, open_campaign, action="send", phone=PHONE))[1] == "sent"  # tab A
    REFUSALS[refusal](monkeypatch)
    refused = _sms(client, open_campaign, action="send", phone=OTHER_PHONE)  # tab B, another number
    assert (sent_back(refused)[1], "xs_otp_phone" in refused.cookies) == (refusal, False)
    assert OtpChallenge.objects.count() == 1
    _response, html = _page(client, open_campaign)
    assert CODE_SENT_TO in html  # still the number the live code went to
    verified = _sms(client, open_campaign, action="verify", code=last_code_for(E164))  # tab A's code still works
    assert sent_back(verified)[1] == "verified"
    assert identity.read_voter_token(_voter_of(verified), open_campaign.pk) == (
        "sms", identity.voter_hash(open_campaign.pk, "sms", E164))


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_refused_first_request_shows_the_number_field_not_a_code_box(client, open_campaign, candidates,
                                                                        monkeypatch, refusal):
    REFUSALS[refusal](monkeypatch)
    refused = _sms(client, open_campaign, action="send", phone=OTHER_PHONE)
    assert (sent_back(refused)[1], "xs_otp_phone" in refused.cookies) == (refusal, False)
    _response, html = _page(client, open_campaign)
    assert ('id="otp-phone"' in html, 'id="otp-code"' in html, "验证码已发送至" in html) == (True, False, False)


def test_asking_again_too_soon_for_the_same_number_keeps_its_code_form(client, open_campaign, candidates):
    _sms(client, open_campaign, action="send", phone=PHONE)
    again = _sms(client, open_campaign, action="send", phone=PHONE)
    assert (sent_back(again)[1], "xs_otp_phone" in again.cookies) == ("phone_wait", False)
    _response, html = _page(client, open_campaign)
    assert CODE_SENT_TO in html
    assert sent_back(_sms(client, open_campaign, action="verify", code=last_code_for(E164)))[1] == "verified"


def test_resend_after_the_number_was_forgotten_asks_for_the_number_again(client, open_campaign, candidates):
    reply = _sms(client, open_campaign, action="resend")  # a code form older than the phone cookie's five minutes
    assert sent_back(reply) == (f"/c/{open_campaign.slug}/candidates/", "code_expired")
    _response, html = _page(client, open_campaign)
    assert (_message_box(CODE_EXPIRED) in html, 'id="otp-phone"' in html, OtpChallenge.objects.count()) == (True, True, 0)


# --- a picture-check voter who has voted today keeps it until tomorrow ------------------------------------------


def test_a_picture_check_voter_who_has_voted_today_is_told_to_verify_tomorrow(store_kind, client, open_campaign,
                                                                               candidates, make_voter):
    _sign_in(client, open_campaign, make_voter("device-token-1", method="device"))
    assert _cast(client, open_campaign, [candidates[0].pk], "a").json()["remaining"] == 4
    _response, html = _page(client, open_campaign)
    assert f'<p class="muted" id="weaker-method-tomorrow">{SMS_TOMORROW}</p>' in html
    assert ('id="identity"' in html, 'id="weaker-method"' in html, 'name="phone"' in html) == (False, False, False)


def test_a_picture_check_voter_who_has_voted_today_gets_no_code(store_kind, client, open_campaign, candidates,
                                                                 make_voter):
    device_voter = make_voter("device-token-1", method="device")
    _sign_in(client, open_campaign, device_voter)
    _cast(client, open_campaign, [candidates[0].pk], "a")
    sent_before = len(OUTBOX)
    refused = _sms(client, open_campaign, action="send", phone=PHONE)
    assert (sent_back(refused)[1], OtpChallenge.objects.count(), len(OUTBOX)) == (
        "weaker_voted_today_sms", 0, sent_before)
    _response, html = _page(client, open_campaign)
    assert _message_box(SMS_TOMORROW) in html


def test_a_picture_check_voter_who_voted_after_asking_for_a_code_keeps_the_picture_check(
        store_kind, client, open_campaign, candidates, make_voter):
    device_voter = make_voter("device-token-1", method="device")
    _sign_in(client, open_campaign, device_voter)
    _sms(client, open_campaign, action="send", phone=PHONE)  # the form was offered: no vote yet
    assert _cast(client, open_campaign, [c.pk for c in candidates[:5]], "a").json()["remaining"] == 0
    refused = _sms(client, open_campaign, action="verify", code=last_code_for(E164))
    assert (sent_back(refused)[1], _voter_of(refused)) == ("weaker_voted_today_sms", None)  # the device voter stays
    assert (list(Voter.objects.values_list("method", flat=True)), OtpChallenge.objects.get().used_at) == (
        ["device"], None)
    assert _cast(client, open_campaign, [candidates[5].pk], "b").json()["reason"] == "quota_total"


def test_a_picture_check_voter_who_has_not_voted_today_may_still_move_to_sms(store_kind, client, open_campaign,
                                                                              candidates, make_voter):
    _sign_in(client, open_campaign, make_voter("device-token-1", method="device"))
    _response, html = _page(client, open_campaign)
    assert ('id="weaker-method"' in html, 'id="weaker-method-tomorrow"' in html, 'name="phone"' in html) == (
        True, False, True)
    _sms(client, open_campaign, action="send", phone=PHONE)
    verified = _sms(client, open_campaign, action="verify", code=last_code_for(E164))
    assert identity.read_voter_token(_voter_of(verified), open_campaign.pk)[0] == "sms"


def test_wechat_does_not_replace_a_picture_check_voter_who_has_voted_today(store_kind, client, open_campaign,
                                                                           candidates, make_voter, fake_wechat):
    _sign_in(client, open_campaign, make_voter("device-token-1", method="device"))
    _cast(client, open_campaign, [candidates[0].pk], "a")
    back = _authorise(client, open_campaign)
    refused = client.get(back.split("testserver", 1)[-1])
    assert (sent_back(refused)[1], _voter_of(refused)) == ("weaker_voted_today_wechat", None)
    assert list(Voter.objects.values_list("method", flat=True)) == ["device"]
    assert [path for path, _query in fake_wechat.state["requests"]] == ["/connect/oauth2/authorize"]  # no exchange
    _response, html = _page(client, open_campaign)
    assert _message_box(WECHAT_TOMORROW) in html


# --- no identity checks outside the voting window --------------------------------------------------------------


@pytest.mark.parametrize("window", [
    pytest.param((dt.timedelta(days=-9), dt.timedelta(days=-2)), id="closed"),
    pytest.param((dt.timedelta(days=2), dt.timedelta(days=9)), id="not-yet-open"),
])
def test_outside_the_window_no_code_is_sent_and_no_voter_registered(client, open_campaign, candidates, window):
    _move_window(open_campaign, starts=window[0], ends=window[1])
    sent_before = len(OUTBOX)
    sent = _sms(client, open_campaign, action="send", phone=PHONE)
    assert (sent_back(sent)[1], "xs_otp_phone" in sent.cookies, len(OUTBOX)) == ("outside_window", False, sent_before)
    verify = _sms(client, open_campaign, action="verify", phone=PHONE, code="123456")
    assert (sent_back(verify)[1], _voter_of(verify)) == ("outside_window", None)
    _response, html = _page(client, open_campaign)
    assert _message_box(OUTSIDE_WINDOW) in html
    assert (OtpChallenge.objects.count(), Voter.objects.count()) == (0, 0)


def test_a_code_sent_before_the_vote_closed_registers_no_voter_after(client, open_campaign, candidates):
    _sms(client, open_campaign, action="send", phone=PHONE)
    _move_window(open_campaign, starts=dt.timedelta(days=-9), ends=dt.timedelta(seconds=-1))
    verify = _sms(client, open_campaign, action="verify", code=last_code_for(E164))
    assert (sent_back(verify)[1], _voter_of(verify), Voter.objects.count()) == ("outside_window", None, 0)


@pytest.mark.parametrize("window", [
    pytest.param((dt.timedelta(days=-9), dt.timedelta(days=-2)), id="closed"),
    pytest.param((dt.timedelta(days=2), dt.timedelta(days=9)), id="not-yet-open"),
])
def test_outside_the_window_the_picture_check_registers_no_voter(client, open_campaign, candidates, window):
    challenge, answer = captcha.new_challenge()
    _move_window(open_campaign, starts=window[0], ends=window[1])
    page = client.get(f"/c/{open_campaign.slug}/vote/device/")
    html = page.content.decode()
    assert (page.status_code, 'name="challenge"' in html) == (403, False)
    assert f'<p class="error banner" role="alert" id="captcha-error">{OUTSIDE_WINDOW}</p>' in html
    solved = client.post(f"/c/{open_campaign.slug}/vote/device/", {"challenge": challenge, "answer": answer})
    assert (solved.status_code, _voter_of(solved), Voter.objects.count()) == (403, None, 0)
    assert OUTSIDE_WINDOW in solved.content.decode() and "验证成功" not in solved.content.decode()


def test_outside_the_window_wechat_registers_no_voter(client, open_campaign, candidates, fake_wechat):
    back = _authorise(client, open_campaign)
    _move_window(open_campaign, starts=dt.timedelta(days=-9), ends=dt.timedelta(days=-2))
    refused = client.get(back.split("testserver", 1)[-1])
    assert (sent_back(refused)[1], _voter_of(refused), Voter.objects.count()) == ("outside_window", None, 0)


# --- the back button fetches the pages anew ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["vote/", "candidates/", "candidates/1/"])
def test_the_voting_pages_are_never_stored(client, open_campaign, candidates, path):
    response, _html = _page(client, open_campaign, path)
    assert sorted(part.strip() for part in response["Cache-Control"].split(",")) == ["no-store", "private"]


# --- the ballot locks what cannot be voted for any more today --------------------------------------------------


def _box_states(html: str) -> dict[str, bool]:
    """Each candidate's checkbox: candidate id → disabled."""
    return {pk: bool(disabled) for pk, disabled in
            re.findall(r'<input type="checkbox" name="candidate" value="(\d+)"( disabled)?>', html)}


def _vote_button(html: str) -> str:
    return re.search(r'<button type="submit" class="button" id="vote-submit"[^>]*>', html).group(0)


@pytest.mark.parametrize("path", ["vote/", "candidates/"])
def test_boxes_of_candidates_voted_for_today_are_disabled(store_kind, client, open_campaign, candidates,
                                                          make_voter, path):
    _sign_in(client, open_campaign, make_voter())
    _cast(client, open_campaign, [candidates[0].pk, candidates[3].pk], "a")
    _response, html = _page(client, open_campaign, path)
    assert _box_states(html) == {str(c.pk): c.number in (1, 4) for c in candidates}
    assert _vote_button(html) == '<button type="submit" class="button" id="vote-submit">'
    assert re.findall(r'data-candidate="(\d+)" id="candidate-\d+" data-votes-left="(\d+)"', html) == [
        (str(c.pk), "0" if c.number in (1, 4) else "1") for c in candidates]


@pytest.mark.parametrize("path", ["vote/", "candidates/", "candidates/6/"])
def test_with_no_votes_left_every_box_and_the_vote_button_are_disabled(store_kind, client, open_campaign,
                                                                       candidates, make_voter, path):
    _sign_in(client, open_campaign, make_voter())
    assert _cast(client, open_campaign, [c.pk for c in candidates[:5]], "a").json()["remaining"] == 0
    _response, html = _page(client, open_campaign, path)
    assert set(_box_states(html).values()) <= {True}
    assert _vote_button(html) == '<button type="submit" class="button" id="vote-submit" disabled>'
