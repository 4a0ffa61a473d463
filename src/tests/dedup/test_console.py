"""The console: merge suggestions with score and reasons on the nomination page, the nominee page, and
editors' merge, split and undo buttons; viewers read only."""
import pytest
from django.urls import reverse

from tests.dedup.conftest import DESHENG_CITY, DESHENG_HOME, GUIFANG_WEBFORM, GUIFANG_WECHAT
from xuanshu.core.models import ActivityLog
from xuanshu.nominations.dedup.models import MergeSuggestion, Nominee, NomineeChange, NomineeMembership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def desheng(nominate):
    at_work = nominate(nominee_name="刘德胜", area_code="dongchangfu", place_detail="柳园街道", deeds=DESHENG_CITY)
    at_home = nominate(nominee_name="刘德胜", area_code="shenxian", place_detail="古云镇", deeds=DESHENG_HOME, channel="wechat")
    return at_work, at_home, MergeSuggestion.objects.get()


def page(client, nomination):
    return client.get(reverse("console:nomination", args=[nomination.reference])).content.decode()


def test_the_nomination_page_shows_suggestions_with_score_and_reasons(client, viewer, desheng):
    at_work, at_home, suggestion = desheng
    client.force_login(viewer)
    html = page(client, at_work)
    assert f'href="{reverse("console:nominee", args=[suggestion.nominee_b_id])}"' in html
    assert f"score <strong>{suggestion.score}</strong>" in html
    assert "Same name · Different counties · Similar deeds (" in html
    assert at_home.reference in html
    # viewers read: no action buttons
    assert reverse("console:suggestion_merge", args=[suggestion.pk]) not in html
    assert reverse("console:suggestion_dismiss", args=[suggestion.pk]) not in html


def test_editors_merge_from_the_nomination_page_and_come_back_to_it(client, editor, desheng):
    at_work, at_home, suggestion = desheng
    client.force_login(editor)
    back = reverse("console:nomination", args=[at_work.reference])
    assert reverse("console:suggestion_merge", args=[suggestion.pk]) in page(client, at_work)
    response = client.post(reverse("console:suggestion_merge", args=[suggestion.pk]), {"next": back})
    assert (response.status_code, response["Location"]) == (302, back)
    nominees = set(NomineeMembership.objects.values_list("nominee", flat=True))
    assert (len(nominees), ActivityLog.objects.filter(action="nominee.merge", actor=editor).count()) == (1, 1)
    assert "The nominees were merged." in client.get(back).content.decode()


def test_a_next_address_off_the_site_is_ignored(client, editor, desheng):
    _, _, suggestion = desheng
    client.force_login(editor)
    response = client.post(reverse("console:suggestion_dismiss", args=[suggestion.pk]), {"next": "https://evil.example/"})
    assert (response.status_code, response["Location"]) == (302, reverse("console:nominee", args=[suggestion.nominee_a_id]))
    suggestion.refresh_from_db()
    assert suggestion.state == "dismissed"


