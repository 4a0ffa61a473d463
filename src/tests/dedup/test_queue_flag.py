"""The review queue flags nominations whose nominee has an open merge suggestion, as the nominee card lists them
(merge chains followed), filters on it, and stays at a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.dedup.conftest import DESHENG_CITY, DESHENG_HOME
from xuanshu.nominations.dedup import services
from xuanshu.nominations.dedup.models import MergeSuggestion, Nominee, NomineeMembership
from xuanshu.nominations.dedup.selectors import open_suggestions

pytestmark = pytest.mark.django_db

QUEUE = reverse("console:queue")


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def rows(nominate):
    """刘德胜 at work and at home (two nominees, one open suggestion), and 王大锤, who has none."""
    at_work = nominate(nominee_name="刘德胜", area_code="dongchangfu", place_detail="柳园街道", deeds=DESHENG_CITY)
    at_home = nominate(nominee_name="刘德胜", area_code="shenxian", place_detail="古云镇", deeds=DESHENG_HOME, channel="wechat")
    other = nominate(
        nominee_name="王大锤", area_code="chiping", place_detail="博平镇", deeds="王大锤三十年坚持在村口修自行车，从不收钱。"
    )
    assert MergeSuggestion.objects.filter(state="open").count() == 1
    return {"at_work": at_work, "at_home": at_home, "other": other}


def flags(client, **query) -> dict[str, bool]:
    response = client.get(QUEUE, query)
    assert response.status_code == 200
    return {
        nomination.nominee_name + "@" + nomination.area.code: nomination.possible_duplicate
        for nomination in response.context["page"].object_list
    }


def nominee_of(nomination) -> Nominee:
    return NomineeMembership.objects.select_related("nominee").get(nomination=nomination).nominee


def listed_on_the_nominee_card(*nominations) -> list[bool]:
    return [bool(open_suggestions(nominee_of(nomination))) for nomination in nominations]


def test_rows_with_an_open_suggestion_are_flagged_and_filtered(client, viewer, rows):
    client.force_login(viewer)
    assert flags(client) == {"王大锤@chiping": False, "刘德胜@shenxian": True, "刘德胜@dongchangfu": True}
    assert flags(client, duplicates="on") == {"刘德胜@shenxian": True, "刘德胜@dongchangfu": True}
    assert listed_on_the_nominee_card(rows["other"], rows["at_home"], rows["at_work"]) == [False, True, True]


def test_the_badge_links_to_the_duplicates_on_the_nomination_page(client, viewer, rows):
    client.force_login(viewer)
    html = client.get(QUEUE).content.decode()
    link = reverse("console:nomination", args=[rows["at_work"].reference]) + "#possible-duplicates"
    badge = (
        f'<a class="badge duplicate" href="{link}" title="Open merge suggestions: see its possible duplicates">'
        "Possible duplicate</a>"
    )
    assert (html.count('class="badge duplicate"'), badge in html) == (2, True)
    detail = client.get(reverse("console:nomination", args=[rows["at_work"].reference])).content.decode()
    assert '<h3 id="possible-duplicates">Possible duplicates</h3>' in detail
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    html = client.get(QUEUE).content.decode()
    assert (
        html.count(">疑似重复</a>"),
        '<input type="checkbox" name="duplicates" aria-describedby="id_duplicates_helptext" id="id_duplicates"> 可能重复</label>'
        in html,
        '<p class="help">只看有待处理合并建议的推荐</p>' in html,
    ) == (2, True, True)


def test_a_dismissed_suggestion_is_no_longer_flagged(client, editor, rows):
    services.dismiss_suggestion(suggestion=MergeSuggestion.objects.get(), actor=editor)
    client.force_login(editor)
    assert flags(client) == {"王大锤@chiping": False, "刘德胜@shenxian": False, "刘德胜@dongchangfu": False}
    assert flags(client, duplicates="on") == {}


def test_a_suggestion_follows_merges_as_the_nominee_card_does(client, editor, rows):
    """刘德胜 at work is merged into 王大锤's nominee by mistake: the open suggestion now stands for that nominee.
    Merging 刘德胜 at home in too leaves the old suggestion open in its table, but both sides are one nominee now."""
    services.merge_nominees(source=nominee_of(rows["at_work"]), target=nominee_of(rows["other"]), actor=editor)
    client.force_login(editor)
    assert flags(client) == {"王大锤@chiping": True, "刘德胜@shenxian": True, "刘德胜@dongchangfu": True}
    assert listed_on_the_nominee_card(rows["other"], rows["at_home"], rows["at_work"]) == [True, True, True]
    assert flags(client, duplicates="on") == {"王大锤@chiping": True, "刘德胜@shenxian": True, "刘德胜@dongchangfu": True}

    services.merge_nominees(source=nominee_of(rows["at_home"]), target=nominee_of(rows["other"]), actor=editor)
    assert list(MergeSuggestion.objects.values_list("state", flat=True)) == ["open"]
    assert flags(client) == {"王大锤@chiping": False, "刘德胜@shenxian": False, "刘德胜@dongchangfu": False}
    assert listed_on_the_nominee_card(rows["other"], rows["at_home"], rows["at_work"]) == [False, False, False]
    assert flags(client, duplicates="on") == {}


def test_a_suggestion_follows_a_chain_of_merges(client, editor, nominate, rows):
    """刘德胜 at work merged into 王大锤's nominee, and that one into 李秀英's: the suggestion stands for 李秀英's."""
    lixiuying = nominate(
        nominee_name="李秀英", area_code="yanggu", place_detail="阳谷镇", deeds="李秀英开办免费的留守儿童课堂十年。"
    )
    services.merge_nominees(source=nominee_of(rows["at_work"]), target=nominee_of(rows["other"]), actor=editor)
    services.merge_nominees(source=nominee_of(rows["other"]), target=nominee_of(lixiuying), actor=editor)
    client.force_login(editor)
    assert flags(client) == {
        "李秀英@yanggu": True,
        "王大锤@chiping": True,
        "刘德胜@shenxian": True,
        "刘德胜@dongchangfu": True,
    }
    assert listed_on_the_nominee_card(lixiuying, rows["at_home"]) == [True, True]
    assert flags(client, duplicates="on") == {
        "李秀英@yanggu": True,
        "王大锤@chiping": True,
        "刘德胜@shenxian": True,
        "刘德胜@dongchangfu": True,
    }


def test_the_queue_runs_the_same_number_of_queries_for_more_flagged_rows(client, editor, nominate, rows):
    client.force_login(editor)

    def count_queries(**query) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE, query).status_code == 200
        return len(queries)

    count_queries()  # fills the cached campaign list
    before = (count_queries(), count_queries(duplicates="on"))
    for county, place in (("yanggu", "阳谷镇"), ("linqing", "新华路街道"), ("donge", "铜城街道")):
        nominate(nominee_name="刘德胜", area_code=county, place_detail=place, deeds=DESHENG_HOME)
    assert MergeSuggestion.objects.filter(state="open").count() > 1
    assert (count_queries(), count_queries(duplicates="on")) == before
