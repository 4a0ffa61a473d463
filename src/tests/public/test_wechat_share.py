"""WeChat's share card for a candidate's profile and the gallery (JS-SDK): inside WeChat's browser, with a public origin,
the campaign's official account and a jsapi_ticket from the local fake of Tencent's API, the page carries jweixin and
a signed `wx.config` for the address the browser has, with the candidate's masked text as JSON; anywhere else, or when
WeChat fails, the page is as before, and WeChat is not asked again on every page."""

import hashlib
import json
import logging
import re

import pytest

from tests.intake.wechat.conftest import APPID, SECRET, TOKEN
from tests.public.test_candidate_photos import _photo_of
from tests.voting.helpers import UA
from xuanshu.intake.channels.wechat.services import set_wechat_account
from xuanshu.public import share
from xuanshu.voting import config as vote_config_module
from xuanshu.voting.models import Candidate

pytestmark = pytest.mark.django_db

ORIGIN = "https://h5.qlwb.example.cn"
JWEIXIN = '<script src="https://res.wx.qq.com/open/js/jweixin-1.6.0.js" defer></script>'
DESKTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
TOKEN_PATH, TICKET_PATH = "/cgi-bin/token", "/cgi-bin/ticket/getticket"
JS_API_LIST = ["updateAppMessageShareData", "updateTimelineShareData"]


@pytest.fixture
def account(open_campaign, monkeypatch, settings):
    """The campaign's official account, its AppSecret in the environment, and the public origin set."""
    settings.XUANSHU_PUBLIC_BASE_URL = ORIGIN
    monkeypatch.delenv("VOTING_WECHAT_APP_ID", raising=False)
    monkeypatch.setenv("QLWB_WECHAT_SECRET", SECRET)
    return set_wechat_account(
        slug="qlwb", token=TOKEN, appid=APPID, secret_env="QLWB_WECHAT_SECRET", campaign_slug=open_campaign.slug
    ).account


def _get(client, path, ua=UA, **headers):
    response = client.get(path, HTTP_USER_AGENT=ua, **headers)
    assert response.status_code == 200
    return response.content.decode()


