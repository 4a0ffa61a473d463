"""In Chromium on a phone, behind a busy shared address: the voter asks for a code, is shown a picture with the
number still filled in, a wrong answer sends nothing, and the right one sends the code."""
import pytest

from tests.voting.conftest import candidates, open_campaign  # noqa: F401  (the voting fixtures)
from xuanshu.voting import captcha, otp
from xuanshu.voting.address_limits import AddressLimits
from xuanshu.voting.sms.dev import OUTBOX, last_code_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CAPTCHA_NEEDED = "您所在网络正有很多人获取验证码。请先输入图片中的字符，再获取验证码。"
CAPTCHA_FAILED = "输入的字符与图片不符，验证码未发送。请输入新图片中的字符后重试。"


def test_a_busy_network_solves_a_picture_and_then_gets_the_code(live_server, open_campaign, candidates,  # noqa: F811
                                                                 phone_page, monkeypatch):
    monkeypatch.setattr(captcha, "_ALPHABET", "A")  # every picture reads AAAAA, as the voter reads it
    OUTBOX.clear()
    for n in range(AddressLimits().free_per_address):  # the rest of the office, on the browser's address
        assert otp.request_code(campaign=open_campaign, phone_text=f"139{n:08d}", ip="127.0.0.1").code == "sent"
    page = phone_page
    page.goto(f"{live_server.url}/c/{open_campaign.slug}/candidates/")
    page.fill("#otp-phone", "13906351234")
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#otp-picture")
    assert (page.inner_text("#vote-message"), page.input_value("#otp-phone")) == (CAPTCHA_NEEDED, "13906351234")
    # the picture was drawn: once the browser has finished loading it (a broken image completes with width 0)
    page.wait_for_function("() => document.querySelector('#otp-picture img').complete")
    size = page.evaluate("() => { const img = document.querySelector('#otp-picture img');"
                         " return [img.naturalWidth, img.complete]; }")
    assert size == [200, True]

    page.fill("#otp-picture-answer", "BBBBB")
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#otp-picture")
    assert (page.inner_text("#vote-message"), last_code_for("+8613906351234")) == (CAPTCHA_FAILED, None)

    page.fill("#otp-picture-answer", "aaaaa")
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#otp-code")
    assert (page.inner_text("#otp-sent-to"), page.locator("#otp-picture").count()) == ("验证码已发送至 139****1234。", 0)
    page.fill("#otp-code", last_code_for("+8613906351234"))
    page.click(".sms-form button[name=action][value=verify]")
    page.wait_for_selector("#remaining")
