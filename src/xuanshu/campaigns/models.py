from django.db import models
from django.utils import timezone

from xuanshu.campaigns.enums import AreaKind, StageKind
from xuanshu.core.models import TimeStampedModel


class Campaign(TimeStampedModel):
    """One edition of a campaign, loaded from its TOML file (see campaigns/loader.py)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    edition = models.CharField(max_length=100)
    organiser = models.CharField(max_length=200)
    undertaker = models.CharField(max_length=200)
    reference_prefix = models.CharField(max_length=20, unique=True)
    keyword = models.CharField(max_length=100)
    keyword_variants = models.JSONField(default=list)
    nominee_kinds = models.JSONField(default=list)
    deeds_min_length = models.PositiveIntegerField(default=30)
    max_photos = models.PositiveSmallIntegerField(default=9)
    max_photo_bytes = models.PositiveIntegerField(default=10 * 1024 * 1024)
    wechat_account = models.CharField(max_length=100, blank=True)
    mailbox = models.EmailField(blank=True)
    hotline = models.CharField(max_length=50, blank=True)
    public_site = models.CharField(
        max_length=200, blank=True,
        help_text="Origin of the citizen site (https://host), for status links sent without a request; "
                  "XUANSHU_PUBLIC_BASE_URL overrides it",
    )
    eligibility = models.TextField()
    privacy_notice = models.TextField()
    is_demo = models.BooleanField(default=False, help_text="Rehearsal or demo data, labelled as such on every page")
    source_sha256 = models.CharField(max_length=64, blank=True)
    last_reference_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-year", "slug"]

    def __str__(self) -> str:
        return f"{self.name} {self.edition}"

    def stage_open(self, kind: str, now=None) -> bool:
        now = now or timezone.now()
        return any(stage.kind == kind and stage.starts_at <= now < stage.ends_at for stage in self.stages.all())


class Category(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="categories")
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.TextField()
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="category_code_unique_per_campaign")]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A county-level division (or functional zone) of the campaign's city."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="areas")
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=AreaKind.choices)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="area_code_unique_per_campaign")]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="stages")
    kind = models.CharField(max_length=20, choices=StageKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="stage_kind_unique_per_campaign"),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="stage_ends_after_start"),
        ]

    def __str__(self) -> str:
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.get_kind_display()} {starts:%Y-%m-%d %H:%M}–{ends:%Y-%m-%d %H:%M}"
