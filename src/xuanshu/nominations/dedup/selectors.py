"""Reads of nominees: summaries (counts, channels, dates), suggestions, changes, and the console's panels."""
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q, QuerySet

from xuanshu.core.models import ActivityLog
from xuanshu.intake.enums import Channel
from xuanshu.nominations.dedup.models import (
    MergeSuggestion,
    Nominee,
    NomineeChange,
    NomineeMembership,
    NomineeState,
    SuggestionState,
)
from xuanshu.nominations.dedup.reasons import describe
from xuanshu.nominations.models import Nomination


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    label: str
    count: int


@dataclass(frozen=True)
class NomineeSummary:
    nominee: Nominee
    count: int
    channels: list[ChannelCount]
    first_at: dt.datetime | None
    latest_at: dt.datetime | None


@dataclass(frozen=True)
class SuggestionView:
    suggestion: MergeSuggestion
    other: Nominee
    other_count: int
    this_nomination: Nomination
    other_nomination: Nomination
    reasons: list[str] = field(default_factory=list)


def nominee_summary(nominee: Nominee) -> NomineeSummary:
    """How many nominations a nominee has, from which channels, and the first and latest dates (one query)."""
    rows = list(
        Nomination.objects.filter(nominee_membership__nominee=nominee)
        .values("channel").annotate(count=Count("id"), first=Min("received_at"), latest=Max("received_at"))
        .order_by("channel")
    )
    labels = dict(Channel.choices)
    channels = sorted(
        (ChannelCount(row["channel"], str(labels.get(row["channel"], row["channel"])), row["count"]) for row in rows),
        key=lambda item: (-item.count, item.channel),
    )
    return NomineeSummary(
        nominee=nominee,
        count=sum(row["count"] for row in rows),
        channels=channels,
        first_at=min((row["first"] for row in rows), default=None),
        latest_at=max((row["latest"] for row in rows), default=None),
    )


def resolve_nominee(nominee: Nominee) -> Nominee:
    """The nominee a merged one now lives on in (following merges), or the nominee itself."""
    seen = set()
    while nominee.state == NomineeState.MERGED and nominee.merged_into_id and nominee.pk not in seen:
        seen.add(nominee.pk)
        nominee = Nominee.objects.get(pk=nominee.merged_into_id)
    return nominee


def nominee_for_console(nominee_id: int) -> Nominee:
    """One nominee with its campaign, area and merge pointer; raises Nominee.DoesNotExist."""
    return Nominee.objects.select_related("campaign", "area", "merged_into").get(pk=nominee_id)


def nominee_nominations(nominee: Nominee) -> QuerySet[Nomination]:
    """The nominee's nominations, oldest first, with how each was linked."""
    return (
        Nomination.objects.filter(nominee_membership__nominee=nominee)
        .select_related("nominee_membership", "area", "category")
        .defer("deeds")
        .order_by("received_at", "id")
    )


def absorbed_ids(nominee: Nominee) -> set[int]:
    """The nominee's id and those of every nominee merged into it, directly or through another merge."""
    ids, frontier = {nominee.pk}, [nominee.pk]
    while frontier:
        frontier = [pk for pk in Nominee.objects.filter(merged_into__in=frontier).values_list("pk", flat=True) if pk not in ids]
        ids.update(frontier)
    return ids


def open_suggestions(nominee: Nominee, limit: int = 10) -> list[SuggestionView]:
    """Open merge suggestions involving the nominee, best first, each seen from this nominee's side.

    A suggestion made for a nominee that was merged since still stands for the nominee it lives on in,
    on either side, so a merge does not hide the duplicates either half had.
    """
    mine = absorbed_ids(nominee)
    suggestions = (
        MergeSuggestion.objects.filter(Q(nominee_a__in=mine) | Q(nominee_b__in=mine), state=SuggestionState.OPEN)
        .select_related("nominee_a", "nominee_b", "nomination_a", "nomination_b", "nominee_a__area", "nominee_b__area")
        .order_by("-score", "id")
    )
    views, shown = [], set()
    for suggestion in suggestions:
        mine_is_a = suggestion.nominee_a_id in mine
        other = resolve_nominee(suggestion.nominee_b if mine_is_a else suggestion.nominee_a)
        if other.pk in mine or other.pk in shown or other.state != NomineeState.ACTIVE:
            continue  # merged together since, or already shown with a better score
        shown.add(other.pk)
        views.append(SuggestionView(
            suggestion=suggestion,
            other=other,
            other_count=other.memberships.count(),
            this_nomination=suggestion.nomination_a if mine_is_a else suggestion.nomination_b,
            other_nomination=suggestion.nomination_b if mine_is_a else suggestion.nomination_a,
            reasons=describe(suggestion.reasons),
        ))
        if len(views) >= limit:
            break
    return views


def nominee_changes(nominee: Nominee) -> QuerySet[NomineeChange]:
    """Editors' merges and splits that involved the nominee, newest first."""
    return (
        NomineeChange.objects.filter(Q(source=nominee) | Q(target=nominee))
        .select_related("source", "target", "actor", "undone_by")
        .order_by("-created_at", "-id")
    )


def nominee_activity(nominee: Nominee) -> QuerySet[ActivityLog]:
    """The nominee's audit trail, newest first."""
    return ActivityLog.objects.filter(subject_type=Nominee._meta.label_lower, subject_id=str(nominee.pk)).select_related("actor")


def nominee_panel(nomination: Nomination) -> dict:
    """What the nomination page shows about its nominee: the record, how this nomination was linked, suggestions."""
    membership = NomineeMembership.objects.select_related("nominee", "nominee__area").filter(nomination=nomination).first()
    if membership is None:
        return {"membership": None, "has_name": bool(nomination.nominee_name.strip())}
    nominee = membership.nominee
    return {
        "membership": membership,
        "link_reasons": describe(membership.reasons),
        "summary": nominee_summary(nominee),
        "suggestions": open_suggestions(nominee, limit=5),
        "has_name": True,
    }
