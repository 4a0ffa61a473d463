"""Writers for the audit trail and the contact-access log."""
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from xuanshu.core.models import ActivityLog, ContactAccessLog


def _activity_row(
    *,
    actor=None,
    action: str,
    subject,
    old_value: Any = None,
    new_value: Any = None,
    reason: str = "",
    actor_label: str = "",
    campaign=None,
) -> ActivityLog:
    """One unsaved audit row: the user who acted (or a label such as "system"), the subject and its campaign."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return ActivityLog(
        actor=user,
        actor_label=actor_label or ("" if user else "system"),
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        campaign=campaign if campaign is not None else getattr(subject, "campaign", None),
        old_value=old_value,
        new_value=new_value,
        reason=reason,
    )


def _require_transaction(writer: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{writer} must run inside the transaction that makes the change")


def record_activity(
    *,
    actor,
    action: str,
    subject,
    old_value: Any = None,
    new_value: Any = None,
    reason: str = "",
    actor_label: str = "",
    campaign=None,
) -> ActivityLog:
    """Write one audit row; callers must already be inside the transaction that made the change."""
    _require_transaction("record_activity")
    row = _activity_row(actor=actor, action=action, subject=subject, old_value=old_value, new_value=new_value,
                        reason=reason, actor_label=actor_label, campaign=campaign)
    row.save(force_insert=True)
    return row


def record_activities(entries: Iterable[dict]) -> int:
    """Write many audit rows in one go (bulk jobs); each entry holds record_activity's keyword arguments."""
    _require_transaction("record_activities")
    rows = [_activity_row(**entry) for entry in entries]
    ActivityLog.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def log_contact_access(*, user, subjects: Iterable, fields: Iterable[str], purpose: str, ip_address: str | None) -> int:
    """Record that `user` saw the unmasked contacts of each subject; returns the rows written."""
    field_list = ",".join(fields)
    rows = [
        ContactAccessLog(
            user=user,
            subject_type=subject._meta.label_lower,
            subject_id=str(subject.pk),
            fields=field_list,
            purpose=purpose,
            ip_address=ip_address,
        )
        for subject in subjects
    ]
    ContactAccessLog.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
