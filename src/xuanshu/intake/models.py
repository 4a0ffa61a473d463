import os
from datetime import datetime

from django.db import models
from django.utils import timezone

from xuanshu.core.redaction import redact_personal_data
from xuanshu.intake.channels.wechat.conf import MEDIA_KEPT_BY_WECHAT
from xuanshu.intake.enums import Channel, FileRefusal, InboundStatus, NominationWindow, TipState


class InboundMessage(models.Model):
    """A submission from any channel, stored unchanged before anything interprets it.

    `raw_body` holds bytes as received (an e-mail, a WeChat XML post); `payload` holds structured
    input (web form fields, API JSON). Neither is ever modified after insert.
    """

    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="inbound_messages")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    external_id = models.CharField(max_length=255, help_text="The channel's own id: MsgId, Message-ID, form token")
    content_digest = models.CharField(
        max_length=64, blank=True, default="",
        help_text="SHA-256 of the content, where the channel's own id can be reused for another message (an e-mail's "
                  "Message-ID): with external_id, what makes a message the same one again. Blank for the other channels",
    )
    raw_body = models.BinaryField(null=True, blank=True)
    payload = models.JSONField(null=True, blank=True)
    sender = models.CharField(max_length=255, blank=True, help_text="openid, e-mail address, client address")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    reference = models.CharField(max_length=32, null=True, blank=True, unique=True, help_text="Acknowledged to the sender")
    status = models.CharField(max_length=20, choices=InboundStatus.choices, default=InboundStatus.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    waiting_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="waiting_messages",
        help_text="Processing resumes once this message is processed (a follow-up waits for the message that opened its nomination)",
    )
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id", "content_digest"], name="inbound_unique_per_channel"),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            # A sender's messages around a time: the WeChat follow-up window before an opener, and just after it.
            models.Index(fields=["sender", "received_at"], name="inbound_sender_time"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"

    @property
    def raw_text(self) -> str:
        """The raw body for display; undecodable bytes are shown, never hidden."""
        if self.raw_body is None:
            return ""
        return bytes(self.raw_body).decode("utf-8", errors="backslashreplace")


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"inbound/{instance.inbound.received_at:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class Attachment(models.Model):
    """A file that came with an inbound message. Images are stored re-encoded, without metadata."""

    inbound = models.ForeignKey(InboundMessage, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(max_length=255)
    original_sha256 = models.CharField(max_length=64, help_text="Digest of the bytes as uploaded")
    original_size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="Digest of the stored (re-encoded) bytes")
    content_type = models.CharField(max_length=100)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    @property
    def extension(self) -> str:
        return {"image/jpeg": ".jpg", "image/png": ".png"}.get(self.content_type, ".bin")


def kept_file_path(instance: "InboundFile", filename: str) -> str:
    return f"inbound/{instance.inbound.received_at:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


# What a browser can play in the console's <audio> and <video> elements; anything else is offered as a download.
PLAYABLE_TYPES = {"audio/mpeg", "audio/ogg", "audio/wav", "video/mp4", "video/webm"}


class InboundFile(models.Model):
    """A file that came with an inbound message and cannot be re-encoded (voice, video, PDF, Word), kept byte for byte.

    Photos go to Attachment, re-encoded; these files are kept apart, out of the way of code that expects
    every Attachment to be a clean image. Staff get them only through the console.
    """

    inbound = models.ForeignKey(InboundMessage, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=kept_file_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["inbound", "position"], name="inbound_file_position_unique")]

    def __str__(self) -> str:
        # Shown in Django admin's titles and breadcrumbs; a name such as 录音13812345678.mp3 must not give the number away.
        return redact_personal_data(self.original_name)

    @property
    def extension(self) -> str:
        suffix = os.path.splitext(self.original_name)[1].lower()
        return suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 6 else ".bin"

    @property
    def media_kind(self) -> str:
        """audio, video or document: how the console shows it."""
        major = self.content_type.split("/", 1)[0]
        return major if major in ("audio", "video") else "document"

    @property
    def is_playable(self) -> bool:
        return self.content_type in PLAYABLE_TYPES


class RefusedFile(models.Model):
    """A file that came with a message and could not be kept: not a picture we can open, too large, over the photo
    limit, a kind we do not keep, or media WeChat did not hand over (or could not be asked for: the account not set
    up, WeChat unreachable). Recorded so that editors see what is missing.

    An e-mail's file stays inside its raw message; a WeChat media file exists only at WeChat (for three days).
    """

    inbound = models.ForeignKey(InboundMessage, on_delete=models.PROTECT, related_name="refused_files")
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True, help_text="As the sender labelled it")
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes, when the file was received")
    reason = models.CharField(max_length=30, choices=FileRefusal.choices)
    limit = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The limit it went over: bytes when too large, photos when there were too many",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Its place among the files of the message")

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["inbound", "position"], name="refused_file_position_unique")]

    def __str__(self) -> str:
        return redact_personal_data(self.original_name) or self.content_type

    @property
    def kept_in_raw_message(self) -> bool:
        """An e-mail's raw message holds the file's bytes; other channels' raw records do not."""
        return self.inbound.channel == Channel.EMAIL

    @property
    def held_by_wechat_until(self) -> datetime | None:
        """Until when WeChat still holds a media file we never asked for or never reached; None for other files.

        Not for a refusal WeChat itself answered (e.g. an invalid media_id): WeChat will not hand that one over.
        """
        if self.inbound.channel == Channel.WECHAT and self.reason in (FileRefusal.NOT_CONFIGURED, FileRefusal.UNREACHABLE):
            return self.inbound.received_at + MEDIA_KEPT_BY_WECHAT
        return None


class ReaderTip(models.Model):
    """A message without the campaign keyword (找记者): kept for editors, never silently discarded."""

    inbound = models.OneToOneField(InboundMessage, on_delete=models.PROTECT, related_name="tip")
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(db_index=True)
    text = models.TextField(blank=True, help_text="The message as decoded for reading")
    state = models.CharField(max_length=20, choices=TipState.choices, default=TipState.OPEN)
    nomination = models.OneToOneField(
        "nominations.Nomination", null=True, blank=True, on_delete=models.PROTECT, related_name="from_tip",
    )
    held_because = models.CharField(
        max_length=20, blank=True, choices=[(NominationWindow.NOT_YET_OPEN, NominationWindow.NOT_YET_OPEN.label),
                                            (NominationWindow.CLOSED, NominationWindow.CLOSED.label)],
        help_text="Set when the message nominated someone outside the nomination stage and was kept as this tip instead",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "-received_at"], name="tip_state_received")]

    def __str__(self) -> str:
        return f"tip {self.pk} {self.channel}"
