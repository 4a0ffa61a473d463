"""Identity: SMS one-time codes and their throttles (per phone, per address, global); the signed voter cookie."""
import time

import pytest

from xuanshu.voting import identity, otp
from xuanshu.voting.models import OtpChallenge, Voter
from xuanshu.voting.sms.dev import OUTBOX, last_code_for

pytestmark = pytest.mark.django_db

PHONE = "+8613906351234"


def test_code_verifies_once_and_registers_the_voter(store_kind, open_campaign):
    assert otp.request_code(campaign=open_campaign, phone_text="139 0635 1234", ip="1.2.3.4").code == "sent"
    code = last_code_for(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    assert otp.verify_code(campaign=open_campaign, phone_text=PHONE, code=wrong).code == "wrong_code"
    result = otp.verify_code(campaign=open_campaign, phone_text=PHONE, code=code)
    assert (result.code, result.voter.method, result.voter.label) == ("verified", "sms", "139****1234")
    assert result.voter.voter_hash == identity.voter_hash(open_campaign.pk, "sms", PHONE)
    assert otp.verify_code(campaign=open_campaign, phone_text=PHONE, code=code).code == "code_expired"  # used up
    challenge = OtpChallenge.objects.get()
    assert (challenge.attempts, challenge.sender, len(challenge.code_hash)) == (2, "dev", 64)
    assert code not in challenge.code_hash and PHONE not in challenge.phone_hash  # stored as keyed hashes only
    assert Voter.objects.count() == 1


def test_five_wrong_tries_burn_the_code(store_kind, open_campaign):
    otp.request_code(campaign=open_campaign, phone_text=PHONE, ip="1.2.3.4")
    code = last_code_for(PHONE)
    wrong = "999999" if code != "999999" else "888888"
    tries = [otp.verify_code(campaign=open_campaign, phone_text=PHONE, code=wrong).code for _ in range(5)]
    assert tries == ["wrong_code"] * 4 + ["code_used_up"]  # the fifth wrong try says the code is spent
    assert otp.verify_code(campaign=open_campaign, phone_text=PHONE, code=code).code == "code_used_up"


def test_landlines_and_foreign_numbers_get_no_code(store_kind, open_campaign):
    for text in ["0635-8451234", "+1 415 555 0100", "12345", ""]:
        assert otp.request_code(campaign=open_campaign, phone_text=text, ip="1.2.3.4").code == "invalid_phone"


@pytest.mark.parametrize("text", ["010-12345678", "01012345678", "+86 10 1234 5678", "+861012345678"])
def test_beijing_landlines_are_not_mobiles(open_campaign, text):
    sent_before = len(OUTBOX)
    assert (otp.mobile_or_none(text), otp.request_code(campaign=open_campaign, phone_text=text, ip="1.2.3.4").code) == (
        "", "invalid_phone")
    assert (len(OUTBOX), OtpChallenge.objects.count()) == (sent_before, 0)


@pytest.mark.parametrize(("text", "e164"), [
    ("13906351234", "+8613906351234"), ("+86 139 0635 1234", "+8613906351234"), ("19212345678", "+8619212345678"),
    ("１３９０６３５１２３４", "+8613906351234"),
])
def test_mainland_mobiles_are_mobiles(text, e164):
    assert otp.mobile_or_none(text) == e164


def test_a_code_typed_in_full_width_digits_is_the_same_code(store_kind, open_campaign):
    otp.request_code(campaign=open_campaign, phone_text=PHONE, ip="1.2.3.4")
    code = last_code_for(PHONE)
    full_width = "".join(chr(ord(digit) - ord("0") + ord("０")) for digit in code)
    result = otp.verify_code(campaign=open_campaign, phone_text=PHONE, code=f" {full_width} ")
    assert (result.code, OtpChallenge.objects.get().attempts) == ("verified", 1)


def test_throttles_per_phone_per_address_and_globally(store_kind, open_campaign, monkeypatch):
    now = 1_737_100_000.0
    first = otp.request_code(campaign=open_campaign, phone_text=PHONE, ip="1.2.3.4", now=now)
    again = otp.request_code(campaign=open_campaign, phone_text=PHONE, ip="1.2.3.4", now=now + 10)
    assert (first.code, again.code) == ("sent", "phone_wait")
    # Five a day per phone, a minute apart.
    results = [otp.request_code(campaign=open_campaign, phone_text=PHONE, ip="1.2.3.4", now=now + 61 * i).code for i in range(1, 6)]
    assert results == ["sent", "sent", "sent", "sent", "phone_day"]
    # Ten an hour per address sent at once, whatever the numbers; then each waits for a solved picture
    # (tests/public/test_sms_on_shared_networks.py).
    codes = [otp.request_code(campaign=open_campaign, phone_text=f"+86139{i:08d}", ip="5.6.7.8", now=now).code for i in range(11)]
    assert codes == ["sent"] * 10 + ["captcha_needed"]
    # A global ceiling per minute across all numbers and addresses.
    monkeypatch.setenv("VOTING_OTP_GLOBAL_PER_MINUTE", "3")
    later = now + 7200
    spread = [otp.request_code(campaign=open_campaign, phone_text=f"+86137{i:08d}", ip=f"9.9.{i}.9", now=later).code for i in range(4)]
    assert spread == ["sent", "sent", "sent", "global_limit"]


def test_voter_cookie_is_bound_to_campaign_and_signature(open_campaign):
    token = identity.issue_voter_token(open_campaign.pk, "sms", "a" * 64)
    assert identity.read_voter_token(token, open_campaign.pk) == ("sms", "a" * 64)
    assert identity.read_voter_token(token, open_campaign.pk + 1) is None
    assert identity.read_voter_token(token[:-2] + "xx", open_campaign.pk) is None
    assert identity.read_voter_token("", open_campaign.pk) is None


def test_voter_cookie_expires_after_a_week(open_campaign, monkeypatch):
    token = identity.issue_voter_token(open_campaign.pk, "sms", "b" * 64)
    real = time.time
    monkeypatch.setattr(identity.time, "time", lambda: real() + identity.VOTER_TOKEN_MAX_AGE + 5)
    assert identity.read_voter_token(token, open_campaign.pk) is None
