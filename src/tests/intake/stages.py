"""Moving the seed campaign's nomination stage, to test what happens outside it."""
import datetime as dt

from django.utils import timezone

from xuanshu.campaigns.models import Stage

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def move_nomination_stage(campaign, *, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    Stage.objects.filter(campaign=campaign, kind="nomination").update(starts_at=starts_at, ends_at=ends_at)


def close_nominations(campaign, *, closed_at: dt.datetime | None = None) -> dt.datetime:
    """The nomination stage ended at `closed_at` (an hour ago unless given); returns that moment."""
    closed_at = closed_at or timezone.now() - HOUR
    move_nomination_stage(campaign, starts_at=closed_at - 30 * DAY, ends_at=closed_at)
    return closed_at


def open_nominations_later(campaign, *, opens_at: dt.datetime | None = None) -> dt.datetime:
    """The nomination stage opens at `opens_at` (in two days unless given); returns that moment."""
    opens_at = opens_at or timezone.now() + 2 * DAY
    move_nomination_stage(campaign, starts_at=opens_at, ends_at=opens_at + 30 * DAY)
    return opens_at
