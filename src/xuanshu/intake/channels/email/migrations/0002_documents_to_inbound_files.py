"""E-mail documents move to intake.InboundFile, the one place for files kept byte for byte (WeChat voice and video too).

The stored files stay where they are: both models use the same upload path.
"""
from django.db import migrations


def copy_documents(apps, schema_editor):
    MailDocument = apps.get_model("mailbox", "MailDocument")
    InboundFile = apps.get_model("intake", "InboundFile")
    InboundFile.objects.bulk_create(
        InboundFile(
            inbound_id=document.inbound_id, file=document.file.name, original_name=document.original_name,
            content_type=document.content_type, sha256=document.sha256, size=document.size, position=document.position,
        )
        for document in MailDocument.objects.order_by("pk").iterator()
    )


def copy_back(apps, schema_editor):
    MailDocument = apps.get_model("mailbox", "MailDocument")
    InboundFile = apps.get_model("intake", "InboundFile")
    MailDocument.objects.bulk_create(
        MailDocument(
            inbound_id=kept.inbound_id, file=kept.file.name, original_name=kept.original_name,
            content_type=kept.content_type, sha256=kept.sha256, size=kept.size, position=kept.position,
        )
        for kept in InboundFile.objects.filter(inbound__channel="email").order_by("pk").iterator()
    )


class Migration(migrations.Migration):

    dependencies = [
        ("mailbox", "0001_initial"),
        ("intake", "0003_files_deferral_held_tips"),
    ]

    operations = [
        migrations.RunPython(copy_documents, copy_back),
        migrations.DeleteModel(name="MailDocument"),
    ]
