"""Moving several nominations from the queue at once: per item, each move audited, skips explained, stale pages caught."""
import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from xuanshu.core.models import ActivityLog
from xuanshu.nominations import services
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.services import BATCH_MOVE_MAX, move_nominations, set_nomination_state

QUEUE = reverse("console:queue")


def ticked(*nominations, shown=None) -> list[str]:
    """The checkbox values a queue page sends: id and the state the page showed."""
    return [f"{nomination.pk}:{shown or nomination.state}" for nomination in nominations]


def states(*nominations) -> list[str]:
    return [Nomination.objects.get(pk=nomination.pk).state for nomination in nominations]


def audit(nomination) -> list[tuple]:
    rows = ActivityLog.objects.filter(subject_type="nominations.nomination", subject_id=str(nomination.pk)).exclude(
        action="nomination.create").order_by("id")
    return [(row.action, row.actor.username, row.old_value, row.new_value, row.reason) for row in rows]


def shown_messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def test_the_ticked_rows_move_each_with_its_audit_row(editor_client, nominate, editor):
    a, b, c, untouched = nominate(), nominate(), nominate(), nominate()
    url = f"{QUEUE}?sort=name&state=received&page=1"
    response = editor_client.post(url, {"selected": ticked(a, b, c), "new_state": "in_review"})
    assert (response.status_code, response["Location"]) == (302, url)  # back to the same page, order and filters
    assert states(a, b, c, untouched) == ["in_review", "in_review", "in_review", "received"]
    for nomination in (a, b, c):
        assert audit(nomination) == [("nomination.in_review", "editor1", {"state": "received"}, {"state": "in_review"}, "")]
    assert audit(untouched) == []
    assert shown_messages(response) == [("success", "Moved 3 nominations to “In review”.")]


def test_a_move_that_needs_a_reason_records_it_on_each(editor_client, nominate):
    a, b = nominate(), nominate()
    editor_client.post(QUEUE, {"selected": ticked(a, b), "new_state": "rejected", "reason": " 不符合推荐条件 "})
    assert states(a, b) == ["rejected", "rejected"]
    assert [audit(a), audit(b)] == [[("nomination.rejected", "editor1", {"state": "received"}, {"state": "rejected"}, "不符合推荐条件")]] * 2


def test_without_the_needed_reason_nothing_moves_and_the_ticks_stay(editor_client, nominate):
    a, b = nominate(), nominate()
    response = editor_client.post(f"{QUEUE}?sort=oldest", {"selected": ticked(a, b), "new_state": "rejected", "reason": "  "})
    assert response.status_code == 400
    assert states(a, b) == ["received", "received"]
    assert ActivityLog.objects.filter(action="nomination.rejected").count() == 0
    html = response.content.decode()
    assert "Please give a reason for this change." in html
    assert f'value="{a.pk}:received" checked' in html and f'value="{b.pk}:received" checked' in html
    assert '<option value="rejected" selected>Rejected</option>' in html
    assert response.context["form"]["sort"].value() == "oldest"  # the page as it was drawn


def test_rows_that_cannot_move_are_skipped_and_named_the_others_move(editor_client, nominate, editor):
    movable, withdrawn, also_movable = nominate(), nominate(), nominate()
    set_nomination_state(nomination=withdrawn, new_state="withdrawn", actor=editor, reason="推荐人撤回")
    response = editor_client.post(QUEUE, {"selected": ticked(movable, withdrawn, also_movable), "new_state": "in_review"})
    assert states(movable, withdrawn, also_movable) == ["in_review", "withdrawn", "in_review"]
    assert len(audit(withdrawn)) == 1  # only its withdrawal
    assert shown_messages(response) == [
        ("success", "Moved 2 nominations to “In review”."),
        ("warning", f"Not moved: {withdrawn.reference}. “Withdrawn” cannot move to “In review”."),
    ]


def test_a_row_changed_since_the_page_was_drawn_is_skipped_even_when_the_move_would_be_allowed(editor_client, nominate, editor):
    """The page showed “In review”; another editor verified it meanwhile. Rejecting is allowed from both states, but
    the editor decided on what the page showed, so it is not moved."""
    seen, stale = nominate(), nominate()
    for nomination in (seen, stale):
        set_nomination_state(nomination=nomination, new_state="in_review", actor=editor)
    page = ticked(seen, stale)  # drawn now
    set_nomination_state(nomination=stale, new_state="verified", actor=editor)  # the other editor
    response = editor_client.post(QUEUE, {"selected": page, "new_state": "rejected", "reason": "材料不实"})
    assert states(seen, stale) == ["rejected", "verified"]
    assert [row[0] for row in audit(stale)] == ["nomination.in_review", "nomination.verified"]
    assert shown_messages(response) == [
        ("success", "Moved 1 nomination to “Rejected”."),
        ("warning", f"Not moved: {stale.reference}. It has left “In review” since the page was drawn: it is now “Verified”."),
    ]


def test_skips_with_the_same_reason_are_listed_together_and_none_moved_is_said(editor_client, nominate, editor):
    a, b, gone_id = nominate(), nominate(), 987654
    page = ticked(a, b)
    for nomination in (a, b):
        set_nomination_state(nomination=nomination, new_state="in_review", actor=editor)
    response = editor_client.post(QUEUE, {"selected": [*page, f"{gone_id}:received"], "new_state": "in_review"})
    assert shown_messages(response) == [
        ("error", "No nomination was moved."),
        ("warning", f"Not moved: {a.reference}、{b.reference}. It has left “Received” since the page was drawn: it is now “In review”."),
        ("warning", f"Not moved: #{gone_id}. It no longer exists."),
    ]


