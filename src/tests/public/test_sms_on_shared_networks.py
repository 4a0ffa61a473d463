"""Text-message codes behind shared addresses (a carrier's NAT, an office, a school): the first codes of the hour
from an address, or from its subnet, go out at once; later ones only with a solved picture, and a wrong answer
sends nothing; a hard cap per address and per subnet still stops a flood; the per-phone limits hold throughout.
On the voting page: the picture, the number kept filled in, and a clear message at each step. And the device
check, which a whole school hall can pass from one address."""
import re

import pytest
from django.test import Client

from tests.voting.helpers import UA, sent_back, set_sms_limits
from xuanshu.voting import captcha, otp
from xuanshu.voting.address_limits import AddressLimits
from xuanshu.voting.models import OtpChallenge, Voter
from xuanshu.voting.sms.dev import OUTBOX, last_code_for

pytestmark = pytest.mark.django_db

# Sixty seconds into an hour (and far from the end of its day): the hour's and the day's windows hold throughout.
NOW = 86400 * 20_300 + 3600 * 10 + 60
SCHOOL = "36.110.12.34"  # one public address for a whole school
CAPTCHA_NEEDED = "您所在网络正有很多人获取验证码。请先输入图片中的字符，再获取验证码。"
CAPTCHA_FAILED = "输入的字符与图片不符，验证码未发送。请输入新图片中的字符后重试。"
ADDRESS_CAP = "过去一小时内您所在网络获取验证码次数过多。请稍后再试，或换一个网络（如由Wi-Fi改用手机流量，或反之）再试。"
TEST_CLIENT_IP = "127.0.0.1"  # REMOTE_ADDR of Django's test client
# The default free codes an hour per address and per subnet (no campaign file, setting or variable changes them here).
FREE, FREE_SUBNET = AddressLimits().free_per_address, AddressLimits().free_per_subnet


@pytest.fixture(autouse=True)
def empty_outbox():
    """What each test's requests sent, and nothing from earlier tests."""
    OUTBOX.clear()


def _phone(n: int) -> str:
    return f"139{n:08d}"


def _send(campaign, n: int, *, ip: str = SCHOOL, now: float | None = NOW, **picture) -> str:
    return otp.request_code(campaign=campaign, phone_text=_phone(n), ip=ip, now=now, **picture).code


def _solved() -> dict[str, str]:
    """A picture as a person solves it."""
    challenge, answer = captcha.new_challenge()
    return {"challenge": challenge, "answer": answer}


def _sent_to(n: int) -> int:
    return sum(1 for to, _code in OUTBOX if to == f"+86{_phone(n)}")


def test_an_address_gets_its_free_codes_then_each_needs_a_solved_picture(store_kind, open_campaign):
    free = [_send(open_campaign, n) for n in range(FREE)]
    assert free == ["sent"] * FREE
    assert _send(open_campaign, 100) == "captcha_needed"
    challenge, answer = captcha.new_challenge()
    assert _send(open_campaign, 100, challenge=challenge, answer="WRONG") == "captcha_failed"
    assert _send(open_campaign, 100, challenge=challenge, answer=answer) == "captcha_failed"  # a picture is answered once
    assert _send(open_campaign, 100, challenge="no-such-picture", answer=answer) == "captcha_failed"
    assert (_sent_to(100), OtpChallenge.objects.count()) == (0, FREE)
    assert _send(open_campaign, 100, **_solved()) == "sent"
    assert (_sent_to(100), OtpChallenge.objects.count()) == (1, FREE + 1)


def test_a_crowd_behind_one_address_all_get_codes(open_campaign):
    crowd = 200  # a school hall, or the phones behind one carrier address after the 8 p.m. article
    replies = [_send(open_campaign, n, **(_solved() if n >= FREE else {})) for n in range(crowd)]
    assert replies == ["sent"] * crowd


def test_the_hard_cap_stops_an_address_even_with_solved_pictures(store_kind, open_campaign, settings):
    set_sms_limits(settings, max_per_address=FREE + 2)
    replies = [_send(open_campaign, n, **_solved()) for n in range(FREE + 3)]
    assert replies == ["sent"] * (FREE + 2) + ["address_cap"]
    assert (_send(open_campaign, 500), _sent_to(500)) == ("address_cap", 0)  # without a picture, the same
    assert _send(open_campaign, 501, ip="36.110.99.1") == "sent"  # another network is not held back
    assert _send(open_campaign, 502, now=NOW + 3600) == "sent"  # nor this one the next hour


def test_addresses_of_one_subnet_share_its_free_codes_and_its_cap(open_campaign, settings):
    addresses = FREE_SUBNET // FREE
    for a in range(addresses):
        for n in range(FREE):
            assert _send(open_campaign, a * 100 + n, ip=f"36.110.12.{a + 1}") == "sent"
    assert _send(open_campaign, 9000, ip="36.110.12.200") == "captcha_needed"  # an address new to the hour
    assert _send(open_campaign, 9001, ip="36.110.13.200") == "sent"  # the next /24 is another subnet
    set_sms_limits(settings, max_per_subnet=FREE_SUBNET + 1)
    assert _send(open_campaign, 9000, ip="36.110.12.200", **_solved()) == "sent"
    assert _send(open_campaign, 9002, ip="36.110.12.201", **_solved()) == "address_cap"


def test_an_ipv6_subscriber_rotating_through_its_64_counts_as_one_address(open_campaign):
    replies = [_send(open_campaign, n, ip=f"2409:8a00:1:2::{n + 1:x}") for n in range(FREE)]
    assert replies == ["sent"] * FREE
    assert _send(open_campaign, 100, ip="2409:8a00:1:2:abcd::1") == "captcha_needed"
    assert _send(open_campaign, 101, ip="2409:8a00:1:3::1") == "sent"  # another subscriber's /64


