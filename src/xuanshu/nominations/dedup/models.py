"""Nominees: one record per distinct person or group in a campaign, gathering its nominations from every channel.

Counts, channels and first/latest dates are read from the memberships (selectors.nominee_summary), so they
cannot drift. Written only by dedup.services.
"""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xuanshu.campaigns.enums import NomineeKind
from xuanshu.core.models import TimeStampedModel


class NomineeState(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another nominee")


class LinkedBy(models.TextChoices):
    NEW = "new", _("First nomination of a new nominee")
    AUTO = "auto", _("Matched automatically")
    EDITOR = "editor", _("Linked by an editor")


class SuggestionState(models.TextChoices):
    OPEN = "open", pgettext_lazy("merge suggestion state", "Open")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not the same nominee")


class ChangeKind(models.TextChoices):
    MERGE = "merge", _("Merge")
    SPLIT = "split", _("Split")


class Nominee(TimeStampedModel):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="nominees")
    name = models.CharField(max_length=100, help_text="Normalised name of its earliest nomination")
    kind = models.CharField(max_length=20, choices=NomineeKind.choices, default=NomineeKind.INDIVIDUAL)
    area = models.ForeignKey("campaigns.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=NomineeState.choices, default=NomineeState.ACTIVE)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["campaign", "state"], name="nominee_campaign_state")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(state=NomineeState.ACTIVE, merged_into__isnull=True)
                           | Q(state=NomineeState.MERGED, merged_into__isnull=False)),
                name="nominee_merged_iff_merged_into",
            ),
            models.CheckConstraint(condition=~Q(merged_into=F("id")), name="nominee_not_merged_into_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class NomineeMembership(models.Model):
    """Which nominee a nomination belongs to, who linked it, and why."""

    nomination = models.OneToOneField("nominations.Nomination", on_delete=models.CASCADE, related_name="nominee_membership")
    nominee = models.ForeignKey(Nominee, on_delete=models.PROTECT, related_name="memberships")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+", db_index=False)
    block_key = models.CharField(max_length=200, help_text="The nomination's blocking key: names that sound alike share it")
    linked_by = models.CharField(max_length=20, choices=LinkedBy.choices)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    linked_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["campaign", "block_key"], name="membership_block")]

    def __str__(self) -> str:
        return f"{self.nomination_id} → {self.nominee_id}"


class MergeSuggestion(models.Model):
    """Two nominees that may be one: scored in the grey zone, left to an editor."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    nominee_a = models.ForeignKey(Nominee, on_delete=models.CASCADE, related_name="+")
    nominee_b = models.ForeignKey(Nominee, on_delete=models.CASCADE, related_name="+")
    nomination_a = models.ForeignKey("nominations.Nomination", on_delete=models.CASCADE, related_name="+")
    nomination_b = models.ForeignKey("nominations.Nomination", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    state = models.CharField(max_length=20, choices=SuggestionState.choices, default=SuggestionState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        indexes = [
            models.Index(fields=["nominee_a", "state"], name="suggestion_a"),
            models.Index(fields=["nominee_b", "state"], name="suggestion_b"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["nominee_a", "nominee_b"], name="suggestion_pair_unique"),
            models.CheckConstraint(condition=Q(nominee_a__lt=F("nominee_b")), name="suggestion_pair_ordered"),
        ]


class NomineeChange(models.Model):
    """An editor's merge or split, with what it moved, so that it can be undone exactly."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    # merge: source is absorbed into target; split: the nomination leaves source for the new target.
    source = models.ForeignKey(Nominee, on_delete=models.PROTECT, related_name="changes_as_source")
    target = models.ForeignKey(Nominee, on_delete=models.PROTECT, related_name="changes_as_target")
    moved = models.JSONField(help_text="Each moved nomination's membership before the change")
    suggestion = models.ForeignKey(MergeSuggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(source=F("target")), name="change_moves_between_two_nominees")]
