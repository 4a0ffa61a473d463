# Contacts that citizens typed into the text of web-form and hotline nominations (a phone number in the deeds)
# were kept in clear; new nominations have them masked (nominations.services). This masks the existing rows.
# The raw inbound messages keep the original text, so nothing is lost. Idempotent: masked text stays as it is.

from django.db import migrations

BATCH = 2000
TEXT_FIELDS = ("nominee_name", "place_detail", "deeds", "nominator_name")


def mask_contacts_in_typed_text(apps, schema_editor):
    """Mask contacts in the text fields of every nomination where they are still in clear, with an audit row each."""
    from xuanshu.core.redaction import redact_contacts
    from xuanshu.nominations.search import search_columns

    Nomination = apps.get_model("nominations", "Nomination")
    ActivityLog = apps.get_model("core", "ActivityLog")
    last = 0
    while True:
        batch = list(Nomination.objects.filter(pk__gt=last).order_by("pk")
                     .only("pk", "campaign_id", "nominee_kind", *TEXT_FIELDS)[:BATCH])
        if not batch:
            break
        last = batch[-1].pk
        for nomination in batch:
            masked = {field: redact_contacts(getattr(nomination, field)) for field in TEXT_FIELDS}
            changed = sorted(field for field, value in masked.items() if value != getattr(nomination, field))
            if not changed:
                continue
            # The search columns are derived from these fields: they must not keep the contacts either.
            columns = search_columns(nominee_kind=nomination.nominee_kind, **masked)._asdict()
            Nomination.objects.filter(pk=nomination.pk).update(**masked, **columns)
            ActivityLog.objects.create(
                actor_label="migration", action="nomination.mask_contacts", subject_type="nominations.nomination",
                subject_id=str(nomination.pk), campaign_id=nomination.campaign_id, new_value={"masked": changed},
                reason="Contacts typed into the text are masked; the raw message keeps them.",
            )


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("nominations", "0003_nomination_search_columns"),
    ]

    operations = [
        # Reversing is a no-op: the masked digits cannot be restored (the raw inbound messages hold them).
        migrations.RunPython(mask_contacts_in_typed_text, migrations.RunPython.noop),
    ]
