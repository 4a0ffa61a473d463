from django.contrib import admin

from xuanshu.core.admin import AppendOnlyAdmin
from xuanshu.intake.models import InboundFile, InboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(AppendOnlyAdmin):
    """Raw input is immutable; reprocessing is done from the console."""

    list_display = ["received_at", "channel", "external_id", "reference", "status", "sender"]
    list_filter = ["channel", "status", "is_demo"]
    search_fields = ["external_id", "reference"]
    exclude = ["raw_body"]
    readonly_fields = ["raw_text"]


@admin.register(InboundFile)
class InboundFileAdmin(AppendOnlyAdmin):
    """Voice, video and documents kept byte for byte; staff open them from the console."""

    list_display = ["original_name", "content_type", "size", "inbound"]
