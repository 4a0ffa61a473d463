"""The only writers of nominees: automatic assignment, editors' merge, split and undo, and the bulk run.

Every write happens with the campaign row locked, so two assignments in one campaign never race to
create the same nominee twice, and each change is audited in its own transaction.
"""
import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuanshu.campaigns.models import Area, Campaign
from xuanshu.core.errors import DomainError, PermissionDenied
from xuanshu.core.services import record_activities, record_activity
from xuanshu.nominations.dedup.clustering import Candidate, Decision, PairMatch, decide
from xuanshu.nominations.dedup.matching import Features, Match, NominationRecord, features_for
from xuanshu.nominations.dedup.models import (
    ChangeKind,
    LinkedBy,
    MergeSuggestion,
    Nominee,
    NomineeChange,
    NomineeMembership,
    NomineeState,
    SuggestionState,
)
from xuanshu.nominations.dedup.names import normalise_name
from xuanshu.nominations.dedup.places import AreaAliases
from xuanshu.nominations.dedup.selectors import resolve_nominee
from xuanshu.nominations.models import Nomination

REVIEW = "nominations.review_nomination"
SYSTEM_LABEL = "dedup"
RECORD_FIELDS = ("id", "nominee_name", "nominee_kind", "area_id", "place_detail", "deeds", "received_at", "channel")


@dataclass(frozen=True)
class Assignment:
    """What assign_nominee did: `outcome` is unnamed, unchanged, new, joined, kept or moved."""

    nominee: Nominee | None
    outcome: str
    score: int | None = None


def _require(actor, permission: str = REVIEW) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(_("You do not have permission to do this."))


def _lock_campaign(campaign_id: int) -> None:
    # One assignment or editor change at a time per campaign (SQLite serialises writers anyway).
    Campaign.objects.select_for_update().filter(pk=campaign_id).values_list("pk").get()


def area_aliases(campaign_id: int) -> AreaAliases:
    return AreaAliases.from_areas(Area.objects.filter(campaign_id=campaign_id).values_list("id", "name", "kind"))


def record_of(row: tuple) -> NominationRecord:
    """A NominationRecord from a values_list(*RECORD_FIELDS) row."""
    nomination_id, name, kind, area_id, place, deeds, received_at, channel = row
    return NominationRecord(nomination_id, name, kind, area_id, place, deeds, received_at, channel)


def _features_of(nomination: Nomination, aliases: AreaAliases) -> Features | None:
    return features_for(record_of(tuple(getattr(nomination, name) for name in RECORD_FIELDS)), aliases)


def _codes(match: Match | None) -> list[dict]:
    return list(match.reasons) if match else []


def _candidates_from_db(campaign_id: int, features: Features, aliases: AreaAliases, *, exclude_nomination: int) -> list[Candidate]:
    """Active nominees with a nomination in the same block (or one a pinyin name read the other way round is in),
    oldest nominee first."""
    rows = (
        NomineeMembership.objects.filter(campaign_id=campaign_id, block_key__in=(features.block_key, *features.other_keys),
                                         nominee__state=NomineeState.ACTIVE)
        .exclude(nomination_id=exclude_nomination)
        .order_by("nominee_id", "nomination__received_at", "nomination_id")
        .values_list("nominee_id", *(f"nomination__{name}" for name in RECORD_FIELDS))
    )
    candidates: dict[int, Candidate] = {}
    for nominee_id, *record in rows:
        member = features_for(record_of(tuple(record)), aliases)
        if member is None:
            continue
        candidate = candidates.setdefault(nominee_id, Candidate(key=nominee_id, order=nominee_id))
        candidate.add(member)
    return list(candidates.values())


# --- automatic assignment ---------------------------------------------------------------------------