def _share(html: str) -> dict | None:
    match = re.search(r'<script id="wechat-share" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1)) if match else None


def _signature(ticket: str, share_data: dict, url: str) -> str:
    # WeChat's algorithm written out (JS-SDK 说明文档, 附录1), not wechatpy's.
    text = f"jsapi_ticket={ticket}&noncestr={share_data['nonceStr']}&timestamp={share_data['timestamp']}&url={url}"
    return hashlib.sha1(text.encode()).hexdigest()


def _profile_path(campaign, candidate) -> str:
    return f"/c/{campaign.slug}/candidates/{candidate.number}/"


def test_a_profile_in_wechat_carries_the_signed_config_and_the_share_data(client, open_campaign, candidates, account, wechat_api):
    candidate = candidates[3]
    Candidate.objects.filter(pk=candidate.pk).update(summary="她的电话13812345678，\n二十年如一日照顾瘫痪在床的婆婆。")
    attachment = _photo_of(candidate)  # the ballot's configuration is read anew after it
    path = _profile_path(open_campaign, candidate)
    # WeChat adds its own query to a shared link: the browser has it, so it is signed.
    html = _get(client, f"{path}?from=singlemessage&isappinstalled=0")
    data = _share(html)
    assert (
        data
        == {
            "appId": APPID,
            "timestamp": data["timestamp"],
            "nonceStr": data["nonceStr"],
            "signature": _signature("JSAPI_TICKET_2", data, f"{ORIGIN}{path}?from=singlemessage&isappinstalled=0"),
            "jsApiList": JS_API_LIST,
            "title": f"{candidate.display_name} · {open_campaign.name}",
            "desc": "她的电话138****5678， 二十年如一日照顾瘫痪在床的婆婆。",  # masked, on one line
            "link": f"{ORIGIN}{path}",
            "imgUrl": f"{ORIGIN}{path}photo.jpg?v={attachment.sha256[:12]}",
        }
    )
    assert (re.fullmatch(r"[0-9a-f]{16}", data["nonceStr"]) is not None, isinstance(data["timestamp"], int)) == (True, True)
    assert html.count(JWEIXIN) == 1


def test_the_gallery_in_wechat_shares_the_campaign_with_the_default_picture(
    client, open_campaign, candidates, account, wechat_api
):
    path = f"/c/{open_campaign.slug}/candidates/"
    data = _share(_get(client, path))
    assert data == {
        "appId": APPID,
        "timestamp": data["timestamp"],
        "nonceStr": data["nonceStr"],
        "signature": _signature("JSAPI_TICKET_2", data, f"{ORIGIN}{path}"),
        "jsApiList": JS_API_LIST,
        "title": f"候选人 · {open_campaign.name}",
        "desc": "看看候选人的故事，为打动你的人投上一票。",
        "link": f"{ORIGIN}{path}",
        "imgUrl": f"{ORIGIN}/static/xuanshu/share.png",
    }


def test_a_profile_without_a_photo_shares_the_default_picture(client, open_campaign, candidates, account, wechat_api):
    data = _share(_get(client, _profile_path(open_campaign, candidates[0])))
    assert data["imgUrl"] == f"{ORIGIN}/static/xuanshu/share.png"


def test_the_ticket_is_fetched_once_across_many_pages(client, open_campaign, candidates, account, wechat_api, monkeypatch):
    look_ups = []
    real_look_up = share._look_up_signing
    monkeypatch.setattr(share, "_look_up_signing", lambda campaign: look_ups.append(campaign.pk) or real_look_up(campaign))
    pages = [_profile_path(open_campaign, candidate) for candidate in candidates[:6]] + [
        f"/c/{open_campaign.slug}/candidates/"
    ] * 4
    signatures = {_share(_get(client, page))["signature"] for page in pages}
    assert len(signatures) == len(pages)  # each page signed for itself, with its own nonce
    assert [path for path, _query in wechat_api.requests] == [TOKEN_PATH, TICKET_PATH]
    # After the first page a WeChat page reads one cache entry: no account row, no ticket entry.
    assert look_ups == [open_campaign.pk]


@pytest.mark.parametrize("ua", [DESKTOP_UA, "", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148 QQ/9.0.8"])
def test_other_browsers_get_no_script_and_cause_no_fetch(client, open_campaign, candidates, account, wechat_api, ua, monkeypatch):
    monkeypatch.setattr(share, "_signing_ticket", lambda campaign: pytest.fail("looked up outside WeChat"))
    for path in (_profile_path(open_campaign, candidates[0]), f"/c/{open_campaign.slug}/candidates/"):
        html = _get(client, path, ua=ua)
        assert (JWEIXIN in html, _share(html), "wechat-share" in html) == (False, None, False)
    assert wechat_api.requests == []


@pytest.mark.parametrize(
    ("errors", "expected_paths"),
    [
        ([(40001, "invalid credential, access_token is invalid or not latest")] * 2, [TOKEN_PATH, TICKET_PATH] * 2),
        ([(45009, "reach max api daily quota limit")], [TOKEN_PATH, TICKET_PATH]),
    ],
)
def test_a_wechat_error_leaves_the_page_as_before_and_is_not_asked_again(
    client,
    open_campaign,
    candidates,
    account,
    wechat_api,
    caplog,
    errors,
    expected_paths,
):
    wechat_api.ticket_errors = list(errors)
    path = _profile_path(open_campaign, candidates[0])
    with caplog.at_level(logging.WARNING, logger="xuanshu.intake.wechat"):
        pages = [_get(client, path) for _ in range(5)] + [_get(client, f"/c/{open_campaign.slug}/candidates/")]
    assert [(JWEIXIN in html, _share(html)) for html in pages] == [(False, None)] * 6
    assert all('<span class="name">' in html for html in pages[:5])
    assert [path for path, _query in wechat_api.requests] == expected_paths
    assert [record.levelname for record in caplog.records if "jsapi_ticket" in record.getMessage()] == ["WARNING"]


def test_wechat_out_of_reach_leaves_the_page_as_before(client, open_campaign, candidates, account, settings):
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9/cgi-bin/"  # the discard port: nothing listens
    html = _get(client, _profile_path(open_campaign, candidates[0]))
    assert (JWEIXIN in html, _share(html), f'<span class="name">{candidates[0].display_name}</span>' in html) == (
        False,
        None,
        True,
    )


def test_a_citizens_text_reaches_the_script_as_json_masked(client, open_campaign, candidates, account, wechat_api):
    candidate = candidates[1]
    name = '王"小"</script><script>alert(1)</script>\\'
    summary = "电话13812345678\u2028'</script><img src=x onerror=alert(2)>'"
    Candidate.objects.filter(pk=candidate.pk).update(display_name=name, summary=summary)
    vote_config_module.forget()
    html = _get(client, _profile_path(open_campaign, candidate))
    data = _share(html)
    assert (data["title"], data["desc"]) == (
        f"{name} · {open_campaign.name}",
        "电话138****5678 '</script><img src=x onerror=alert(2)>'",  # 53 characters: not cut
    )
    config_text = re.search(r'<script id="wechat-share" type="application/json">(.*?)</script>', html, re.S).group(1)
    assert ("<" in config_text, ">" in config_text, "13812345678" in html) == (False, False, False)
    assert ("<script>alert(1)" in html, "<img src=x" in html) == (False, False)


def test_the_signed_address_is_the_public_origin_whatever_the_host_header(
    client, open_campaign, candidates, account, wechat_api, settings
):
    settings.ALLOWED_HOSTS = ["*"]  # a permissive deployment: the Host header reaches the view
    path = _profile_path(open_campaign, candidates[0])
    data = _share(_get(client, path, HTTP_HOST="evil.example", HTTP_X_FORWARDED_HOST="evil.example"))
    assert (data["signature"], data["link"]) == (_signature("JSAPI_TICKET_2", data, f"{ORIGIN}{path}"), f"{ORIGIN}{path}")


def test_without_a_public_origin_no_config_is_made(client, open_campaign, candidates, account, wechat_api, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = ""  # and the campaign file names no public_site
    html = _get(client, _profile_path(open_campaign, candidates[0]), HTTP_HOST="testserver")
    assert (JWEIXIN in html, _share(html), wechat_api.requests) == (False, None, [])


def test_without_an_account_no_config_is_made_and_the_answer_is_kept(
    client, open_campaign, candidates, wechat_api, settings, monkeypatch
):
    settings.XUANSHU_PUBLIC_BASE_URL = ORIGIN
    monkeypatch.delenv("VOTING_WECHAT_APP_ID", raising=False)
    look_ups = []
    real_look_up = share._look_up_signing
    monkeypatch.setattr(share, "_look_up_signing", lambda campaign: look_ups.append(campaign.pk) or real_look_up(campaign))
    pages = [_get(client, _profile_path(open_campaign, candidates[0])) for _ in range(3)]
    assert [(JWEIXIN in html, _share(html)) for html in pages] == [(False, None)] * 3
    assert (look_ups, wechat_api.requests) == ([open_campaign.pk], [])
