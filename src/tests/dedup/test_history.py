"""Nominee changes in the histories: merges, splits and undos on each nomination concerned; match reasons as words."""
import pytest
from django.urls import reverse

from tests.dedup.conftest import DESHENG_CITY, DESHENG_HOME, GUIFANG_WEBFORM, GUIFANG_WECHAT
from xuanshu.core.models import ActivityLog
from xuanshu.nominations.dedup import services
from xuanshu.nominations.dedup.models import MergeSuggestion, NomineeMembership
from xuanshu.nominations.selectors import nomination_activity

pytestmark = pytest.mark.django_db


def history(nomination, action_prefix="nomination.nominee") -> list[tuple]:
    return [(row.action, row.actor.username if row.actor else row.actor_label, row.old_value, row.new_value, row.reason)
            for row in nomination_activity(nomination) if row.action.startswith(action_prefix)]


def shown(response) -> list[tuple]:
    return [(entry.action_label, [(item.label, item.value) for item in entry.before],
             [(item.label, item.value) for item in entry.after], entry.reason)
            for entry in response.context["activity"]]


@pytest.fixture
def desheng(nominate):
    """刘德胜 nominated twice where he works and once at home: two nominees and an open suggestion."""
    first = nominate(nominee_name="刘德胜", area_code="dongchangfu", place_detail="柳园街道", deeds=DESHENG_CITY)
    second = nominate(nominee_name="刘德胜", area_code="dongchangfu", place_detail="柳园街道", deeds=DESHENG_CITY + "大家都感谢他。")
    home = nominate(nominee_name="刘德胜", area_code="shenxian", place_detail="古云镇", deeds=DESHENG_HOME)
    return first, second, home, MergeSuggestion.objects.get()


def test_a_merge_and_its_undo_are_in_the_history_of_every_nomination_concerned(desheng, editor, admin_user):
    first, second, home, suggestion = desheng
    source, target = suggestion.nominee_b, suggestion.nominee_a  # the smaller goes into the larger
    assert NomineeMembership.objects.get(nomination=home).nominee == source
    change = services.accept_suggestion(suggestion=suggestion, actor=editor, reason="同一人")
    moved = ("nomination.nominee_merge", "editor1", {"nominee": source.pk, "name": "刘德胜"},
             {"nominee": target.pk, "name": "刘德胜", "change": change.pk}, "同一人")
    stayed = ("nomination.nominee_merge", "editor1", None, {"merged_in": source.pk, "name": "刘德胜", "change": change.pk}, "同一人")
    assert [history(n) for n in (first, second, home)] == [[stayed], [stayed], [moved]]

    services.undo_merge(change=change, actor=admin_user, reason="误合并")
    back = ("nomination.nominee_undo_merge", "admin1", {"nominee": target.pk, "name": "刘德胜"},
            {"nominee": source.pk, "name": "刘德胜", "change": change.pk}, "误合并")
    separated = ("nomination.nominee_undo_merge", "admin1", None, {"separated": source.pk, "name": "刘德胜", "change": change.pk}, "误合并")
    assert [history(n) for n in (first, second, home)] == [[separated, stayed], [separated, stayed], [back, moved]]


def test_a_split_and_its_undo_are_in_the_history_of_the_nomination_moved(nominate, editor):
    first = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    second = nominate(nominee_name="张桂芳", deeds=GUIFANG_WECHAT)
    nominee = NomineeMembership.objects.get(nomination=first).nominee
    change = services.split_nomination(nomination=second, actor=editor, reason="两个人")
    services.undo_split(change=change, actor=editor)
    split = ("nomination.nominee_split", "editor1", {"nominee": nominee.pk, "name": "张桂芳"},
             {"nominee": change.target_id, "name": "张桂芳", "change": change.pk}, "两个人")
    undone = ("nomination.nominee_undo_split", "editor1", {"nominee": change.target_id, "name": "张桂芳"},
              {"nominee": nominee.pk, "name": "张桂芳", "change": change.pk}, "")
    assert (history(first), history(second)) == ([], [undone, split])


def test_the_nomination_page_shows_the_merge_in_chinese(client, editor, desheng):
    first, _, home, suggestion = desheng
    services.accept_suggestion(suggestion=suggestion, actor=editor, reason="同一人")
    client.force_login(editor)
    response = client.get(reverse("console:nomination", args=[home.reference]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    source, target = suggestion.nominee_b, suggestion.nominee_a
    change = ActivityLog.objects.get(action="nominee.merge").new_value["change"]
    assert shown(response)[0] == (
        "所属被推荐人档案合并", [("被推荐人档案", f"#{source.pk}"), ("姓名", "刘德胜")],
        [("被推荐人档案", f"#{target.pk}"), ("姓名", "刘德胜"), ("变更", f"#{change}")], "同一人",
    )


PHRASES = {"same_name": "同名", "same_county": "同一县（市、区）", "same_town": "同一乡镇街道", "similar_deeds": "事迹相似（{value}%）",
           "related_deeds": "事迹相关（{value}%）", "different_deeds": "事迹不同（{value}%）", "different_town": "不同乡镇街道"}


def test_the_nominee_page_shows_match_reasons_as_words(client, viewer, nominate):
    first = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    nominate(nominee_name="张桂芳", deeds=GUIFANG_WECHAT)
    nominee = NomineeMembership.objects.get(nomination=first).nominee
    link = ActivityLog.objects.get(action="nominee.auto_link")
    reasons = link.new_value["reasons"]
    assert [reason["code"] for reason in reasons][:2] == ["same_name", "same_county"]
    assert "same_name, same_county" in link.reason  # stored language-neutral
    client.force_login(viewer)
    response = client.get(reverse("console:nominee", args=[nominee.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    auto_link = [entry for entry in response.context["activity"] if entry.action == "nominee.auto_link"]
    expected = "、".join(PHRASES[reason["code"]].format(value=reason.get("value")) for reason in reasons)
    assert [(entry.action_label, entry.actor, entry.reason) for entry in auto_link] == [("自动归入推荐", "查重程序", expected)]
    assert "same_name" not in response.content.decode()
