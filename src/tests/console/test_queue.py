"""The review queue: each filter narrows it, search, local dates, pagination, constant queries, escaping."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xuanshu.campaigns.models import Area, Category
from xuanshu.nominations.services import set_nomination_state

QUEUE = reverse("console:queue")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def references(response) -> list[str]:
    assert response.status_code == 200
    return [nomination.reference for nomination in response.context["page"].object_list]


@pytest.fixture
def rows(campaign, other_campaign, nominate, editor):
    """Four nominations across two campaigns; `b` arrived at 00:30 local, still 1 May in UTC."""
    a = nominate(channel="webform", category_code="good-conduct", area_code="dongchangfu", received_at=local(2024, 5, 1, 10, 0))
    b = nominate(
        channel="wechat", category_code="athletes", area_code="chiping", received_at=local(2024, 5, 2, 0, 30),
        nominee_name="刘翔宇", deeds="在全国游泳锦标赛上夺得两枚金牌，为聊城争光，赛后把奖金捐给了家乡的小学。", nominator_name="赵云",
    )
    c = nominate(channel="webform", category_code="athletes", area_code="dongchangfu", received_at=local(2024, 5, 3, 23, 59), nominee_name="王大锤")
    d = nominate(in_campaign=other_campaign, channel="wechat", category_code="good-conduct", area_code="chiping", received_at=local(2024, 5, 2, 12, 0))
    for nomination in (b, c):
        set_nomination_state(nomination=nomination, new_state="in_review", actor=editor)
    return {"a": a, "b": b, "c": c, "d": d}


def test_each_filter_narrows_the_queue(editor_client, rows, campaign, other_campaign):
    a, b, c, d = (rows[key].reference for key in "abcd")
    athletes = Category.objects.get(campaign=campaign, code="athletes").pk
    dongchangfu = Area.objects.get(campaign=campaign, code="dongchangfu").pk
    cases = {
        "": [c, d, b, a],
        f"campaign={campaign.pk}": [c, b, a],
        f"campaign={other_campaign.pk}": [d],
        "channel=wechat": [d, b],
        f"campaign={campaign.pk}&category={athletes}": [c, b],
        "state=in_review": [c, b],
        "state=verified": [],
        f"campaign={campaign.pk}&area={dongchangfu}": [c, a],
        "channel=webform&state=in_review": [c],
        "received_from=2024-05-02": [c, d, b],
        "received_until=2024-05-01": [a],
        "received_from=2024-05-02&received_until=2024-05-02": [d, b],
    }
    assert {query: references(editor_client.get(f"{QUEUE}?{query}")) for query in cases} == cases


def test_search_matches_reference_names_and_deeds(editor_client, rows):
    a, b, c, d = (rows[key].reference for key in "abcd")
    cases = {"王大锤": [c], a.lower(): [a], "游泳锦标赛": [], "赵云": [b], "没有这个人": []}
    assert {term: references(editor_client.get(QUEUE, {"q": term})) for term in cases} == cases
    in_deeds = {"游泳锦标赛": [b], "王大锤": [c], "没有这个人": []}
    assert {term: references(editor_client.get(QUEUE, {"q": term, "in_deeds": "on"})) for term in in_deeds} == in_deeds


def test_category_of_another_campaign_is_refused_not_silently_applied(editor_client, rows, campaign, other_campaign):
    foreign = Category.objects.get(campaign=other_campaign, code="athletes").pk
    response = editor_client.get(QUEUE, {"campaign": campaign.pk, "category": foreign})
    assert response.context["form"].errors.keys() == {"category"}
    assert references(response) == [rows[key].reference for key in "cba"]


def test_choices_follow_the_chosen_campaign(editor_client, campaign, other_campaign):
    form = editor_client.get(QUEUE, {"campaign": other_campaign.pk}).context["form"]
    assert list(form.fields["category"].queryset) == list(other_campaign.categories.all())
    assert list(form.fields["area"].queryset) == list(other_campaign.areas.all())
    assert list(editor_client.get(QUEUE).context["form"].fields["category"].queryset) == []


def test_single_campaign_is_preselected(editor_client, campaign):
    form = editor_client.get(QUEUE).context["form"]
    assert form["campaign"].value() == str(campaign.pk)
    assert list(form.fields["category"].queryset) == list(campaign.categories.all())


def test_rows_show_local_time_and_demo_badge(editor_client, nominate):
    nomination = nominate(received_at=dt.datetime(2024, 5, 1, 16, 30, tzinfo=dt.UTC), is_demo=True)
    html = editor_client.get(QUEUE).content.decode()
    assert "2024-05-02 00:30" in html
    assert '<span class="badge demo">Demo</span>' in html
    assert f'href="/console/nominations/{nomination.reference}/"' in html


def test_pagination_50_per_page(editor_client, nominate):
    start = local(2024, 5, 1, 8, 0)
    made = [nominate(received_at=start + dt.timedelta(minutes=i)) for i in range(60)]
    newest_first = [nomination.reference for nomination in reversed(made)]
    assert references(editor_client.get(QUEUE)) == newest_first[:50]
    assert references(editor_client.get(QUEUE, {"page": 2})) == newest_first[50:]
    assert references(editor_client.get(QUEUE, {"page": 99})) == newest_first[50:]  # past the end: the last page


def test_page_runs_the_same_number_of_queries_for_5_and_60_rows(editor_client, nominate, other_campaign):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(QUEUE, {"campaign": other_campaign.pk}).status_code == 200
        return len(queries)

    for _ in range(5):
        nominate(in_campaign=other_campaign)
    count_queries()  # the first request fills the cached campaign list; the later ones read it from the cache
    with_5 = count_queries()
    for _ in range(55):
        nominate(in_campaign=other_campaign)
    assert count_queries() == with_5


def test_export_links_carry_the_filters(client, editor, viewer, campaign):
    client.force_login(editor)
    html = client.get(QUEUE, {"state": "received", "page": 2}).content.decode()
    assert '/console/export/?state=received&amp;format=csv"' in html
    assert '/console/export/?state=received&amp;format=xlsx&amp;include_contacts=1"' in html
    client.force_login(viewer)
    assert "/console/export/" not in client.get(QUEUE).content.decode()


XSS_NAME = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def test_citizen_markup_is_escaped_in_the_queue(editor_client, nominate):
    nominate(nominee_name=XSS_NAME)
    html = editor_client.get(QUEUE).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_no_export_links_while_a_filter_is_invalid(editor_client, campaign):
    """The export refuses filters the queue leaves out, so the queue does not offer a link that only fails."""
    html = editor_client.get(QUEUE, {"received_from": "2024-13-45", "state": "received"}).content.decode()
    assert ("/console/export/" in html, "Correct the filters marked above to export these rows." in html) == (False, True)