def assign_nominee(*, nomination_id: int, reassess: bool = False) -> Assignment:
    """Link a nomination to the nominee it matches automatically, or to a new one; suggest grey-zone matches.

    Idempotent: a linked nomination stays where it is unless `reassess` (its name, place or deeds were
    edited). An editor's link always stands. A nomination without a name waits until it has one.
    """
    campaign_id = Nomination.objects.filter(pk=nomination_id).values_list("campaign_id", flat=True).get()
    with transaction.atomic():
        _lock_campaign(campaign_id)
        nomination = Nomination.objects.get(pk=nomination_id)
        membership = NomineeMembership.objects.select_related("nominee").filter(nomination=nomination).first()
        if membership and not reassess:
            return Assignment(nominee=membership.nominee, outcome="unchanged", score=membership.score)
        aliases = area_aliases(campaign_id)
        features = _features_of(nomination, aliases)
        if features is None:
            return Assignment(nominee=membership.nominee if membership else None, outcome="unnamed")
        if membership and membership.linked_by == LinkedBy.EDITOR:
            # An editor put it there; only the blocking key follows the corrected name.
            _save_membership(membership, block_key=features.block_key)
            _refresh_nominee(membership.nominee)
            return Assignment(nominee=membership.nominee, outcome="unchanged", score=membership.score)
        candidates = _candidates_from_db(campaign_id, features, aliases, exclude_nomination=nomination.pk)
        decision = decide(features, candidates)
        if membership is None:
            assignment = _link_new(nomination, features, decision)
        else:
            assignment = _reassess(membership, features, decision)
        _record_suggestions(campaign_id, assignment.nominee, features, decision.suggestions)
    return assignment


def _link_new(nomination: Nomination, features: Features, decision: Decision) -> Assignment:
    if decision.joins is None:
        nominee = _create_nominee(nomination.campaign_id, features)
        NomineeMembership.objects.create(
            nomination=nomination, nominee=nominee, campaign_id=nomination.campaign_id, block_key=features.block_key,
            linked_by=LinkedBy.NEW,
        )
        record_activity(actor=None, actor_label=SYSTEM_LABEL, action="nominee.create", subject=nominee,
                        new_value={"nomination": nomination.reference})
        return Assignment(nominee=nominee, outcome="new")
    nominee = Nominee.objects.get(pk=decision.joins.candidate)
    match = decision.joins.match
    NomineeMembership.objects.create(
        nomination=nomination, nominee=nominee, campaign_id=nomination.campaign_id, block_key=features.block_key,
        linked_by=LinkedBy.AUTO, score=match.score, reasons=_codes(match),
    )
    _audit_auto_link(nominee, nomination, decision.joins)
    _refresh_nominee(nominee)
    return Assignment(nominee=nominee, outcome="joined", score=match.score)


def _reassess(membership: NomineeMembership, features: Features, decision: Decision) -> Assignment:
    """After an edit: stay, join a better match, or leave a nominee that no longer fits."""
    current = membership.nominee
    has_others = current.memberships.exclude(pk=membership.pk).exists()
    joins = decision.joins
    if joins and joins.candidate == current.pk:
        _save_membership(membership, block_key=features.block_key, score=joins.match.score, reasons=_codes(joins.match))
        _refresh_nominee(current)
        return Assignment(nominee=current, outcome="kept", score=joins.match.score)
    if joins:
        target = Nominee.objects.get(pk=joins.candidate)
        _save_membership(membership, nominee=target, block_key=features.block_key, linked_by=LinkedBy.AUTO,
                         score=joins.match.score, reasons=_codes(joins.match))
        _audit_auto_link(target, membership.nomination, joins)
        if not has_others:
            _absorb_empty(current, target)
        _refresh_nominee(target)
        _refresh_nominee(current)
        return Assignment(nominee=target, outcome="moved", score=joins.match.score)
    if not has_others:
        _save_membership(membership, block_key=features.block_key, linked_by=LinkedBy.NEW, score=None, reasons=[])
        _refresh_nominee(current)
        return Assignment(nominee=current, outcome="kept")
    nominee = _create_nominee(current.campaign_id, features)
    _save_membership(membership, nominee=nominee, block_key=features.block_key, linked_by=LinkedBy.NEW, score=None, reasons=[])
    record_activity(actor=None, actor_label=SYSTEM_LABEL, action="nominee.create", subject=nominee,
                    new_value={"nomination": membership.nomination.reference, "left": current.pk},
                    reason="no longer matches its nominee after an edit")
    _refresh_nominee(current)
    return Assignment(nominee=nominee, outcome="moved")


def _save_membership(membership: NomineeMembership, **changes) -> None:
    for name, value in changes.items():
        setattr(membership, name, value)
    membership.save()


def _create_nominee(campaign_id: int, features: Features) -> Nominee:
    return Nominee.objects.create(campaign_id=campaign_id, name=features.name[:100], kind=features.kind, area_id=features.area_id)


