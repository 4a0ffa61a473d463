"""Median server time of the WeChat callback for a text message, through Django's test client.

Run: .venv/bin/python -m pytest -q -s bench/wechat_callback.py (processing runs inside the request, as by default)
"""
import statistics
import time

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import campaign  # noqa: F401,F811 - the seed campaign fixture
from tests.intake.wechat.conftest import APPID, TOKEN
from tests.intake.wechat.payloads import callback_url, documented, signed_query
from xuanshu.intake.channels.wechat import conf
from xuanshu.intake.channels.wechat.services import set_wechat_account


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("content", ["推荐出彩聊城人 东昌府区的张桂芳二十年照顾瘫痪婆婆", "东昌湖边路灯坏了"], ids=["nomination", "tip"])
def test_measure(campaign, content, monkeypatch):  # noqa: F811
    monkeypatch.setattr(conf, "REPLIES_PER_MINUTE", 10**9)
    account = set_wechat_account(slug="bench", token=TOKEN, appid=APPID, campaign_slug=campaign.slug).account
    client = Client()
    timings = []
    for n in range(220):
        body = documented("text", Content=content, MsgId=str(10**15 + n), FromUserName=f"oBench{n:022d}").encode()
        url = callback_url(account.slug, signed_query(TOKEN))
        started = time.perf_counter()
        response = client.post(url, data=body, content_type="text/xml")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    timings = timings[20:]  # warm-up
    print(f"\n{content[:8]}: n={len(timings)} median={statistics.median(timings)*1000:.2f} ms "
          f"p90={statistics.quantiles(timings, n=10)[-1]*1000:.2f} ms max={max(timings)*1000:.2f} ms")
    cache.clear()
