from django.contrib import admin

from xuanshu.core.admin import AppendOnlyAdmin, masked_text
from xuanshu.intake.models import InboundFile, InboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(AppendOnlyAdmin):
    """Raw input is immutable; reprocessing is done from the console.

    Sender, payload, body and error are shown with contacts masked: the unmasked raw record is revealed only in
    the console, where each reveal is logged.
    """

    list_display = ["received_at", "channel", "external_id", "reference", "status", "masked_sender"]
    list_filter = ["channel", "status", "is_demo"]
    search_fields = ["external_id", "reference"]
    fields = [
        "campaign", "channel", "external_id", "reference", "received_at", "status", "attempts", "processed_at",
        "waiting_for", "is_demo", "masked_sender", "masked_payload", "masked_body", "masked_error",
    ]
    readonly_fields = fields

    @admin.display(description="sender")
    def masked_sender(self, inbound: InboundMessage) -> str:
        return masked_text(inbound.sender)

    @admin.display(description="payload")
    def masked_payload(self, inbound: InboundMessage) -> str:
        return masked_text(inbound.payload)

    @admin.display(description="raw body")
    def masked_body(self, inbound: InboundMessage) -> str:
        return masked_text(inbound.raw_text)

    @admin.display(description="error")
    def masked_error(self, inbound: InboundMessage) -> str:
        return masked_text(inbound.error)


@admin.register(InboundFile)
class InboundFileAdmin(AppendOnlyAdmin):
    """Voice, video and documents kept byte for byte; staff open them from the console."""

    list_display = ["masked_name", "content_type", "size", "inbound"]
    fields = ["inbound", "masked_name", "content_type", "size", "sha256", "position"]
    readonly_fields = fields

    @admin.display(description="original name")
    def masked_name(self, kept: InboundFile) -> str:
        return masked_text(kept.original_name)
