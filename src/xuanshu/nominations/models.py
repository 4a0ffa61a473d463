from django.conf import settings
from django.db import models

from xuanshu.campaigns.enums import NomineeKind
from xuanshu.core.masking import mask_email, mask_phone
from xuanshu.core.models import TimeStampedModel
from xuanshu.core.redaction import redact_personal_data
from xuanshu.intake.enums import Channel
from xuanshu.nominations.enums import NominationState
from xuanshu.nominations.search import SEARCH_COLUMNS, SOURCE_FIELDS, fill_search_columns


class Nomination(TimeStampedModel):
    """One nomination as a citizen made it, with the structured fields editors review."""

    # Indexed through the composite indexes below, which all lead with campaign.
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="nominations", db_index=False)
    reference = models.CharField(max_length=32, unique=True)
    inbound = models.OneToOneField("intake.InboundMessage", on_delete=models.PROTECT, related_name="nomination")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=NominationState.choices, default=NominationState.RECEIVED)

    nominee_name = models.CharField(max_length=100, blank=True, help_text="Empty until read out of a free-text message")
    nominee_kind = models.CharField(max_length=20, choices=NomineeKind.choices, default=NomineeKind.INDIVIDUAL)
    category = models.ForeignKey("campaigns.Category", null=True, blank=True, on_delete=models.PROTECT)
    area = models.ForeignKey("campaigns.Area", null=True, blank=True, on_delete=models.PROTECT)
    place_detail = models.CharField(max_length=200, blank=True)
    deeds = models.TextField()

    nominator_name = models.CharField(max_length=100, blank=True)
    nominator_phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    nominator_email = models.EmailField(blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False)

    # Derived from the fields above on every save (nominations.search); what the queue search matches.
    search_text = models.TextField(blank=True, default="", editable=False,
                                   help_text="Nominee, nominator and place folded to simplified script and lower case")
    search_deeds = models.TextField(blank=True, default="", editable=False,
                                    help_text="The deeds folded likewise, only where that differs from the deeds as written")
    nominee_pinyin = models.CharField(max_length=200, blank=True, default="", editable=False, db_index=True,
                                      help_text="The nominee's name in pinyin without tones or spaces: zhaoliu")
    nominee_initials = models.CharField(max_length=50, blank=True, default="", editable=False, db_index=True,
                                        help_text="The initials of that pinyin: zl")

    class Meta:
        ordering = ["-received_at", "-id"]
        permissions = [
            ("review_nomination", "Can review nominations: change state and fields"),
            ("view_contact", "Can reveal nominators' unmasked contacts"),
            ("export_nomination", "Can export nominations"),
        ]
        # The queue filters by campaign and sorts by (received_at, id); each filter's index ends in that order,
        # so a page is read straight off the index with no sort, whatever statistics the planner has.
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="nom_received"),
            models.Index(fields=["campaign", "-received_at", "-id"], name="nom_campaign_received"),
            models.Index(fields=["campaign", "state", "-received_at", "-id"], name="nom_campaign_state"),
            models.Index(fields=["campaign", "channel", "-received_at", "-id"], name="nom_campaign_channel"),
            models.Index(fields=["campaign", "category", "-received_at", "-id"], name="nom_campaign_category"),
            models.Index(fields=["campaign", "area", "-received_at", "-id"], name="nom_campaign_area"),
            models.Index(fields=["nominee_name"], name="nom_nominee_name"),
        ]

    def __str__(self) -> str:
        # Shown in Django admin's titles and breadcrumbs, which have no logged reveal: a number typed into the name is
        # masked, as every display masks it (a card or ID is stored whole).
        return f"{self.reference} {redact_personal_data(self.nominee_name)}"

    def save(self, *args, update_fields=None, **kwargs):
        # The search columns follow their source fields whichever code path saves; only this row is written.
        if update_fields is None or SOURCE_FIELDS.intersection(update_fields):
            fill_search_columns(self)
            if update_fields is not None:
                update_fields = {*update_fields, *SEARCH_COLUMNS}
        super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.nominator_phone)

    @property
    def masked_email(self) -> str:
        return mask_email(self.nominator_email)


class NominationNote(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class FollowUpMessage(models.Model):
    """A later message from the same sender that adds to an open nomination (a photo, a voice note, more text)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="follow_ups")
    inbound = models.OneToOneField("intake.InboundMessage", on_delete=models.PROTECT, related_name="follow_up")
    text = models.TextField(blank=True, help_text="Text, or a voice message's recognised text")
    part_text = models.TextField(
        blank=True, default="",
        help_text="What it adds to the nomination's own text: a text message's words, an e-mail reply without the mail it "
                  "quotes; empty for a photo, voice message or video. Read into the nomination while it is unreviewed",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
