from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from xuanshu.campaigns.models import Area, Campaign, Category


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
