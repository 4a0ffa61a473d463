from django.contrib import admin

from xuanshu.core.admin import AppendOnlyAdmin, masked_column
from xuanshu.intake.models import InboundFile, InboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(AppendOnlyAdmin):
    """Raw input is immutable; reprocessing is done from the console.

    Sender, payload, body and error are shown with contacts and personal numbers masked, as in the console: the
    unmasked raw record is revealed only in the console, where each reveal is logged.
    """

    list_display = ["received_at", "channel", "external_id", "reference", "status", "masked_sender"]
    list_filter = ["channel", "status", "is_demo"]
    search_fields = ["external_id", "reference"]
    fields = [
        "campaign", "channel", "external_id", "content_digest", "reference", "received_at", "status", "attempts", "processed_at",
        "waiting_for", "is_demo", "masked_sender", "masked_payload", "masked_body", "masked_error",
    ]
    readonly_fields = fields

    masked_sender = masked_column("sender", "sender")
    masked_payload = masked_column("payload", "payload")
    masked_body = masked_column("raw_text", "raw body")
    masked_error = masked_column("error", "error")


@admin.register(InboundFile)
class InboundFileAdmin(AppendOnlyAdmin):
    """Voice, video and documents kept byte for byte; staff open them from the console."""

    list_display = ["masked_name", "content_type", "size", "inbound"]
    fields = ["inbound", "masked_name", "content_type", "size", "sha256", "position"]
    readonly_fields = fields

    masked_name = masked_column("original_name", "original name")
