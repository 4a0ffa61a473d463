"""Stored e-mails get the content digest their identity now includes (identity.mail_identity), so that a message
stored before is still recognised when it is fetched or imported again.

A message without a usable Message-ID was keyed by the SHA-256 of its raw bytes; it is keyed by its content digest
now, so that copies delivered twice (each with its own Received and Delivered-To) are one message. Its key is
moved over unless an earlier copy already holds the new one: such copies were stored twice before, and stay so.

The identity is computed by the running code on purpose, not by a frozen copy: the keys must be the ones it computes.
"""
import hashlib

from django.db import migrations

from xuanshu.intake.channels.email.identity import mail_identity

_HASH_KEY = "sha256:"


def add_content_digests(apps, schema_editor):
    InboundMessage = apps.get_model("intake", "InboundMessage")
    stored = InboundMessage.objects.filter(channel="email", raw_body__isnull=False).order_by("pk")
    for inbound in stored.only("pk", "external_id", "raw_body").iterator(chunk_size=200):
        identity = mail_identity(bytes(inbound.raw_body))
        external_id = inbound.external_id
        if external_id.startswith(_HASH_KEY) and identity.external_id.startswith(_HASH_KEY):
            taken = InboundMessage.objects.filter(
                channel="email", external_id=identity.external_id, content_digest=identity.content_digest,
            ).exists()
            external_id = external_id if taken else identity.external_id
        InboundMessage.objects.filter(pk=inbound.pk).update(external_id=external_id, content_digest=identity.content_digest)


def remove_content_digests(apps, schema_editor):
    InboundMessage = apps.get_model("intake", "InboundMessage")
    stored = InboundMessage.objects.filter(channel="email").exclude(content_digest="").order_by("pk")
    for inbound in stored.only("pk", "external_id", "content_digest", "raw_body").iterator(chunk_size=200):
        external_id = inbound.external_id
        if external_id == _HASH_KEY + inbound.content_digest and inbound.raw_body is not None:
            external_id = _HASH_KEY + hashlib.sha256(bytes(inbound.raw_body)).hexdigest()
        InboundMessage.objects.filter(pk=inbound.pk).update(external_id=external_id, content_digest="")


class Migration(migrations.Migration):

    dependencies = [
        ("mailbox", "0002_documents_to_inbound_files"),
        ("intake", "0006_inbound_content_digest"),
    ]

    operations = [
        migrations.RunPython(add_content_digests, remove_content_digests),
    ]