def _absorb_empty(empty: Nominee, into: Nominee) -> None:
    """A nominee whose last nomination moved on points to where it went, so links to it still resolve."""
    empty.state, empty.merged_into = NomineeState.MERGED, into
    empty.save(update_fields=["state", "merged_into", "updated_at"])


def _audit_auto_link(nominee: Nominee, nomination: Nomination, pair: PairMatch) -> None:
    record_activity(
        actor=None, actor_label=SYSTEM_LABEL, action="nominee.auto_link", subject=nominee,
        new_value={"nomination": nomination.reference, "score": pair.match.score,
                   "matched": Nomination.objects.filter(pk=pair.other.nomination_id).values_list("reference", flat=True).first(),
                   "reasons": _codes(pair.match)},
        reason=reason_text(pair.match.reasons),
    )


def reason_text(reasons: list[dict]) -> str:
    """Reasons as a short language-neutral line for the audit log: same_name, same_county, similar_deeds 72%."""
    return ", ".join(f"{r['code']} {r['value']}%" if "value" in r else r["code"] for r in reasons)


def _record_suggestions(campaign_id: int, nominee: Nominee | None, features: Features, pairs: list[PairMatch]) -> int:
    """Keep a grey-zone match as an open suggestion, unless the pair was already decided."""
    if nominee is None:
        return 0
    created = 0
    for pair in pairs:
        if pair.candidate == nominee.pk:
            continue
        (a, nomination_a), (b, nomination_b) = sorted(
            [(nominee.pk, features.nomination_id), (pair.candidate, pair.other.nomination_id)]
        )
        existing = MergeSuggestion.objects.filter(nominee_a_id=a, nominee_b_id=b).first()
        if existing is None:
            MergeSuggestion.objects.create(
                campaign_id=campaign_id, nominee_a_id=a, nominee_b_id=b, nomination_a_id=nomination_a,
                nomination_b_id=nomination_b, score=pair.match.score, reasons=_codes(pair.match),
            )
            created += 1
        elif existing.state == SuggestionState.OPEN and pair.match.score > existing.score:
            existing.score, existing.reasons = pair.match.score, _codes(pair.match)
            existing.nomination_a_id, existing.nomination_b_id = nomination_a, nomination_b
            existing.save(update_fields=["score", "reasons", "nomination_a", "nomination_b"])
    return created


def _refresh_nominee(nominee: Nominee) -> None:
    """Name and kind from the earliest nomination; area the most common among its nominations."""
    rows = list(
        Nomination.objects.filter(nominee_membership__nominee=nominee)
        .order_by("received_at", "id")
        .values_list("nominee_name", "nominee_kind", "area_id")
    )
    if not rows:
        return
    name, kind, _ = rows[0]
    areas = Counter(area for _, _, area in rows if area is not None)
    area_id = areas.most_common(1)[0][0] if areas else nominee.area_id
    name = (normalise_name(name) or nominee.name)[:100]
    if (nominee.name, nominee.kind, nominee.area_id) != (name, kind, area_id):
        nominee.name, nominee.kind, nominee.area_id = name, kind, area_id
        nominee.save(update_fields=["name", "kind", "area", "updated_at"])


# --- editors: merge, split, undo, dismiss -----------------------------------------------------------

def _locked_nominee(pk: int) -> Nominee:
    return Nominee.objects.select_for_update().get(pk=pk)


def _membership_snapshot(memberships) -> list[dict]:
    return [
        {"nomination": m.nomination_id, "linked_by": m.linked_by, "score": m.score, "reasons": m.reasons}
        for m in memberships
    ]


