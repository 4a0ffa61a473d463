from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from xuanshu.campaigns.models import Area, Campaign, Category

CAMPAIGN_CHOICES_KEY = "campaigns:choices"
# Loading a campaign drops the list at once; a process with its own local cache sees a campaign loaded by
# another process (the CLI) within this many seconds.
CAMPAIGN_CHOICES_SECONDS = 60


def campaign_choices() -> list[tuple[int, str]]:
    """(id, name) of every campaign, newest first, as filter forms offer them; cached between requests."""
    choices = cache.get(CAMPAIGN_CHOICES_KEY)
    if choices is None:
        choices = [(campaign.pk, str(campaign)) for campaign in Campaign.objects.only("id", "name", "edition")]
        cache.set(CAMPAIGN_CHOICES_KEY, choices, CAMPAIGN_CHOICES_SECONDS)
    return choices


def forget_campaign_choices() -> None:
    """Drop the cached campaign list (a campaign was created or renamed)."""
    cache.delete(CAMPAIGN_CHOICES_KEY)


def campaign_with_choices(slug: str) -> Campaign:
    """A campaign with its active categories, areas and stages loaded in three queries."""
    return Campaign.objects.prefetch_related(
        Prefetch("categories", queryset=Category.objects.filter(is_active=True)),
        Prefetch("areas", queryset=Area.objects.filter(is_active=True)),
        "stages",
    ).get(slug=slug)


def campaigns_open_for_nomination(now=None) -> QuerySet[Campaign]:
    now = now or timezone.now()
    return Campaign.objects.filter(
        stages__kind="nomination", stages__starts_at__lte=now, stages__ends_at__gt=now
    ).order_by("-year", "slug")
