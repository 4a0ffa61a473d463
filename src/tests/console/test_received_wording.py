"""“Received” says two things in the console: a nomination's state and the time a message came in. Each has its
own msgctxt, so in Chinese a column of times reads 收到时间, not the state 已收到 beside it."""
import csv
import io

import pytest
from django.urls import reverse

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def nomination(nominate):
    return nominate()


def test_the_queue_heads_its_time_column_as_time_and_its_state_as_state(editor_client, nomination):
    html = editor_client.get(reverse("console:queue"), **CHINESE).content.decode()
    # Both headings sort the queue (newest first now, so the time heading turns it round).
    headings = ('title="按状态（审核流程顺序）">状态</a></th>', 'title="收到时间：旧→新">收到时间 ↓</a></th>')
    assert [heading in html for heading in headings] == [True, True]
    assert '<span class="badge state-received">已收到</span>' in html


@pytest.mark.parametrize("page", ["console:inbound_list", "console:tips"])
def test_other_lists_head_their_time_column_as_time(editor_client, nomination, page):
    html = editor_client.get(reverse(page), **CHINESE).content.decode()
    assert ("<th>收到时间</th>" in html, "<th>已收到</th>" in html) == (True, False)


def test_the_export_heads_its_time_column_as_time(editor_client, nomination):
    response = editor_client.get(reverse("console:export"), {"format": "csv"}, **CHINESE)
    header, first = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))[:2]
    assert (header[2], first[2], header[10]) == ("状态", "已收到", "收到时间")
