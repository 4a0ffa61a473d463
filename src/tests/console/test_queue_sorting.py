"""Sorting the review queue: each order, the whitelist, and the order kept by pagination, filters, headers and export."""
import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xuanshu.campaigns.models import Category
from xuanshu.nominations.services import set_nomination_state

QUEUE = reverse("console:queue")
EXPORT = reverse("console:export")
START = dt.datetime(2024, 5, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def references(response) -> list[str]:
    assert response.status_code == 200
    return [nomination.reference for nomination in response.context["page"].object_list]


@pytest.fixture
def add(nominate):
    """Nominations received one hour apart, in the order they are added."""
    made = []

    def make(**fields):
        nomination = nominate(received_at=START + dt.timedelta(hours=len(made)), **fields)
        made.append(nomination)
        return nomination

    return make


def test_newest_first_is_the_default_and_oldest_first_reverses_it(editor_client, add):
    made = [add().reference for _ in range(3)]
    assert references(editor_client.get(QUEUE)) == made[::-1]
    assert references(editor_client.get(QUEUE, {"sort": "newest"})) == made[::-1]
    assert references(editor_client.get(QUEUE, {"sort": "oldest"})) == made


def test_by_state_follows_the_review_order_then_newest_first(editor_client, add, editor):
    paths = {  # the moves that bring a received nomination to each state
        "withdrawn": ["withdrawn"], "duplicate": ["duplicate"], "verified": ["in_review", "verified"],
        "received": [], "shortlisted": ["in_review", "verified", "shortlisted"], "rejected": ["rejected"],
        "needs_info": ["in_review", "needs_info"], "in_review": ["in_review"],
    }
    made = {}
    for state, moves in paths.items():
        nomination = add()
        for move in moves:
            set_nomination_state(nomination=nomination, new_state=move, actor=editor, reason="测试")
        made[state] = nomination.reference
    second_received = add().reference  # newer than the first received: first within its state
    review_order = ["received", "in_review", "needs_info", "verified", "shortlisted", "rejected", "duplicate", "withdrawn"]
    expected = [second_received, *(made[state] for state in review_order)]
    assert references(editor_client.get(QUEUE, {"sort": "state"})) == expected


def test_by_state_within_one_chosen_state_is_newest_first(editor_client, add, editor):
    older, newer = add(), add()
    for nomination in (older, newer):
        set_nomination_state(nomination=nomination, new_state="in_review", actor=editor)
    assert references(editor_client.get(QUEUE, {"sort": "state", "state": "in_review"})) == [newer.reference, older.reference]


def test_by_category_follows_the_campaign_order_and_uncategorised_come_last(editor_client, add, campaign):
    # Put the first category of the file last, so the order is neither by id nor by name.
    Category.objects.filter(campaign=campaign, code="development").update(sort_order=9)
    none = add(category_code=None).reference
    conduct_old = add(category_code="good-conduct").reference
    development = add(category_code="development").reference
    hometown = add(category_code="hometown").reference
    athletes = add(category_code="athletes").reference
    conduct_new = add(category_code="good-conduct").reference
    assert references(editor_client.get(QUEUE, {"sort": "category"})) == [
        athletes, hometown, conduct_new, conduct_old, development, none,
    ]


def test_by_name_is_in_pinyin_order_with_unnamed_nominations_last(editor_client, add):
    unnamed = add(nominee_name="").reference
    made = {name: add(nominee_name=name).reference for name in ["赵六", "张桂芳", "安娜", "王大锤", "刘翔宇"]}
    zhang_wei_old = add(nominee_name="张伟").reference
    zhang_wei_other = add(nominee_name="章伟").reference  # the same pinyin, another character
    zhang_wei_new = add(nominee_name="张伟").reference
    expected = [
        made["安娜"], made["刘翔宇"], made["王大锤"], made["张桂芳"],
        zhang_wei_new, zhang_wei_old, zhang_wei_other,  # zhangwei: 张 before 章, then newest first
        made["赵六"], unnamed,
    ]
    assert references(editor_client.get(QUEUE, {"sort": "name"})) == expected


@pytest.mark.parametrize("sort", ["", "bogus", "-received_at", "name;drop table", "NAME", "state,category"])
def test_an_unknown_order_is_the_default_without_an_error(editor_client, add, sort):
    made = [add(nominee_name=name).reference for name in ["赵六", "安娜"]]
    response = editor_client.get(QUEUE, {"sort": sort, "state": "received"})
    assert (references(response), response.context["form"].errors) == (made[::-1], {})
    assert response.context["form"]["sort"].value() == "newest"
    html = response.content.decode()
    assert "/console/export/?" in html  # the export is offered as for any valid filters


def test_pages_keep_the_order_and_the_filters(editor_client, add):
    made = [add().reference for _ in range(55)]
    response = editor_client.get(QUEUE, {"sort": "oldest", "state": "received"})
    assert references(response) == made[:50]
    html = response.content.decode()
    assert 'href="?sort=oldest&amp;state=received&amp;page=2"' in html
    assert references(editor_client.get(QUEUE, {"sort": "oldest", "state": "received", "page": 2})) == made[50:]


def test_the_filter_form_carries_the_chosen_order(editor_client, add):
    add()
    html = editor_client.get(QUEUE, {"sort": "category"}).content.decode()
    assert '<select name="sort" data-autosubmit="" id="id_sort">' in html
    assert '<option value="category" selected>By category</option>' in html


def test_column_headers_sort_and_keep_the_filters_but_not_the_page(editor_client, add):
    add()
    html = editor_client.get(QUEUE, {"state": "received", "page": 1}).content.decode()
    assert 'href="?state=received&amp;sort=name"' in html
    assert 'href="?state=received&amp;sort=category"' in html
    assert 'href="?state=received&amp;sort=state"' in html
    assert 'href="?state=received&amp;sort=oldest"' in html  # newest first now: the time header turns it round
    html = editor_client.get(QUEUE, {"state": "received", "sort": "oldest"}).content.decode()
    assert 'href="?state=received"' in html  # and back to the default


def test_export_links_carry_the_order_and_the_export_follows_it(editor_client, add):
    made = {name: add(nominee_name=name).reference for name in ["赵六", "安娜", "刘翔宇"]}
    html = editor_client.get(QUEUE, {"sort": "name"}).content.decode()
    assert f'href="{EXPORT}?sort=name&amp;format=csv"' in html
    response = editor_client.get(EXPORT, {"sort": "name", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [made["安娜"], made["刘翔宇"], made["赵六"]]
    response = editor_client.get(EXPORT, {"sort": "bogus", "format": "csv"})  # unknown: the default, not a refusal
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [made["刘翔宇"], made["安娜"], made["赵六"]]


@pytest.mark.parametrize("sort", ["oldest", "state", "category", "name"])
def test_each_order_runs_the_same_number_of_queries_for_5_and_60_rows(editor_client, nominate, sort):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(QUEUE, {"sort": sort}).status_code == 200
        return len(queries)

    for _ in range(5):
        nominate(category_code=None)
    count_queries()  # fills the cached campaign list
    with_5 = count_queries()
    for _ in range(55):
        nominate()
    assert count_queries() == with_5
