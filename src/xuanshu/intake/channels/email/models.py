"""The campaign mailbox: where to poll (IMAP) and how far we got, plus what e-mail adds to the inbound store."""
import os

from django.db import models
from django.utils import timezone

from xuanshu.core.masking import mask_email


class Mailbox(models.Model):
    """An IMAP folder polled for nominations. The password is never stored: `password_env` names the
    environment variable that holds it (for NetEase, the client authorisation code)."""

    slug = models.SlugField(max_length=50, unique=True)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="mailboxes")
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    use_ssl = models.BooleanField(default=True)
    username = models.CharField(max_length=255)
    password_env = models.CharField(max_length=100, help_text="Name of the environment variable holding the password")
    folder = models.CharField(max_length=255, default="INBOX")
    is_active = models.BooleanField(default=True)
    # Sync state: UIDs are only comparable within one UIDVALIDITY (RFC 3501 §2.3.1.1).
    uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    last_uid = models.PositiveBigIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"{self.slug} ({self.username}, {self.host}/{self.folder})"

    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None


def document_path(instance, filename: str) -> str:
    """Upload path of the former MailDocument; migration 0001 names it. Documents are intake.InboundFile now."""
    received = instance.inbound.received_at
    suffix = os.path.splitext(instance.original_name)[1].lower()
    extension = suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 6 else ".bin"
    return f"inbound/{received:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}{extension}"


class ReplyStatus(models.TextChoices):
    SENDING = "sending", "sending"
    SENT = "sent", "sent"
    FAILED = "failed", "failed"
    SKIPPED = "skipped", "skipped"


# A failed send may be retried; sent and skipped are final.
REPLY_TRANSITIONS = {
    ReplyStatus.SENDING: {ReplyStatus.SENT, ReplyStatus.FAILED},
    ReplyStatus.FAILED: {ReplyStatus.SENDING},
    ReplyStatus.SENT: set(),
    ReplyStatus.SKIPPED: set(),
}


class AutoReply(models.Model):
    """The acknowledgement for one e-mail nomination: sent once, or skipped with the reason (RFC 3834 rules,
    daily limit). Also the count behind the per-sender daily limit."""

    inbound = models.OneToOneField("intake.InboundMessage", on_delete=models.PROTECT, related_name="auto_reply")
    recipient = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=10, choices=ReplyStatus.choices)
    reason = models.CharField(max_length=40, blank=True, help_text="Why no reply was sent")
    error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "created_at"], name="autoreply_recipient_created")]

    def __str__(self) -> str:
        # Shown in Django admin's titles and breadcrumbs: the address masked.
        return f"reply to {mask_email(self.recipient)}: {self.status}"
