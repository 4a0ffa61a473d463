"""Reads of nominees: summaries (counts, channels, dates), suggestions, changes, and the console's panels."""
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet
from django.db.models.lookups import In

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


def _open_between_active() -> QuerySet[MergeSuggestion]:
    """Open suggestions whose two nominees are both still active: each stands for exactly those two."""
    return MergeSuggestion.objects.filter(
        state=SuggestionState.OPEN, nominee_a__state=NomineeState.ACTIVE, nominee_b__state=NomineeState.ACTIVE,
    ).order_by()


@dataclass(frozen=True)
class OpenSuggestionCheck:
    """Which nominations belong to a nominee that open_suggestions() would list at least one suggestion for, as
    query expressions over nominations (no query per row), in the two shapes a queue needs.

    An open suggestion between two active nominees stands for those two, and is looked up in the database. One with
    a side merged into another nominee since is rare (an editor's merge): those are read ahead and each side followed
    to where it lives on, so that one counts for the nominees it now stands for (`through_merges`), and not once
    both sides are one nominee.
    """

    through_merges: frozenset[int]

    def _nominee(self, a: Q | Exists, b: Q | Exists) -> Q:
        condition = Q(a) | Q(b)
        if not self.through_merges:
            return condition
        # A bare lookup on the column: a foreign key's `__in` prepares each of hundreds of ids on every page.
        return condition | Q(In(F("nominee_id"), sorted(self.through_merges)))

    def flag(self) -> Exists:
        """EXISTS for the outer query's nomination (`OuterRef("pk")`), read per row through the indexes: for
        flagging a page of rows."""
        nominee = self._nominee(
            Exists(_open_between_active().filter(nominee_a=OuterRef("nominee_id"))),
            Exists(_open_between_active().filter(nominee_b=OuterRef("nominee_id"))),
        )
        return Exists(NomineeMembership.objects.filter(nominee, nomination=OuterRef("pk")))

    def nomination_ids(self) -> QuerySet[NomineeMembership]:
        """The ids of every such nomination, as a subquery the database reads once: for filtering a whole queue."""
        nominee = self._nominee(
            Q(nominee_id__in=_open_between_active().values("nominee_a")),
            Q(nominee_id__in=_open_between_active().values("nominee_b")),
        )
        return NomineeMembership.objects.filter(nominee).values("nomination_id")


def _lives_on(nominee_id: int, merged_into: dict[int, int]) -> int | None:
    """Where a nominee now lives on, given where each merged nominee was merged into (resolve_nominee without a query
    per step: a nominee is active or merged, so one that was not merged is active); None for a loop."""
    seen = set()
    while nominee_id in merged_into:
        if nominee_id in seen:
            return None
        seen.add(nominee_id)
        nominee_id = merged_into[nominee_id]
    return nominee_id


def open_suggestion_check(*, campaign_id: int | None = None) -> OpenSuggestionCheck:
    """The check for nominations with an open merge suggestion: two queries read ahead where each merged nominee
    was merged into, and the open suggestions (of `campaign_id` only, if given) with a side among them."""
    # A nominee has merged_into exactly when it is merged (a constraint): its index covers this read.
    merged = Nominee.objects.filter(merged_into__isnull=False).order_by()
    merged_into = dict(merged.values_list("pk", "merged_into_id"))
    if not merged_into:
        return OpenSuggestionCheck(through_merges=frozenset())
    suggestions = MergeSuggestion.objects.filter(
        Q(nominee_a__in=merged.values("pk")) | Q(nominee_b__in=merged.values("pk")), state=SuggestionState.OPEN,
    )
    if campaign_id is not None:
        suggestions = suggestions.filter(campaign_id=campaign_id)
    through_merges = set()
    for a, b in suggestions.order_by().values_list("nominee_a_id", "nominee_b_id"):
        a, b = _lives_on(a, merged_into), _lives_on(b, merged_into)
        if a is not None and b is not None and a != b:
            through_merges.update((a, b))
    return OpenSuggestionCheck(through_merges=frozenset(through_merges))


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
