"""Reads of the core records: the logged reveals of a record's contacts."""

from django.db.models import Model, QuerySet

from xuanshu.core.models import ContactAccessLog


def contact_reveals(subject: Model) -> QuerySet[ContactAccessLog]:
    """Every logged reveal of the record's unmasked contacts (core.services.log_contact_access), newest first, with
    the users who saw them loaded."""
    return (
        ContactAccessLog.objects.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk))
        .select_related("user")
        .order_by("-created_at", "-id")
    )
