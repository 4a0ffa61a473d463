"""Writers for the audit trail and the contact-access log."""
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from xuanshu.core.models import ActivityLog, ContactAccessLog


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
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_activity must run inside the transaction that makes the change")
    user = actor if getattr(actor, "is_authenticated", False) else None
    return ActivityLog.objects.create(
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


def record_activities(entries: Iterable[dict]) -> int:
    """Write many system audit rows in one go (bulk jobs); each entry holds record_activity's keyword arguments."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_activities must run inside the transaction that makes the change")
    rows = [
        ActivityLog(
            actor=None, actor_label=entry.get("actor_label") or "system", action=entry["action"],
            subject_type=entry["subject"]._meta.label_lower, subject_id=str(entry["subject"].pk),
            campaign=entry.get("campaign") if entry.get("campaign") is not None else getattr(entry["subject"], "campaign", None),
            old_value=entry.get("old_value"), new_value=entry.get("new_value"), reason=entry.get("reason", ""),
        )
        for entry in entries
    ]
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
