from django.contrib import admin

from xuanshu.core.admin import AppendOnlyAdmin, masked_column
from xuanshu.intake.channels.email.models import AutoReply, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(AppendOnlyAdmin):
    """Configured with `python -m xuanshu mailbox set`; shown here with its sync state and last error."""

    list_display = ["slug", "campaign", "username", "host", "folder", "is_active", "last_uid", "last_polled_at", "last_error"]


@admin.register(AutoReply)
class AutoReplyAdmin(AppendOnlyAdmin):
    """Why a sender did or did not get an acknowledgement; the sender's address is masked."""

    list_display = ["created_at", "masked_recipient", "status", "reason", "inbound"]
    list_filter = ["status", "reason"]
    search_fields = ["recipient"]
    fields = ["inbound", "masked_recipient", "status", "reason", "masked_error", "message_id", "created_at", "sent_at"]
    readonly_fields = fields

    masked_recipient = masked_column("recipient", "recipient")
    masked_error = masked_column("error", "error")
