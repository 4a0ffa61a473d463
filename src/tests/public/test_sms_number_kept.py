"""A number the text-message sign-in refuses (not a mainland mobile, asked again too soon, the network's cap) comes
back in the field as the citizen typed it, with the message saying why, so that it can be corrected rather than
typed again; a number a code went to is not kept there."""

import re

import pytest

from tests.voting.helpers import UA, sent_back, set_sms_limits
from xuanshu.voting import otp
from xuanshu.voting.address_limits import AddressLimits

pytestmark = pytest.mark.django_db

TYPED_COOKIE = "xs_otp_typed"


def _sms(client, campaign, next_path, **data):
    return client.post(f"/c/{campaign.slug}/vote/sms/", {"next": next_path, **data})


def _page(client, path):
    response = client.get(path, HTTP_USER_AGENT=UA)
    assert response.status_code == 200
    return response.content.decode()


def _phone_field(html: str) -> str:
    return re.search(r'<input id="otp-phone"[^>]*>', html).group(0)


def _field_with(value: str) -> str:
    return (
        f'<input id="otp-phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" maxlength="20" '
        f'value="{value}" required>'
    )


def _message(html: str) -> str:
    """The page's message, in the sign-in on a profile, else at the top."""
    found = re.search(r'id="identity-message" role="status">(.*?)</p>', html) or re.search(
        r'id="vote-message" role="status" aria-live="polite">(.*?)</p>', html
    )
    return found.group(1)


@pytest.mark.parametrize("page", ["candidates/", "vote/", "candidates/3/"])
def test_a_number_that_is_not_a_mobile_comes_back_as_typed(client, open_campaign, candidates, page):
    here = f"/c/{open_campaign.slug}/{page}"
    refused = _sms(client, open_campaign, here, action="send", phone="139 0635 123")
    assert sent_back(refused) == (here, "invalid_phone")
    html = _page(client, here)
    assert (_phone_field(html), _message(html)) == (_field_with("139 0635 123"), "请输入有效的大陆手机号码。")
    # Shown once, with its message: the page after that starts from an empty field again.
    assert _phone_field(_page(client, here)) == _field_with("")


def test_what_was_typed_is_escaped(client, open_campaign, candidates):
    here = f"/c/{open_campaign.slug}/candidates/"
    _sms(client, open_campaign, here, action="send", phone='"><script>1</script>')
    assert _phone_field(_page(client, here)) == _field_with("&quot;&gt;&lt;script&gt;1&lt;/script&gt;")


def test_a_number_asked_again_too_soon_comes_back(client, open_campaign, candidates):
    here = f"/c/{open_campaign.slug}/candidates/"
    assert sent_back(_sms(client, open_campaign, here, action="send", phone="13906351234"))[1] == "sent"
    _sms(client, open_campaign, here, action="change")
    assert sent_back(_sms(client, open_campaign, here, action="send", phone="139-0635-1234"))[1] == "phone_wait"
    html = _page(client, here)
    assert (_phone_field(html), _message(html)) == (_field_with("139-0635-1234"), "请等待一分钟后再获取验证码。")


def test_a_number_refused_by_the_networks_cap_comes_back(client, open_campaign, candidates, settings):
    set_sms_limits(settings, max_per_address=AddressLimits().free_per_address)
    for n in range(AddressLimits().free_per_address):  # the rest of the office, on the test client's address
        assert otp.request_code(campaign=open_campaign, phone_text=f"139{n:08d}", ip="127.0.0.1").code == "sent"
    here = f"/c/{open_campaign.slug}/candidates/"
    assert sent_back(_sms(client, open_campaign, here, action="send", phone="13906351234"))[1] == "address_cap"
    assert _phone_field(_page(client, here)) == _field_with("13906351234")


def test_a_number_a_code_went_to_is_not_kept_in_the_field(client, open_campaign, candidates):
    here = f"/c/{open_campaign.slug}/candidates/"
    _sms(client, open_campaign, here, action="send", phone="12")
    sent = _sms(client, open_campaign, here, action="send", phone="13906351234")
    assert (sent_back(sent)[1], sent.cookies[TYPED_COOKIE]["max-age"]) == ("sent", 0)
    _sms(client, open_campaign, here, action="change")
    assert _phone_field(_page(client, here)) == _field_with("")
