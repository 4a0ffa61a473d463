"""The site's error pages: in Chinese, short, readable on a phone, with a way back; never Django's English ones."""
import re

import pytest
from django.contrib.auth.models import User
from django.http import Http404
from django.template import loader
from django.test import Client, RequestFactory
from django.utils import translation

from xuanshu.core.error_views import page_not_found

pytestmark = pytest.mark.urls("tests.core.error_urls")

HOME_LINKS = [("/", "返回首页"), ("javascript:history.back()", "返回上一页")]
CONSOLE_LINKS = [("/console/", "返回编辑后台"), ("javascript:history.back()", "返回上一页")]
NOT_FOUND_TEXT = "您要找的页面不存在或已不再提供。请核对网址，或从首页重新进入。"


def _first(pattern: str, html: str) -> str | None:
    match = re.search(pattern, html, re.S)
    return match.group(1).strip() if match else None


def page(response) -> dict:
    """What a reader sees of an error page: status, title, heading, the exception's message, the ways back."""
    html = response.content.decode()
    return {
        "status": response.status_code,
        "title": _first(r"<title>(.*?)</title>", html),
        "heading": _first(r"<section[^>]*>\s*<h[12]>(.*?)</h[12]>", html),
        "message": _first(r'<p class="notice">(.*?)</p>', html),
        "links": re.findall(r'<a class="button[^"]*"[^>]*?href="([^"]*)"[^>]*>(.*?)</a>', html),
    }


def test_an_unknown_address_is_a_chinese_404_page(client):
    response = client.get("/no-such-page/")
    assert page(response) == {"status": 404, "title": "页面不存在", "heading": "页面不存在", "message": None, "links": HOME_LINKS}
    assert NOT_FOUND_TEXT in response.content.decode()
    assert (b"Not Found" in response.content, b"Resolver404" in response.content) == (False, False)


def test_a_404_shows_the_message_meant_for_the_citizen(client, db):
    response = client.get("/c/no-such-campaign/")  # the public view raises Http404(_("No such campaign."))
    assert page(response) == {"status": 404, "title": "页面不存在", "heading": "页面不存在", "message": "没有这个推选活动。",
                              "links": HOME_LINKS}


def test_a_lazily_translated_message_is_shown_too(client):
    assert page(client.get("/test-errors/lazily-missing/"))["message"] == "没有这个推选活动。"


def test_a_message_for_developers_is_not_shown(client):
    response = client.get("/test-errors/developer-missing/")
    assert (page(response)["message"], b"Nominee" in response.content) == (None, False)


def test_a_404_message_is_escaped():
    response = page_not_found(RequestFactory().get("/x/"), Http404("没有<script>alert(1)</script>这一页"))
    assert page(response)["message"] == "没有&lt;script&gt;alert(1)&lt;/script&gt;这一页"


def test_an_unknown_console_address_leads_back_to_the_console(client):
    assert page(client.get("/console/no-such-page/")) == {
        "status": 404, "title": "页面不存在", "heading": "页面不存在", "message": None, "links": CONSOLE_LINKS}


def test_permission_denied_is_a_chinese_403_page(client):
    response = client.get("/test-errors/forbidden/")
    assert page(response) == {"status": 403, "title": "无权访问", "heading": "无权访问", "message": None, "links": HOME_LINKS}
    assert "您无权查看此页面。" in response.content.decode()


def test_staff_without_console_permission_get_the_chinese_403_page(client, db):
    client.force_login(User.objects.create_user(username="clerk", password="clerk-pass-123", is_staff=True))
    response = client.get("/console/")
    assert page(response) == {"status": 403, "title": "无权访问", "heading": "无权访问", "message": None, "links": CONSOLE_LINKS}
    assert "您无权查看此页面。请使用有权限的账号登录，或联系管理员。" in response.content.decode()


@pytest.mark.parametrize("path, links", [("/c/chucai-liaocheng-2024/status/", HOME_LINKS), ("/console/login/", CONSOLE_LINKS)])
def test_a_post_without_csrf_token_gets_a_chinese_page_on_what_to_do(path, links, db):
    response = Client(enforce_csrf_checks=True).post(path, {"phone": "13812345678"})
    html = response.content.decode()
    assert page(response) == {"status": 403, "title": "页面已过期", "heading": "页面已过期", "message": None, "links": links}
    assert ("为了您的安全，本次提交未被接受。请返回上一页，刷新页面后再试一次。" in html,
            "如果反复出现此提示，请确认浏览器允许本网站使用 Cookie。" in html) == (True, True)
    assert [word for word in ("DEBUG", "Forbidden", "CSRF") if word in html] == []


def test_an_unhandled_exception_is_a_chinese_500_page():
    response = Client(raise_request_exception=False).get("/test-errors/fails/")
    html = response.content.decode()
    assert page(response) == {"status": 500, "title": "服务器出错了", "heading": "服务器出错了", "message": None,
                              "links": HOME_LINKS}
    assert ("抱歉，服务器出了点问题，我们已记录下来。请稍后再试。" in html, "ledger" in html) == (True, False)


def test_the_500_page_needs_no_request_context_and_no_database():
    # No `db` fixture: any query here fails the test. Django's server_error view renders exactly like this.
    with translation.override("zh-hans"):
        html = loader.get_template("500.html").render()
    assert (_first(r"<h1>(.*?)</h1>", html), 'href="/"' in html) == ("服务器出错了", True)


def test_a_bad_request_is_a_chinese_400_page(client):
    response = client.get("/", HTTP_HOST="not-an-allowed-host.example")  # DisallowedHost: Django's bad_request view
    assert page(response) == {"status": 400, "title": "请求有误", "heading": "请求有误", "message": None, "links": HOME_LINKS}


@pytest.mark.parametrize("path", ["/no-such-page/", "/test-errors/forbidden/", "/test-errors/fails/"])
def test_error_pages_are_laid_out_for_phones(path):
    html = Client(raise_request_exception=False).get(path).content.decode()
    assert ('<html lang="zh-hans">' in html, '<meta name="viewport" content="width=device-width, initial-scale=1' in html) == (
        True, True)