def merge_nominees(*, source: Nominee, target: Nominee, actor, reason: str = "",
                   suggestion: MergeSuggestion | None = None) -> NomineeChange:
    """Move all of source's nominations to target; source then points to target. Undo with undo_merge."""
    _require(actor)
    if source.pk == target.pk:
        raise DomainError(_("A nominee cannot be merged with itself."), code="same_nominee")
    with transaction.atomic():
        _lock_campaign(source.campaign_id)
        source, target = _locked_nominee(source.pk), _locked_nominee(target.pk)
        if source.campaign_id != target.campaign_id:
            raise DomainError(_("These nominees belong to different campaigns."), code="other_campaign")
        if NomineeState.MERGED in (source.state, target.state):
            raise DomainError(_("One of these nominees has already been merged."), code="already_merged")
        if source.kind != target.kind:
            raise DomainError(_("A person and a group cannot be merged; correct the nominee kind first."), code="kind")
        memberships = list(source.memberships.order_by("nomination_id"))
        change = NomineeChange.objects.create(
            campaign_id=source.campaign_id, kind=ChangeKind.MERGE, source=source, target=target,
            moved=_membership_snapshot(memberships), suggestion=suggestion, actor=actor, reason=reason.strip(),
        )
        source.memberships.update(nominee=target, linked_by=LinkedBy.EDITOR, reasons=[{"code": "merged_by_editor"}])
        source.state, source.merged_into = NomineeState.MERGED, target
        source.save(update_fields=["state", "merged_into", "updated_at"])
        _decide_suggestions_between(source.pk, target.pk, state=SuggestionState.MERGED, actor=actor)
        if suggestion is not None:  # made for a nominee merged into one of these since
            MergeSuggestion.objects.filter(pk=suggestion.pk, state=SuggestionState.OPEN).update(
                state=SuggestionState.MERGED, decided_by=actor, decided_at=timezone.now(),
            )
        _refresh_nominee(target)
        references = list(Nomination.objects.filter(pk__in=[m.nomination_id for m in memberships]).values_list("reference", flat=True))
        record_activity(
            actor=actor, action="nominee.merge", subject=target,
            old_value={"nominee": source.pk, "name": source.name}, new_value={"nominee": target.pk, "nominations": sorted(references), "change": change.pk},
            reason=change.reason,
        )
        moved = [m.nomination_id for m in memberships]
        _audit_nominations(
            Nomination.objects.filter(nominee_membership__nominee=target), moved=moved, actor=actor,
            action="nomination.nominee_merge", reason=change.reason,
            moved_values=({"nominee": source.pk, "name": source.name}, {"nominee": target.pk, "name": target.name, "change": change.pk}),
            stayed_values=(None, {"merged_in": source.pk, "name": source.name, "change": change.pk}),
        )
    return change


def _audit_nominations(nominations, *, moved, actor, action: str, reason: str, moved_values: tuple,
                       stayed_values: tuple | None = None) -> None:
    """An editor's nominee change written on each nomination it concerns too, so it shows in their own histories.

    The nominations in `moved` changed nominee: (old, new) `moved_values`; the others kept theirs, which
    gained or lost nominations: `stayed_values`.
    """
    moved = set(moved)
    entries = []
    for nomination in nominations.select_related("campaign").only("id", "campaign").order_by("id"):
        values = moved_values if nomination.pk in moved else stayed_values
        if values is None:
            continue
        entries.append({"actor": actor, "action": action, "subject": nomination, "campaign": nomination.campaign,
                        "old_value": values[0], "new_value": values[1], "reason": reason})
    record_activities(entries)


def split_nomination(*, nomination: Nomination, actor, reason: str = "") -> NomineeChange:
    """Take one nomination out of its nominee into a nominee of its own. Undo with undo_split."""
    _require(actor)
    with transaction.atomic():
        _lock_campaign(nomination.campaign_id)
        membership = NomineeMembership.objects.select_for_update().filter(nomination_id=nomination.pk).first()
        if membership is None:
            raise DomainError(_("This nomination is not linked to a nominee yet."), code="unassigned")
        source = _locked_nominee(membership.nominee_id)
        if not source.memberships.exclude(pk=membership.pk).exists():
            raise DomainError(_("This nomination is already the only one of its nominee."), code="alone")
        snapshot = _membership_snapshot([membership])
        target = Nominee.objects.create(
            campaign_id=source.campaign_id, name=(normalise_name(nomination.nominee_name) or source.name)[:100],
            kind=nomination.nominee_kind, area_id=nomination.area_id,
        )
        _save_membership(membership, nominee=target, linked_by=LinkedBy.EDITOR, score=None, reasons=[{"code": "split_by_editor"}])
        change = NomineeChange.objects.create(
            campaign_id=source.campaign_id, kind=ChangeKind.SPLIT, source=source, target=target, moved=snapshot,
            actor=actor, reason=reason.strip(),
        )
        # The editor said these differ: keep the pair from being suggested again.
        _remember_decision(source, target, nomination, actor=actor)
        _refresh_nominee(source)
        record_activity(
            actor=actor, action="nominee.split", subject=source,
            old_value={"nominee": source.pk}, new_value={"nominee": target.pk, "nomination": nomination.reference, "change": change.pk},
            reason=change.reason,
        )
        _audit_nominations(
            Nomination.objects.filter(pk=nomination.pk), moved=[nomination.pk], actor=actor,
            action="nomination.nominee_split", reason=change.reason,
            moved_values=({"nominee": source.pk, "name": source.name}, {"nominee": target.pk, "name": target.name, "change": change.pk}),
        )
    return change


