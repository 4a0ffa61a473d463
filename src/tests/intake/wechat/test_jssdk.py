"""The JS-SDK's jsapi_ticket and signature, against the local fake of Tencent's API: the signature of WeChat's own
example, the ticket fetched once and kept in the shared cache, one fetch under concurrency, a refresh before it
lapses, and WeChat's errors remembered for a short while instead of asked again on every page."""

import logging
import threading
import time

import pytest
from django.core.cache import cache

from tests.intake.wechat.conftest import APPID, SECRET
from xuanshu.intake.channels.wechat import jssdk
from xuanshu.intake.channels.wechat.media import CacheTokenStorage

TOKEN_PATH, TICKET_PATH = "/cgi-bin/token", "/cgi-bin/ticket/getticket"
TICKET_KEY = f"xuanshu:wechat:jsapi-ticket:{APPID}"
LOCK_KEY = f"xuanshu:wechat:jsapi-ticket-lock:{APPID}"


def paths(api) -> list[str]:
    return [path for path, _query in api.requests]


def ticket() -> str:
    return jssdk.jsapi_ticket(app_id=APPID, secret=SECRET).ticket


def test_the_signature_of_wechats_documented_example():
    # JS-SDK 说明文档, 附录1-JS-SDK使用权限签名算法, 示例.
    assert (
        jssdk.jsapi_signature(
            ticket="sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
            nonce_str="Wm3WZYTPz0wzccnW",
            timestamp=1414587457,
            url="http://mp.weixin.qq.com?params=value",
        )
        == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    )


def test_the_fragment_is_not_signed():
    signed = {
        url: jssdk.jsapi_signature(ticket="T", nonce_str="N", timestamp=1, url=url)
        for url in ("https://h5.example.cn/c/x/?a=1", "https://h5.example.cn/c/x/?a=1#identity", "https://h5.example.cn/c/x/?a=2")
    }
    assert len(set(signed.values())) == 2
    assert signed["https://h5.example.cn/c/x/?a=1"] == signed["https://h5.example.cn/c/x/?a=1#identity"]


def test_the_ticket_is_fetched_once_with_the_channels_shared_token(wechat_api):
    tickets = {ticket() for _ in range(20)}
    assert tickets == {"JSAPI_TICKET_2"}
    assert wechat_api.requests == [
        (TOKEN_PATH, {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}),
        (TICKET_PATH, {"access_token": "ACCESS_TOKEN_1", "type": "jsapi"}),
    ]
    # The token is the channel's own (media fetches use the same store): asking for a ticket expires no one's token.
    assert CacheTokenStorage().get(f"{APPID}_access_token") == "ACCESS_TOKEN_1"


def test_the_ticket_is_kept_until_shortly_before_it_lapses(wechat_api):
    before = time.time()
    answer = jssdk.jsapi_ticket(app_id=APPID, secret=SECRET)
    entry = cache.get(TICKET_KEY)
    assert (answer.ticket, entry["ticket"]) == ("JSAPI_TICKET_2", "JSAPI_TICKET_2")
    # Handed out until 5 minutes before WeChat's 7200 s, fetched again from 10 minutes before.
    assert before + 7200 - 300 <= entry["usable_until"] <= time.time() + 7200 - 300
    assert answer.good_until == entry["refresh_at"] == entry["usable_until"] - 300


def test_many_workers_asking_at_once_make_one_fetch(wechat_api):
    wechat_api.ticket_delay = 0.3
    answers: list[str] = []
    threads = [threading.Thread(target=lambda: answers.append(ticket())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The worker that fetched has the ticket; the others, with no older ticket to use, render without one.
    assert sorted(answers) == [""] * 7 + ["JSAPI_TICKET_2"]
    assert paths(wechat_api) == [TOKEN_PATH, TICKET_PATH]
    assert ticket() == "JSAPI_TICKET_2"
    assert paths(wechat_api) == [TOKEN_PATH, TICKET_PATH]


def _ticket_due_for_refresh():
    now = time.time()
    cache.set(TICKET_KEY, {"ticket": "OLD_TICKET", "refresh_at": now - 1, "usable_until": now + 200}, 200)


def test_a_ticket_due_for_refresh_serves_while_another_worker_fetches(wechat_api):
    _ticket_due_for_refresh()
    cache.add(LOCK_KEY, 1, 30)
    assert (ticket(), wechat_api.requests) == ("OLD_TICKET", [])


def test_a_ticket_due_for_refresh_is_replaced(wechat_api):
    _ticket_due_for_refresh()
    assert (ticket(), ticket()) == ("JSAPI_TICKET_2", "JSAPI_TICKET_2")
    assert paths(wechat_api) == [TOKEN_PATH, TICKET_PATH]
    assert cache.get(LOCK_KEY) is None


def test_a_failed_refresh_keeps_the_old_ticket_and_waits_before_asking_again(wechat_api, caplog):
    _ticket_due_for_refresh()
    wechat_api.ticket_errors = [(45009, "reach max api daily quota limit")]
    with caplog.at_level(logging.WARNING, logger="xuanshu.intake.wechat"):
        assert [ticket() for _ in range(5)] == ["OLD_TICKET"] * 5
    assert paths(wechat_api) == [TOKEN_PATH, TICKET_PATH]
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        ("WARNING", f"wechat jsapi_ticket for {APPID} not fetched: APILimitedException(45009, reach max api daily quota limit)"),
    ]


@pytest.mark.parametrize(
    ("errors", "expected_paths"),
    [
        # Not a token problem: asked once.
        ([(45009, "reach max api daily quota limit")], [TOKEN_PATH, TICKET_PATH]),
        # The token refused: a new one, and the ticket asked once more.
        ([(40001, "invalid credential, access_token is invalid or not latest")] * 2, [TOKEN_PATH, TICKET_PATH] * 2),
    ],
)
def test_a_wechat_error_is_remembered_for_the_retry_window(wechat_api, errors, expected_paths):
    wechat_api.ticket_errors = list(errors)
    assert [ticket() for _ in range(10)] == [""] * 10
    assert paths(wechat_api) == expected_paths
    entry = cache.get(TICKET_KEY)
    assert (entry["ticket"], round(entry["refresh_at"] - time.time())) == ("", jssdk.TICKET_RETRY_SECONDS)
    cache.delete(TICKET_KEY)  # the window has passed
    assert ticket().startswith("JSAPI_TICKET_")
    assert paths(wechat_api) == [*expected_paths, TICKET_PATH]


def test_an_expired_token_is_replaced_and_the_ticket_asked_again(wechat_api):
    assert ticket() == "JSAPI_TICKET_2"
    cache.delete(TICKET_KEY)
    wechat_api.expire_all_tokens()
    assert ticket() == "JSAPI_TICKET_4"
    assert wechat_api.requests[2:] == [
        (TICKET_PATH, {"access_token": "ACCESS_TOKEN_1", "type": "jsapi"}),
        (TOKEN_PATH, {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}),
        (TICKET_PATH, {"access_token": "ACCESS_TOKEN_3", "type": "jsapi"}),
    ]


def test_wechat_out_of_reach_is_remembered_too(settings, caplog):
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9/cgi-bin/"  # the discard port: nothing listens
    with caplog.at_level(logging.WARNING, logger="xuanshu.intake.wechat"):
        assert [ticket() for _ in range(3)] == [""] * 3
    assert [record.getMessage().split(":")[0] for record in caplog.records] == [f"wechat jsapi_ticket for {APPID} not fetched"]
