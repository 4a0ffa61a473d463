"""Two editors editing one nomination: a save applies only what its editor changed, and never silently undoes
another editor's change to the same field; an unchanged save from a browser (CRLF line breaks) changes nothing."""
import pytest
from django.test import Client
from django.urls import reverse

from xuanshu.core.models import ActivityLog
from xuanshu.nominations.services import update_nomination_fields


@pytest.fixture
def nomination(nominate):
    return nominate()


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def form_as_shown(client, nomination) -> dict:
    """The edit form's fields as the browser would post them back unchanged (textarea line breaks as CRLF)."""
    form = client.get(reverse("console:nomination", args=[nomination.reference])).context["edit_form"]
    data = {field.name: "" if field.value() is None else str(field.value()) for field in form}
    data["deeds"] = data["deeds"].replace("\n", "\r\n")
    return data


def save(client, nomination, data):
    return client.post(reverse("console:nomination_edit", args=[nomination.reference]), data)


def test_a_save_keeps_the_change_another_editor_made_to_another_field(editor, second_editor, nomination):
    first, second = signed_in(editor), signed_in(second_editor)
    first_form, second_form = form_as_shown(first, nomination), form_as_shown(second, nomination)

    assert save(second, nomination, {**second_form, "deeds": nomination.deeds + "已电话核实。"}).status_code == 302
    assert save(first, nomination, {**first_form, "place_detail": "柳园街道"}).status_code == 302

    nomination.refresh_from_db()
    assert (nomination.deeds.endswith("已电话核实。"), nomination.place_detail) == (True, "柳园街道")
    edits = ActivityLog.objects.filter(action="nomination.edit").order_by("id")
    assert [(row.actor.username, sorted(row.new_value)) for row in edits] == [
        ("editor2", ["deeds"]), ("editor1", ["place_detail"]),
    ]


def test_both_editors_changing_one_field_is_a_conflict_that_saves_nothing(editor, second_editor, nomination):
    first, second = signed_in(editor), signed_in(second_editor)
    first_form, second_form = form_as_shown(first, nomination), form_as_shown(second, nomination)
    assert save(second, nomination, {**second_form, "deeds": "乙编辑改写的事迹。", "nominee_name": "张桂芬"}).status_code == 302

    response = save(first, nomination, {**first_form, "deeds": "甲编辑改写的事迹。", "place_detail": "柳园街道"})

    assert response.status_code == 400
    assert ("Another editor changed Deeds after you opened this page. Nothing was saved: the form keeps your version, "
            "the history below shows theirs. Save again to keep yours.") in response.content.decode()
    nomination.refresh_from_db()
    assert (nomination.deeds, nomination.place_detail, nomination.nominee_name) == ("乙编辑改写的事迹。", "古楼街道", "张桂芬")
    form = response.context["edit_form"]
    # The editor's own changes are kept; the field only the other editor changed shows its new value.
    assert (form["deeds"].value(), form["place_detail"].value(), form["nominee_name"].value()) == (
        "甲编辑改写的事迹。", "柳园街道", "张桂芬",
    )

    again = {field.name: "" if field.value() is None else str(field.value()) for field in form}
    assert save(first, nomination, again).status_code == 302
    nomination.refresh_from_db()
    assert (nomination.deeds, nomination.place_detail, nomination.nominee_name) == ("甲编辑改写的事迹。", "柳园街道", "张桂芬")


def test_an_unchanged_save_from_a_browser_changes_nothing(editor, nomination):
    update_nomination_fields(nomination=nomination, actor=editor, changes={"deeds": "第一段事迹。\n第二段事迹。"})
    client = signed_in(editor)

    response = save(client, nomination, form_as_shown(client, nomination))

    assert response.status_code == 302
    nomination.refresh_from_db()
    assert (nomination.deeds, ActivityLog.objects.filter(action="nomination.edit").count()) == ("第一段事迹。\n第二段事迹。", 1)


def test_line_breaks_are_stored_as_typed_without_carriage_returns(editor, nomination):
    update_nomination_fields(nomination=nomination, actor=editor, changes={"deeds": "第一段。\r\n第二段。\r第三段。"})
    nomination.refresh_from_db()
    assert nomination.deeds == "第一段。\n第二段。\n第三段。"