def undo_merge(*, change: NomineeChange, actor, reason: str = "") -> NomineeChange:
    """Give a merged nominee back its nominations, as they were linked before the merge."""
    if change.kind != ChangeKind.MERGE:
        raise DomainError(_("This change is not a merge."), code="not_a_merge")
    return _undo(change=change, actor=actor, reason=reason)


def undo_split(*, change: NomineeChange, actor, reason: str = "") -> NomineeChange:
    """Put a split-off nomination back into the nominee it was taken from."""
    if change.kind != ChangeKind.SPLIT:
        raise DomainError(_("This change is not a split."), code="not_a_split")
    return _undo(change=change, actor=actor, reason=reason)


def undo_change(*, change: NomineeChange, actor, reason: str = "") -> NomineeChange:
    """Undo an editor's merge or split."""
    return _undo(change=change, actor=actor, reason=reason)


def _undo(*, change: NomineeChange, actor, reason: str) -> NomineeChange:
    _require(actor)
    with transaction.atomic():
        _lock_campaign(change.campaign_id)
        change = NomineeChange.objects.select_for_update().get(pk=change.pk)
        if change.undone_at is not None:
            raise DomainError(_("This change has already been undone."), code="already_undone")
        source, target = _locked_nominee(change.source_id), _locked_nominee(change.target_id)
        if target.state != NomineeState.ACTIVE:
            raise DomainError(_("The nominee has since been merged elsewhere; undo that merge first."), code="undo_later_first")
        if change.kind == ChangeKind.MERGE and source.merged_into_id != target.pk:
            raise DomainError(_("The merged nominee has changed since; this merge cannot be undone."), code="changed_since")
        if change.kind == ChangeKind.SPLIT and source.state != NomineeState.ACTIVE:
            raise DomainError(_("The nominee has since been merged elsewhere; undo that merge first."), code="undo_later_first")
        restored = []
        for before in change.moved:
            moved = NomineeMembership.objects.filter(nomination_id=before["nomination"], nominee=target).first()
            if moved is None:
                continue  # moved on since (split off again): it stays where the editor put it
            _save_membership(moved, nominee=source, linked_by=before["linked_by"], score=before["score"], reasons=before["reasons"])
            restored.append(before["nomination"])
        if change.kind == ChangeKind.MERGE:
            source.state, source.merged_into = NomineeState.ACTIVE, None
            source.save(update_fields=["state", "merged_into", "updated_at"])
            if change.suggestion_id:
                MergeSuggestion.objects.filter(pk=change.suggestion_id).update(state=SuggestionState.OPEN, decided_by=None, decided_at=None)
        elif not target.memberships.exists():
            _absorb_empty(target, source)
        change.undone_at, change.undone_by = timezone.now(), actor
        change.save(update_fields=["undone_at", "undone_by"])
        _refresh_nominee(source)
        _refresh_nominee(target)
        record_activity(
            actor=actor, action=f"nominee.undo_{change.kind}", subject=source,
            old_value={"nominee": target.pk}, new_value={"nominee": source.pk, "nominations": restored, "change": change.pk},
            reason=reason.strip(),
        )
        # Undoing a merge concerns every nomination the merge was written on; undoing a split, the ones it moves back.
        _audit_nominations(
            Nomination.objects.filter(nominee_membership__nominee__in=[source, target] if change.kind == ChangeKind.MERGE else [source]),
            moved=restored, actor=actor, action=f"nomination.nominee_undo_{change.kind}", reason=reason.strip(),
            moved_values=({"nominee": target.pk, "name": target.name}, {"nominee": source.pk, "name": source.name, "change": change.pk}),
            stayed_values=(None, {"separated": source.pk, "name": source.name, "change": change.pk}) if change.kind == ChangeKind.MERGE else None,
        )
    return change


