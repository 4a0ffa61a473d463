"""The nomination state machine: every legal move works and is audited, every illegal one is refused."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xuanshu.core.errors import DomainError, IllegalTransition, PermissionDenied
from xuanshu.core.models import ActivityLog
from xuanshu.nominations.enums import REASON_REQUIRED, TRANSITIONS, NominationState
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.services import set_nomination_state

ALL_STATES = list(NominationState.values)
LEGAL = [(old, new) for old in ALL_STATES for new in sorted(TRANSITIONS[old])]
ILLEGAL = [(old, new) for old in ALL_STATES for new in ALL_STATES if new not in TRANSITIONS[old]]


def _put_in_state(nomination: Nomination, state: str) -> None:
    # Test setup only: place the row in `state` without going through the machine.
    Nomination.objects.filter(pk=nomination.pk).update(state=state)
    nomination.refresh_from_db()


def test_transition_table_matches_the_issue():
    assert TRANSITIONS[NominationState.RECEIVED] == {"in_review", "rejected", "duplicate", "withdrawn"}
    assert TRANSITIONS[NominationState.IN_REVIEW] == {"needs_info", "verified", "rejected", "duplicate", "withdrawn"}
    assert TRANSITIONS[NominationState.VERIFIED] >= {"shortlisted"}
    assert TRANSITIONS[NominationState.WITHDRAWN] == set()
    assert len(LEGAL) + len(ILLEGAL) == len(ALL_STATES) ** 2


@pytest.mark.parametrize(("old", "new"), LEGAL)
def test_legal_transition_changes_state_and_writes_one_audit_row(make_nomination, editor, old, new):
    nomination = make_nomination()
    _put_in_state(nomination, old)
    before = ActivityLog.objects.count()
    set_nomination_state(nomination=nomination, new_state=new, actor=editor, reason="核实过了")
    nomination.refresh_from_db()
    assert nomination.state == new
    assert ActivityLog.objects.count() == before + 1
    row = ActivityLog.objects.latest("id")
    assert (row.actor, row.action, row.old_value, row.new_value, row.reason, row.subject_id) == (
        editor, f"nomination.{new}", {"state": old}, {"state": new}, "核实过了", str(nomination.pk),
    )


@pytest.mark.parametrize(("old", "new"), ILLEGAL)
def test_illegal_transition_is_refused_and_changes_nothing(make_nomination, editor, old, new):
    nomination = make_nomination()
    _put_in_state(nomination, old)
    before = ActivityLog.objects.count()
    with pytest.raises(IllegalTransition):
        set_nomination_state(nomination=nomination, new_state=new, actor=editor, reason="试试")
    nomination.refresh_from_db()
    assert (nomination.state, ActivityLog.objects.count()) == (old, before)


@pytest.mark.parametrize("new", sorted(REASON_REQUIRED))
def test_moves_that_need_a_reason_refuse_an_empty_one(make_nomination, editor, new):
    nomination = make_nomination()
    _put_in_state(nomination, NominationState.IN_REVIEW)
    with pytest.raises(DomainError) as raised:
        set_nomination_state(nomination=nomination, new_state=new, actor=editor, reason="  ")
    nomination.refresh_from_db()
    assert (raised.value.code, nomination.state) == ("reason_required", NominationState.IN_REVIEW)


def test_unknown_state_is_refused(make_nomination, editor):
    nomination = make_nomination()
    with pytest.raises(IllegalTransition):
        set_nomination_state(nomination=nomination, new_state="published", actor=editor)


def test_viewer_cannot_change_state(make_nomination, viewer):
    nomination = make_nomination()
    with pytest.raises(PermissionDenied):
        set_nomination_state(nomination=nomination, new_state="in_review", actor=viewer)
    nomination.refresh_from_db()
    assert nomination.state == "received"


def test_audit_row_is_written_in_the_same_transaction(make_nomination, editor):
    nomination = make_nomination()
    with CaptureQueriesContext(connection) as queries:
        set_nomination_state(nomination=nomination, new_state="in_review", actor=editor)
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # One transaction: the state UPDATE and the audit INSERT sit between the same BEGIN/savepoint and its release.
    update_at = next(i for i, s in enumerate(statements) if s == "UPDATE")
    insert_at = next(i for i, s in enumerate(statements) if s == "INSERT")
    release_at = max(i for i, s in enumerate(statements) if s == "RELEASE")
    assert update_at < insert_at < release_at


def test_audit_failure_rolls_back_the_state_change(make_nomination, editor, monkeypatch):
    nomination = make_nomination()

    def broken_audit(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr("xuanshu.nominations.services.record_activity", broken_audit)
    with pytest.raises(RuntimeError):
        set_nomination_state(nomination=nomination, new_state="in_review", actor=editor)
    nomination.refresh_from_db()
    assert nomination.state == "received"