def test_the_per_phone_limits_hold_behind_the_picture(store_kind, open_campaign):
    for n in range(FREE):
        _send(open_campaign, n)
    me = 700
    # Being asked for a picture uses up none of the phone's allowance: the code follows the solved picture at once.
    assert _send(open_campaign, me) == "captcha_needed"
    assert _send(open_campaign, me, **_solved()) == "sent"
    assert _send(open_campaign, me, now=NOW + 30, **_solved()) == "phone_wait"  # one a minute
    later = [_send(open_campaign, me, now=NOW + 61 * minute, **_solved()) for minute in range(1, 6)]
    assert later == ["sent"] * 4 + ["phone_day"]  # five a day
    assert _sent_to(me) == 5


# --- on the voting page ------------------------------------------------------------------------------------------


def _page(client, campaign):
    return client.get(f"/c/{campaign.slug}/candidates/", HTTP_USER_AGENT=UA).content.decode()


def _sms(client, campaign, **fields):
    return client.post(f"/c/{campaign.slug}/vote/sms/", {"next": f"/c/{campaign.slug}/candidates/", **fields})


def _message_box(text: str) -> str:
    return f'<p class="vote-message notice" id="vote-message" role="status" aria-live="polite">{text}</p>'


def _picture(html: str) -> str:
    found = re.search(r'<input type="hidden" name="challenge" value="([^"]+)">', html)
    return found.group(1) if found else ""


def test_on_the_page_a_busy_network_solves_a_picture_before_the_code_is_sent(client, open_campaign, candidates,
                                                                             monkeypatch):
    monkeypatch.setattr(captcha, "_ALPHABET", "A")  # every picture reads AAAAA, as the voter reads it
    for n in range(FREE):  # the rest of the office, on the same address (and now, as the page)
        assert _send(open_campaign, n, ip=TEST_CLIENT_IP, now=None) == "sent"
    asked = _sms(client, open_campaign, action="send", phone="139 0635 1234")
    assert (sent_back(asked)[1], "xs_otp_phone" in asked.cookies, last_code_for("+8613906351234")) == (
        "captcha_needed", False, None)
    html = _page(client, open_campaign)
    first = _picture(html)
    assert (_message_box(CAPTCHA_NEEDED) in html, 'id="otp-phone"' in html, 'value="13906351234" required' in html,
            'id="otp-code"' in html) == (True, True, True, False)
    image = client.get(f"/c/{open_campaign.slug}/vote/device/{first}.png")
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")

    wrong = _sms(client, open_campaign, action="send", phone="13906351234", challenge=first, answer="BBBBB")
    assert (sent_back(wrong)[1], last_code_for("+8613906351234")) == ("captcha_failed", None)
    html = _page(client, open_campaign)
    second = _picture(html)
    assert (_message_box(CAPTCHA_FAILED) in html, bool(second), second != first) == (True, True, True)

    sent = _sms(client, open_campaign, action="send", phone="13906351234", challenge=second, answer="aaaaa")
    assert (sent_back(sent)[1], sent.cookies["xs_otp_picture"]["max-age"]) == ("sent", 0)
    html = _page(client, open_campaign)
    assert ('<p class="muted" id="otp-sent-to">验证码已发送至 139****1234。</p>' in html, _picture(html)) == (True, "")
    verified = _sms(client, open_campaign, action="verify", code=last_code_for("+8613906351234"))
    assert sent_back(verified)[1] == "verified"


def test_on_the_page_the_hard_cap_says_to_try_later_or_another_network(client, open_campaign, candidates,
                                                                       settings):
    set_sms_limits(settings, max_per_address=FREE)
    for n in range(FREE):
        _send(open_campaign, n, ip=TEST_CLIENT_IP, now=None)
    refused = _sms(client, open_campaign, action="send", phone="13906351234", **_solved())
    assert (sent_back(refused)[1], last_code_for("+8613906351234")) == ("address_cap", None)
    assert _message_box(ADDRESS_CAP) in _page(client, open_campaign)


# --- the device check behind one address -------------------------------------------------------------------------


def _device_check(campaign, answer: str = "AAAAA"):
    """One phone (its own browser and device cookie) opens the picture check and answers it."""
    phone = Client()
    page = phone.get(f"/c/{campaign.slug}/vote/device/").content.decode()
    return phone.post(f"/c/{campaign.slug}/vote/device/", {"challenge": _picture(page), "answer": answer})


def test_a_school_hall_passes_the_device_check_from_one_address(open_campaign, candidates, monkeypatch):
    monkeypatch.setattr(captcha, "_ALPHABET", "A")
    hall = 100  # more than three times what the check allowed one address before
    replies = [_device_check(open_campaign) for _ in range(hall)]
    assert [sent_back(reply)[1] for reply in replies] == ["verified"] * hall
    assert Voter.objects.filter(method="device").count() == hall


def test_the_device_check_stops_answers_from_one_address_past_its_cap(open_campaign, candidates, monkeypatch, settings):
    monkeypatch.setattr(captcha, "_ALPHABET", "A")
    set_sms_limits(settings, answers_per_address=2)
    assert [_device_check(open_campaign, answer).status_code for answer in ("BBBBB", "AAAAA")] == [400, 302]
    over = _device_check(open_campaign)
    assert (over.status_code, Voter.objects.count()) == (400, 1)
    assert '<p class="error banner" role="alert" id="captcha-error">您所在网络的图片验证次数过多，请几分钟后再试。</p>' in (
        over.content.decode())