def test_the_report_reads_in_chinese(client, editor, nominate):
    client.force_login(editor)
    moved, stale = nominate(), nominate()
    page = ticked(moved, stale)
    set_nomination_state(nomination=stale, new_state="in_review", actor=editor)
    response = client.post(QUEUE, {"selected": page, "new_state": "in_review"}, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    html = response.content.decode()
    assert "已将 1 条推荐移至“审核中”。" in html
    assert f"未移动：{stale.reference}。页面打开后它已从“已收到”移出，现为“审核中”。" in html


def test_viewers_see_no_checkboxes_and_may_not_move(viewer_client, nominate):
    nomination = nominate()
    html = viewer_client.get(QUEUE).content.decode()
    assert ('name="selected"' in html, "csrfmiddlewaretoken" in html.split("</header>")[1]) == (False, False)
    response = viewer_client.post(QUEUE, {"selected": ticked(nomination), "new_state": "in_review"})
    assert (response.status_code, states(nomination)) == (403, ["received"])
    assert ActivityLog.objects.filter(action="nomination.in_review").count() == 0


def test_editors_see_a_checkbox_per_row_with_the_state_it_shows(editor_client, nominate, editor):
    a, b = nominate(), nominate()
    set_nomination_state(nomination=b, new_state="in_review", actor=editor)
    html = editor_client.get(QUEUE).content.decode()
    assert f'<input type="checkbox" name="selected" value="{a.pk}:received" aria-labelledby="ref-{a.pk}">' in html
    assert f'<input type="checkbox" name="selected" value="{b.pk}:in_review" aria-labelledby="ref-{b.pk}">' in html
    assert f'<a id="ref-{a.pk}" href="/console/nominations/{a.reference}/">{a.reference}</a>' in html
    assert 'data-select-all hidden aria-label="Select all on this page"' in html


def test_anonymous_post_is_sent_to_sign_in_and_moves_nothing(client, nominate):
    nomination = nominate()
    response = client.post(QUEUE, {"selected": ticked(nomination), "new_state": "in_review"})
    assert (response.status_code, states(nomination)) == (302, ["received"])


def test_a_post_without_the_csrf_token_is_refused(editor, nominate):
    nomination = nominate()
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(editor)
    refused = browser.post(QUEUE, {"selected": ticked(nomination), "new_state": "in_review"})
    assert (refused.status_code, states(nomination)) == (403, ["received"])
    token = browser.get(QUEUE).context["csrf_token"]  # the page's own form carries it
    accepted = browser.post(QUEUE, {"selected": ticked(nomination), "new_state": "in_review", "csrfmiddlewaretoken": str(token)})
    assert (accepted.status_code, states(nomination)) == (302, ["in_review"])


@pytest.mark.parametrize(("post", "error"), [
    ({"new_state": "in_review"}, "Select at least one nomination."),
    ({"selected": ["{pk}:received", "not a row"], "new_state": "in_review"}, "The selection could not be read. Reload the page and select again."),
    ({"selected": ["{pk}:no_such_state"], "new_state": "in_review"}, "The selection could not be read. Reload the page and select again."),
    ({"selected": ["{pk}:received"]}, "Choose the state to move them to."),
    ({"selected": ["{pk}:received"], "new_state": "received"}, "Choose the state to move them to."),  # nothing moves there
    ({"selected": ["{pk}:received", *(f"{i}:received" for i in range(10**6, 10**6 + BATCH_MOVE_MAX))], "new_state": "in_review"},
     f"Select at most {BATCH_MOVE_MAX} nominations at a time."),
])
def test_bad_posts_are_refused_plainly_and_move_nothing(editor_client, nominate, post, error):
    nomination = nominate()
    post = {**post, "selected": [value.replace("{pk}", str(nomination.pk)) for value in post.get("selected", [])]}
    response = editor_client.post(QUEUE, post)
    assert (response.status_code, error in response.content.decode()) == (400, True)
    assert (states(nomination), audit(nomination)) == (["received"], [])


def test_each_move_and_its_audit_row_are_one_transaction(nominate, editor, monkeypatch):
    """Per item: the first move stays done when the second fails, and the failed one leaves neither a state nor an
    audit row behind."""
    first, second = nominate(), nominate()
    record, calls = services.record_activity, []

    def failing_second(**kwargs):
        calls.append(kwargs["subject"].pk)
        if len(calls) == 2:
            raise RuntimeError("audit log unavailable")
        return record(**kwargs)

    monkeypatch.setattr(services, "record_activity", failing_second)
    with pytest.raises(RuntimeError):
        move_nominations(shown_states={first.pk: "received", second.pk: "received"}, new_state="in_review", actor=editor)
    assert states(first, second) == ["in_review", "received"]
    assert (len(audit(first)), len(audit(second))) == (1, 0)


def test_the_service_refuses_a_whole_batch_it_may_not_do_before_moving_any(nominate, viewer, editor):
    nomination = nominate()
    with pytest.raises(services.PermissionDenied):
        move_nominations(shown_states={nomination.pk: "received"}, new_state="in_review", actor=viewer)
    with pytest.raises(services.DomainError) as refused:
        move_nominations(shown_states={nomination.pk: "received"}, new_state="needs_info", actor=editor, reason="")
    assert (refused.value.code, states(nomination)) == ("reason_required", ["received"])


def test_a_row_already_in_the_target_state_is_said_so(nominate, editor):
    nomination = nominate()
    set_nomination_state(nomination=nomination, new_state="in_review", actor=editor)
    result = move_nominations(shown_states={nomination.pk: "in_review"}, new_state="in_review", actor=editor)
    assert (result.moved, [(s.reference, s.code, s.message) for s in result.skipped]) == (
        [], [(nomination.reference, "already_there", "It is already “In review”.")])