def test_the_nominee_page_lists_nominations_channels_counts_and_dates(client, viewer, nominate):
    first = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM, channel="webform")
    second = nominate(nominee_name="張桂芳", deeds=GUIFANG_WECHAT, channel="wechat")
    nominee = NomineeMembership.objects.get(nomination=first).nominee
    client.force_login(viewer)
    response = client.get(reverse("console:nominee", args=[nominee.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<dt>Count</dt><dd>2</dd>" in html
    assert "<dt>Channels</dt><dd>Web form 1, WeChat official account 1</dd>" in html  # most first, then by code
    assert first.reference in html and second.reference in html and "張桂芳" in html
    assert reverse("console:nomination_split", args=[second.reference]) not in html  # viewers cannot split


def test_editors_split_and_undo_from_the_nominee_page(client, editor, nominate):
    first = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    second = nominate(nominee_name="张桂芳", deeds=GUIFANG_WECHAT)
    nominee = NomineeMembership.objects.get(nomination=first).nominee
    client.force_login(editor)
    here = reverse("console:nominee", args=[nominee.pk])
    assert reverse("console:nomination_split", args=[second.reference]) in client.get(here).content.decode()
    response = client.post(reverse("console:nomination_split", args=[second.reference]), {"next": here, "reason": "两个人"})
    assert (response.status_code, response["Location"]) == (302, here)
    change = NomineeChange.objects.get()
    assert (change.kind, change.reason, NomineeMembership.objects.get(nomination=second).nominee) == ("split", "两个人", change.target)
    html = client.get(here).content.decode()
    assert reverse("console:nominee_change_undo", args=[change.pk]) in html
    client.post(reverse("console:nominee_change_undo", args=[change.pk]), {"next": here})
    change.refresh_from_db()
    assert (change.undone_by, NomineeMembership.objects.get(nomination=second).nominee) == (editor, nominee)
    assert "The split was undone." in client.get(here).content.decode()


def test_editors_merge_a_nominee_named_by_a_reference(client, editor, nominate):
    first = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    other = nominate(nominee_name="张贵芬", deeds="推荐张贵芬，她给社区老人义务理发。")
    target = NomineeMembership.objects.get(nomination=first).nominee
    client.force_login(editor)
    response = client.post(reverse("console:nominee_merge_into", args=[target.pk]), {"other": other.reference.lower(), "reason": "同一人"})
    assert response.status_code == 302
    assert NomineeMembership.objects.get(nomination=other).nominee == target
    missing = client.post(reverse("console:nominee_merge_into", args=[target.pk]), {"other": "CCLC2024-999999"}, follow=True)
    assert "No nominee has a nomination CCLC2024-999999." in missing.content.decode()


def test_viewers_cannot_act(client, viewer, desheng):
    at_work, _, suggestion = desheng
    nominee = NomineeMembership.objects.get(nomination=at_work).nominee
    client.force_login(viewer)
    posts = [
        reverse("console:suggestion_merge", args=[suggestion.pk]),
        reverse("console:suggestion_dismiss", args=[suggestion.pk]),
        reverse("console:nomination_split", args=[at_work.reference]),
        reverse("console:nomination_assign", args=[at_work.reference]),
        reverse("console:nominee_merge_into", args=[nominee.pk]),
        reverse("console:nominee_change_undo", args=[1]),
    ]
    assert [client.post(url, {"other": "x"}).status_code for url in posts] == [403] * 6
    suggestion.refresh_from_db()
    assert (suggestion.state, Nominee.objects.filter(state="active").count()) == ("open", 2)


def test_actions_need_a_post(client, editor, desheng):
    _, _, suggestion = desheng
    client.force_login(editor)
    assert client.get(reverse("console:suggestion_merge", args=[suggestion.pk])).status_code == 405


def test_an_unnamed_nomination_says_why_it_has_no_nominee(client, editor, nominate, edit):
    nomination = nominate(nominee_name="", deeds=GUIFANG_WEBFORM)
    client.force_login(editor)
    assert "Not linked to a nominee yet: the nominee's name is still empty." in page(client, nomination)
    edit(nomination, editor, nominee_name="张桂芳")
    assert "Not linked to a nominee yet" not in page(client, nomination)


def test_editors_can_ask_for_the_nominee_of_a_nomination_left_unassigned(client, editor, make_nomination):
    nomination = make_nomination(nominee_name="张桂芳")  # its after-commit task never ran
    client.force_login(editor)
    assert "Find the nominee now" in page(client, nomination)
    client.post(reverse("console:nomination_assign", args=[nomination.reference]))
    assert NomineeMembership.objects.filter(nomination=nomination).count() == 1


def test_unknown_records_are_404(client, viewer, editor):
    client.force_login(viewer)
    assert client.get(reverse("console:nominee", args=[999])).status_code == 404
    client.force_login(editor)
    assert client.post(reverse("console:suggestion_merge", args=[999])).status_code == 404


def test_a_merged_nominee_page_points_to_where_its_nominations_went(client, viewer, editor, desheng):
    _, _, suggestion = desheng
    from xuanshu.nominations.dedup.services import accept_suggestion

    change = accept_suggestion(suggestion=suggestion, actor=editor)
    client.force_login(viewer)
    html = client.get(reverse("console:nominee", args=[change.source_id])).content.decode()
    target = reverse("console:nominee", args=[change.target_id])
    assert f'This nominee was merged into another one: <a href="{target}">' in html
    assert "No nominations: they were merged into another nominee." in html
    assert "Possible duplicates" not in html
