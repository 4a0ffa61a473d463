"""A state move from the nomination page is made only from the state that page showed: when another editor has moved
the nomination since, nothing moves and the page says so, naming the current state and who moved it when."""
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xuanshu.console.forms import LOCAL_TZ
from xuanshu.core.models import ActivityLog


@pytest.fixture
def nomination(nominate):
    return nominate()


def signed_in(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def page_url(nomination) -> str:
    return reverse("console:nomination", args=[nomination.reference])


def state_url(nomination) -> str:
    return reverse("console:nomination_state", args=[nomination.reference])


_HIDDEN_STATE = re.compile(r'<input type="hidden" name="expected_state" value="([^"]*)"')


def shown_state(html: str) -> list[str]:
    """The state the page's state form carries, as a browser would post it back."""
    return _HIDDEN_STATE.findall(html)


def audit_trail(nomination) -> list[tuple[str, str | None, dict | None]]:
    rows = ActivityLog.objects.filter(subject_type="nominations.nomination", subject_id=str(nomination.pk)).order_by("id")
    return [(row.action, row.actor.username if row.actor else None, row.new_value) for row in rows]


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def state_move_by(client, nomination, *, new_state, reason=""):
    """Open the page, then click a move: the form posts the state the page showed."""
    [shown] = shown_state(client.get(page_url(nomination)).content.decode())
    return client.post(state_url(nomination), {"new_state": new_state, "reason": reason, "expected_state": shown})


def test_the_page_carries_the_state_it_shows(editor, nomination):
    assert shown_state(signed_in(editor).get(page_url(nomination)).content.decode()) == ["received"]


def test_a_move_from_the_state_shown_is_made(editor, nomination):
    response = state_move_by(signed_in(editor), nomination, new_state="rejected", reason="不符合推荐条件")
    assert (response.status_code, response["Location"]) == (302, page_url(nomination))
    nomination.refresh_from_db()
    assert (nomination.state, audit_trail(nomination)[1:]) == (
        "rejected", [("nomination.rejected", "editor1", {"state": "rejected"})],
    )


def test_a_move_from_a_state_the_editor_never_saw_is_refused(editor, second_editor, nomination):
    editor_a, editor_b = signed_in(editor), signed_in(second_editor)
    [shown_to_a] = shown_state(editor_a.get(page_url(nomination)).content.decode())
    assert state_move_by(editor_b, nomination, new_state="in_review").status_code == 302
    assert state_move_by(editor_b, nomination, new_state="verified").status_code == 302

    response = editor_a.post(state_url(nomination), {"new_state": "rejected", "reason": "材料不实", "expected_state": shown_to_a})

    nomination.refresh_from_db()
    verified_at = ActivityLog.objects.get(action="nomination.verified").created_at
    html = response.content.decode()
    assert (response.status_code, nomination.state) == (409, "verified")
    assert audit_trail(nomination)[1:] == [
        ("nomination.in_review", "editor2", {"state": "in_review"}),
        ("nomination.verified", "editor2", {"state": "verified"}),
    ]
    assert flashed(response) == [
        "Nothing was changed: this nomination was moved after you opened the page. You saw “Received”; editor2 moved "
        f"it to “Verified” at {timezone.localtime(verified_at, LOCAL_TZ):%Y-%m-%d %H:%M}. Check it and choose again; "
        "your reason is kept.",
    ]
    # The page as it is now: the current state's moves, A's reason kept, and the state A has now been shown.
    assert (response.context["state_form"]["reason"].value(), shown_state(html)) == ("材料不实", ["verified"])
    assert [move["state"] for move in response.context["moves"]] == ["in_review", "shortlisted", "rejected", "duplicate", "withdrawn"]

    # Having been told, A's next click moves it from the state A now saw.
    again = editor_a.post(state_url(nomination), {"new_state": "rejected", "reason": "材料不实", "expected_state": shown_state(html)[0]})
    nomination.refresh_from_db()
    assert (again.status_code, nomination.state, audit_trail(nomination)[-1]) == (
        302, "rejected", ("nomination.rejected", "editor1", {"state": "rejected"}),
    )


def test_a_move_another_editor_already_made_is_not_made_twice(editor, second_editor, nomination):
    editor_a, editor_b = signed_in(editor), signed_in(second_editor)
    [shown_to_a] = shown_state(editor_a.get(page_url(nomination)).content.decode())
    state_move_by(editor_b, nomination, new_state="in_review")
    response = editor_a.post(state_url(nomination), {"new_state": "in_review", "expected_state": shown_to_a})
    assert (response.status_code, [row[0] for row in audit_trail(nomination)]) == (
        409, ["nomination.create", "nomination.in_review"],
    )


def test_a_shown_state_that_differs_without_a_recorded_move_names_the_current_state(editor, nomination):
    # A valid state the nomination has never been in (a tampered or mistaken form): refused as stale.
    response = signed_in(editor).post(state_url(nomination), {"new_state": "rejected", "reason": "x", "expected_state": "verified"})
    nomination.refresh_from_db()
    assert (response.status_code, nomination.state, len(audit_trail(nomination))) == (409, "received", 1)
    assert flashed(response) == [
        "Nothing was changed: this nomination was moved after you opened the page. You saw “Verified”; it is now "
        "“Received”. Check it and choose again; your reason is kept.",
    ]


MISSING_STATE = ("This form did not say which state you saw, so nothing was changed. The nomination is now “Received”: "
                 "check it and choose again.")


@pytest.mark.parametrize("posted", [{}, {"expected_state": ""}, {"expected_state": "approved"},
                                    {"expected_state": '"><script>alert(1)</script>'}])
def test_a_missing_or_unknown_shown_state_is_refused(editor, nomination, posted):
    response = signed_in(editor).post(state_url(nomination), {"new_state": "rejected", "reason": "不符合推荐条件", **posted})
    nomination.refresh_from_db()
    html = response.content.decode()
    assert (response.status_code, nomination.state, len(audit_trail(nomination))) == (400, "received", 1)
    assert (flashed(response), response.context["state_form"].errors) == (
        [MISSING_STATE], {"expected_state": [MISSING_STATE]},
    )
    assert (response.context["state_form"]["reason"].value(), shown_state(html)) == ("不符合推荐条件", ["received"])
    assert "<script>alert(1)" not in html


def test_the_refusal_is_in_chinese(editor, second_editor, nomination):
    editor_a = signed_in(editor, language="zh-hans")
    [shown_to_a] = shown_state(editor_a.get(page_url(nomination)).content.decode())
    state_move_by(signed_in(second_editor), nomination, new_state="in_review")
    stale = editor_a.post(state_url(nomination), {"new_state": "rejected", "reason": "材料不实", "expected_state": shown_to_a})
    moved_at = ActivityLog.objects.get(action="nomination.in_review").created_at
    missing = editor_a.post(state_url(nomination), {"new_state": "rejected", "reason": "材料不实"})
    assert flashed(stale) + flashed(missing) == [
        f"未做任何更改：您打开页面后，这条推荐的状态已被更改。您看到的是“已收到”，editor2 已于 "
        f"{timezone.localtime(moved_at, LOCAL_TZ):%Y-%m-%d %H:%M} 将其改为“审核中”。请核对后重新选择，您填写的原因已保留。",  # the words of the form: 推荐, 原因
        "此表单未注明您看到的状态，因此未做任何更改。这条推荐现在是“审核中”，请核对后重新选择。",
    ]
