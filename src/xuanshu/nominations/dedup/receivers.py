"""Reactions to nominations: find each one's nominee after it is created, and again after an editor's correction.

Both signals are sent after commit; the work is a task, so a failure here never fails the citizen's request
or the editor's save (`python -m xuanshu dedup run` assigns anything left over).
"""
import logging

logger = logging.getLogger("xuanshu.dedup")

# A correction to any of these can change who the nomination is about.
MATCHED_FIELDS = {"nominee_name", "nominee_kind", "area", "place_detail", "deeds"}


def _enqueue(nomination_id: int, *, reassess: bool) -> None:
    from xuanshu.nominations.dedup.tasks import assign_nominee_task

    try:
        assign_nominee_task(nomination_id, reassess=reassess)
    except Exception:  # noqa: BLE001 - dedup must never break intake or editing
        logger.exception("assigning nominee of nomination %s failed", nomination_id)


def on_nomination_created(sender, nomination, **kwargs) -> None:
    _enqueue(nomination.pk, reassess=False)


def on_nomination_edited(sender, nomination, fields=(), **kwargs) -> None:
    if MATCHED_FIELDS.intersection(fields):
        _enqueue(nomination.pk, reassess=True)