def dismiss_suggestion(*, suggestion: MergeSuggestion, actor, reason: str = "") -> MergeSuggestion:
    """An editor judged the two nominees to be different: the pair is not suggested again."""
    _require(actor)
    with transaction.atomic():
        locked = MergeSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if locked.state != SuggestionState.OPEN:
            raise DomainError(_("This suggestion has already been decided."), code="decided")
        locked.state, locked.decided_by, locked.decided_at = SuggestionState.DISMISSED, actor, timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        record_activity(
            actor=actor, action="nominee.suggestion_dismiss", subject=locked.nominee_a,
            old_value={"state": SuggestionState.OPEN}, new_value={"state": locked.state, "other": locked.nominee_b_id, "score": locked.score},
            reason=reason.strip(),
        )
    return locked


def accept_suggestion(*, suggestion: MergeSuggestion, actor, reason: str = "") -> NomineeChange:
    """Merge the two nominees of a suggestion: the one with fewer nominations into the other (the older on a tie)."""
    if suggestion.state != SuggestionState.OPEN:
        raise DomainError(_("This suggestion has already been decided."), code="decided")
    # Either side may have been merged since: the suggestion stands for the nominees they live on in.
    a, b = resolve_nominee(suggestion.nominee_a), resolve_nominee(suggestion.nominee_b)
    if a.pk == b.pk:
        raise DomainError(_("One of these nominees has already been merged."), code="already_merged")
    sizes = {nominee.pk: nominee.memberships.count() for nominee in (a, b)}
    target, source = (a, b) if sizes[a.pk] >= sizes[b.pk] else (b, a)
    return merge_nominees(source=source, target=target, actor=actor, reason=reason, suggestion=suggestion)


def _decide_suggestions_between(first: int, second: int, *, state: str, actor) -> None:
    a, b = sorted((first, second))
    MergeSuggestion.objects.filter(nominee_a_id=a, nominee_b_id=b, state=SuggestionState.OPEN).update(
        state=state, decided_by=actor, decided_at=timezone.now(),
    )


def _remember_decision(source: Nominee, target: Nominee, nomination: Nomination, *, actor) -> None:
    (a, nomination_a), (b, nomination_b) = sorted([(source.pk, nomination.pk), (target.pk, nomination.pk)])
    MergeSuggestion.objects.create(
        campaign_id=source.campaign_id, nominee_a_id=a, nominee_b_id=b, nomination_a_id=nomination_a,
        nomination_b_id=nomination_b, score=0, reasons=[{"code": "split_by_editor"}], state=SuggestionState.DISMISSED,
        decided_by=actor, decided_at=timezone.now(),
    )


# --- the bulk run ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunSummary:
    nominations: int  # assigned by this run
    new_nominees: int
    joined: int  # nominations that joined a nominee automatically
    suggestions: int
    removed_nominees: int  # by --rebuild
    seconds: float


def cluster_campaign(*, campaign: Campaign, rebuild: bool = False, actor=None, timings: dict | None = None) -> RunSummary:
    """Assign every named, unassigned nomination of a campaign in one pass, in the order they arrived.

    With `rebuild`, automatic nominees are dropped first and rebuilt; nominees that editors touched
    (merged, split, linked, or a decided suggestion) are kept as they are.
    """
    from xuanshu.nominations.dedup.bulk import drop_automatic_nominees, run_clustering

    started = timezone.now()
    with transaction.atomic():
        _lock_campaign(campaign.pk)
        removed = drop_automatic_nominees(campaign_id=campaign.pk) if rebuild else 0
        counts = run_clustering(campaign_id=campaign.pk, aliases=area_aliases(campaign.pk), timings=timings)
        seconds = (timezone.now() - started) / dt.timedelta(seconds=1)
        summary = RunSummary(removed_nominees=removed, seconds=round(seconds, 2), **counts)
        record_activity(
            actor=actor, actor_label=SYSTEM_LABEL, action="dedup.run", subject=campaign, campaign=campaign,
            new_value={"rebuild": rebuild, **summary.__dict__},
        )
    return summary
