"""The voting app's writers: rules from the campaign file, opening the ballot, casting, voters, decisions."""
import datetime as dt
import itertools
import os
import secrets
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuanshu.core.errors import DomainError, PermissionDenied
from xuanshu.core.redaction import redact_addresses
from xuanshu.core.services import record_activity
from xuanshu.nominations.dedup.models import NomineeMembership
from xuanshu.nominations.enums import NominationState
from xuanshu.nominations.models import Nomination
from xuanshu.voting import backend, identity, ledger
from xuanshu.voting.config import VoteConfig, forget
from xuanshu.voting.decisions import apply_decision
from xuanshu.voting.engine import Attempt, Outcome
from xuanshu.voting.enums import DecisionAction, Reason, VoterState, VoteStatus
from xuanshu.voting.models import Ballot, Candidate, CandidateTally, LedgerEntry, VoteDecision, Voter, VotingRules

REVIEW = "nominations.review_nomination"
# Ballot ids: unique per process start and counter, without a system call per ballot.
_BALLOT_PREFIX = f"{secrets.token_hex(6)}{os.getpid() % 65536:04x}"
_ballot_counter = itertools.count(1)
_RULE_FIELDS = {
    "identity_methods": "identity_methods", "votes_per_day": "votes_per_day",
    "votes_per_candidate_per_day": "votes_per_candidate_per_day",
    "min_candidates_per_ballot": "min_candidates_per_ballot", "count_display": "count_display",
    "count_rounding": "count_rounding", "thresholds": "thresholds", "sms_limits": "sms_limits",
}


def sync_voting_rules(*, campaign, spec, changes: dict) -> VotingRules:
    """Write the campaign file's `[voting]` table; called by `load_campaign` inside its transaction."""
    rules = VotingRules.objects.filter(campaign=campaign).first() or VotingRules(campaign=campaign)
    for field, attribute in _RULE_FIELDS.items():
        value = getattr(spec, attribute)
        if rules.pk is None or getattr(rules, field) != value:
            changes[f"voting.{field}"] = {"old": None if rules.pk is None else getattr(rules, field), "new": value}
            setattr(rules, field, value)
    if rules.pk is None or any(key.startswith("voting.") for key in changes):
        rules.full_clean(exclude=["campaign"])
        rules.save()
    # Now for this transaction's own reads, and again after the commit in case a request of this process cached
    # the old rules in between. Other processes refresh their snapshot within config.REFRESH_SECONDS.
    forget(campaign.slug)
    transaction.on_commit(lambda: forget(campaign.slug))
    return rules


def _require(actor, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(_("You do not have permission to do this."))


def open_ballot(*, campaign, actor=None) -> Ballot:
    """Freeze the campaign's shortlisted nominations into numbered candidates; opening again changes nothing."""
    _require(actor, REVIEW)
    if not VotingRules.objects.filter(campaign=campaign).exists():
        raise DomainError(_("This campaign has no [voting] table in its campaign file."), code="no_voting")
    with transaction.atomic():
        existing = Ballot.objects.select_for_update().filter(campaign=campaign).first()
        if existing:
            return existing
        shortlisted = list(
            Nomination.objects.filter(campaign=campaign, state=NominationState.SHORTLISTED)
            .select_related("category", "inbound").prefetch_related("inbound__attachments")
            .order_by("category__sort_order", "nominee_name", "reference")
        )
        if not shortlisted:
            raise DomainError(_("No nomination is shortlisted yet."), code="nothing_shortlisted")
        shortlisted, folded = _one_per_nominee(shortlisted)
        ballot = Ballot.objects.create(campaign=campaign, opened_at=timezone.now(),
                                       opened_by=actor if getattr(actor, "is_authenticated", False) else None)
        candidates = Candidate.objects.bulk_create([
            Candidate(
                campaign=campaign, number=number, nomination=nomination, display_name=nomination.nominee_name,
                category=nomination.category, summary=nomination.deeds[:500], photo_ref=_first_photo(nomination),
            )
            for number, nomination in enumerate(shortlisted, start=1)
        ])
        candidates = list(Candidate.objects.filter(campaign=campaign))
        CandidateTally.objects.bulk_create([CandidateTally(candidate=c) for c in candidates])
        ledger.ensure_head(campaign.pk)
        record_activity(
            actor=actor, actor_label="cli", action="voting.open_ballot", subject=ballot, campaign=campaign,
            new_value={"candidates": [[c.number, c.display_name, c.nomination.reference] for c in candidates],
                       "same_nominee": folded},
        )
    forget(campaign.slug)
    return ballot


def _one_per_nominee(shortlisted: list[Nomination]) -> tuple[list[Nomination], dict[str, str]]:
    """One candidate per nominee: its earliest shortlisted nomination stands for all of them, so that a person
    nominated many times is on the ballot once and gets every vote. Also returns {folded: standing} references."""
    nominee_of = dict(NomineeMembership.objects.filter(nomination__in=shortlisted).values_list("nomination_id", "nominee_id"))
    standing: dict[int | str, Nomination] = {}
    for nomination in sorted(shortlisted, key=lambda n: (n.received_at, n.pk)):
        standing.setdefault(nominee_of.get(nomination.pk, f"nomination:{nomination.pk}"), nomination)
    kept = {nomination.pk for nomination in standing.values()}
    folded = {
        nomination.reference: standing[nominee_of[nomination.pk]].reference
        for nomination in shortlisted if nomination.pk not in kept
    }
    return [nomination for nomination in shortlisted if nomination.pk in kept], folded


def _first_photo(nomination) -> str:
    attachment = next(iter(nomination.inbound.attachments.all()), None)
    return f"attachment:{attachment.pk}" if attachment else ""


def register_voter(*, campaign_id: int, method: str, identity_value: str, label: str) -> Voter:
    """The voter for a verified identity, created on first verification; returns it with its state."""
    hashed = identity.voter_hash(campaign_id, method, identity_value)
    voter, _created = Voter.objects.get_or_create(
        campaign_id=campaign_id, voter_hash=hashed, defaults={"method": method, "label": label[:40]},
    )
    return voter


def cast_ballot(*, config: VoteConfig, voter: tuple[str, str] | None, candidates: list[int], ip: str,
                user_agent: str, device_token: str, nonce: str = "", now: float | None = None) -> Outcome:
    """Decide and record one ballot: every attempt lands in the ledger, whatever the outcome."""
    return backend.store().cast(*prepare_ballot(
        config=config, voter=voter, candidates=candidates, ip=ip, user_agent=user_agent, device_token=device_token,
        nonce=nonce, now=now))


async def cast_ballot_async(*, config: VoteConfig, voter: tuple[str, str] | None, candidates: list[int], ip: str,
                            user_agent: str, device_token: str, nonce: str = "") -> Outcome:
    """`cast_ballot` for the asynchronous vote path: the same decision, awaited instead of blocking a thread."""
    return await backend.store().cast_async(*prepare_ballot(
        config=config, voter=voter, candidates=candidates, ip=ip, user_agent=user_agent, device_token=device_token,
        nonce=nonce))


def prepare_ballot(*, config: VoteConfig, voter: tuple[str, str] | None, candidates: list[int], ip: str,
                   user_agent: str, device_token: str, nonce: str = "", now: float | None = None) -> tuple[Attempt, dict]:
    """The ballot as the stores take it: the attempt to decide, and the ledger's record of who sent it."""
    t = time.time() if now is None else now
    day, hour = config.local_day_and_hour(t)
    method, voter_hash = voter or ("", "")
    ip_value, subnet, ip_hash, subnet_hash = identity.network_hashes(ip)
    ua = user_agent[:500]
    device = identity.device_hash(device_token)
    pre_reason = _pre_reason(config, t, method, voter_hash, candidates)
    valid = [c for c in candidates if c in config.candidate_ids] if pre_reason != Reason.UNKNOWN_CANDIDATE else []
    ballot_id = f"{_BALLOT_PREFIX}{next(_ballot_counter):x}"
    attempt = Attempt(
        campaign_id=config.campaign_id, ballot_id=ballot_id, t=t, day=day, local_hour=hour, voter_hash=voter_hash,
        method=method, candidates=valid, votes_per_day=config.votes_per_day,
        votes_per_candidate_per_day=config.votes_per_candidate_per_day, ip=ip_value, subnet=subnet, ip_hash=ip_hash,
        subnet_hash=subnet_hash, device_hash=device, ua_hash=identity.ua_hash(ua), user_agent=ua,
        dedupe_key=identity.keyed_hash("nonce", f"{voter_hash}:{nonce[:64]}") if nonce and voter_hash else "",
        pre_reason=pre_reason, thresholds=config.thresholds,
    )
    meta = {
        "ballot": ballot_id, "us": int(t * 1_000_000), "voter": voter_hash, "method": method, "ip": ip_value,
        "subnet": subnet, "ua": ua, "ip_hash": ip_hash, "subnet_hash": subnet_hash, "device": device,
        "ua_hash": attempt.ua_hash,
    }
    return attempt, meta


def _pre_reason(config: VoteConfig, t: float, method: str, voter_hash: str, candidates: list[int]) -> str:
    if not config.window_open(t):
        return Reason.OUTSIDE_WINDOW
    if not voter_hash or method not in config.identity_methods:
        return Reason.IDENTITY_REQUIRED
    if not candidates:
        return Reason.EMPTY_BALLOT
    if any(c not in config.candidate_ids for c in candidates):
        return Reason.UNKNOWN_CANDIDATE
    if len(set(candidates)) != len(candidates):
        return Reason.DUPLICATE_CANDIDATE
    if len(candidates) < max(config.min_candidates, 1):
        return Reason.TOO_FEW_CANDIDATES
    return ""


# --- editors' decisions ---------------------------------------------------------------------------------

_TARGETS = {
    DecisionAction.RELEASE: (VoteStatus.ACCEPTED, {VoteStatus.QUARANTINED, VoteStatus.FRAUD}),
    DecisionAction.QUARANTINE: (VoteStatus.QUARANTINED, {VoteStatus.ACCEPTED}),
    DecisionAction.CONFIRM_FRAUD: (VoteStatus.FRAUD, {VoteStatus.ACCEPTED, VoteStatus.QUARANTINED}),
}
CLUSTER_KEYS = {"candidate_id", "subnet_hash", "device_hash", "ua_hash", "voter_hash"}


def _reason_or_refuse(reason: str) -> str:
    """The reason as it is recorded: it is hash-chained and published in the audit record, so a phone number,
    e-mail or IP address an editor types into it is masked first (it could never be taken out afterwards)."""
    reason = redact_addresses((reason or "").strip())
    if not reason:
        raise DomainError(_("Please give a reason for this decision."), code="reason_required")
    return reason


@dataclass(frozen=True)
class DecisionPlan:
    """What a decision would move: the chosen votes, plus for a fraud confirmation the voters it marks 弊 and
    their other counted or quarantined votes. Shown to the editor before a fraud confirmation is made."""

    chosen: int
    changes: list
    voter_changes: list
    selection: dict

    @property
    def other_votes(self) -> int:
        """Votes moved only because their voter is marked 弊 (outside the chosen cluster)."""
        return len(self.changes) - self.chosen


def plan_decision(*, campaign, action: str, seqs: list[int] | None = None, cluster: dict | None = None,
                  since: dt.datetime | None = None, until: dt.datetime | None = None, flag: str = "",
                  status: str = "") -> DecisionPlan:
    """The moves `decide_votes` would make now; reads only. DomainError when there is nothing to move."""
    if action not in _TARGETS:
        raise DomainError(_("Unknown decision."), code="unknown_action")
    target, sources = _TARGETS[action]
    if status:
        sources = sources & {status}
    cluster = {k: v for k, v in (cluster or {}).items() if k in CLUSTER_KEYS and v not in (None, "")}
    if not seqs and not cluster and not (since and until):
        raise DomainError(_("Choose the votes to decide on."), code="empty_selection")
    votes = LedgerEntry.objects.filter(campaign=campaign, status__in=sources, **cluster)
    if seqs:
        votes = votes.filter(seq__in=seqs)
    if since:
        votes = votes.filter(created_at__gte=since)
    if until:
        votes = votes.filter(created_at__lt=until)
    if flag:
        votes = votes.filter(flags__contains=flag)
    rows = list(votes.order_by("seq").values_list("seq", "status", "voter_hash"))
    changes = [(seq, old, target) for seq, old, _voter in rows]
    if not changes:
        raise DomainError(_("None of the chosen votes can be moved that way."), code="nothing_to_move")
    voter_changes = []
    if action == DecisionAction.CONFIRM_FRAUD:
        voter_changes = _voters_to_mark_fraud(campaign, {voter for _seq, _old, voter in rows if voter})
        # A voter marked 弊 has none of their votes counted, as when one voter is marked (mark_voter_fraud).
        changes = sorted({*changes, *_votes_of_voters(campaign, [v for v, _old, _new in voter_changes])})
    selection = {**cluster, **({"seqs": sorted(seqs)} if seqs else {}), **({"flag": flag} if flag else {}),
                 **({"since": since.isoformat()} if since else {}), **({"until": until.isoformat()} if until else {}),
                 **({"status": status} if status else {})}
    return DecisionPlan(chosen=len(rows), changes=changes, voter_changes=voter_changes, selection=selection)


def decide_votes(*, campaign, action: str, actor, reason: str, seqs: list[int] | None = None,
                 cluster: dict | None = None, since: dt.datetime | None = None, until: dt.datetime | None = None,
                 flag: str = "", status: str = "") -> VoteDecision:
    """Release, quarantine or confirm as fraud the votes of a cluster, an hour or a list; audited and reversible.

    `status` limits the move to the votes in that status, the ones the dashboard showed. Confirming fraud also
    marks the votes' voters as fraud (弊), which blocks them, in the same decision: reversing it frees them.
    """
    _require(actor, REVIEW)
    reason = _reason_or_refuse(reason)
    with transaction.atomic():
        head = ledger.lock_head(campaign.pk)
        plan = plan_decision(campaign=campaign, action=action, seqs=seqs, cluster=cluster, since=since, until=until,
                             flag=flag, status=status)
        return apply_decision(head=head, action=action, reason=reason, actor=actor, selection=plan.selection,
                              changes=plan.changes, voter_changes=plan.voter_changes)


def _voters_to_mark_fraud(campaign, voter_hashes: set[str]) -> list[tuple[str, str, str]]:
    voters, marks = sorted(voter_hashes), []
    for start in range(0, len(voters), 500):
        marks.extend(
            (voter_hash, state, VoterState.FRAUD)
            for voter_hash, state in Voter.objects.filter(campaign=campaign, voter_hash__in=voters[start:start + 500])
            .exclude(state=VoterState.FRAUD).order_by("voter_hash").values_list("voter_hash", "state")
        )
    return marks


def _votes_of_voters(campaign, voter_hashes: list[str]) -> list[tuple[int, str, str]]:
    """The counted and quarantined votes of these voters, as moves to fraud."""
    moves = []
    for start in range(0, len(voter_hashes), 500):
        moves.extend(
            (seq, status, VoteStatus.FRAUD) for seq, status in LedgerEntry.objects.filter(
                campaign=campaign, voter_hash__in=voter_hashes[start:start + 500],
                status__in=[VoteStatus.ACCEPTED, VoteStatus.QUARANTINED],
            ).values_list("seq", "status")
        )
    return moves


def mark_voter_fraud(*, campaign, voter_hash: str, actor, reason: str) -> VoteDecision:
    """Mark a voter as fraud (弊): their counted and quarantined votes become fraud and they are blocked."""
    _require(actor, REVIEW)
    reason = _reason_or_refuse(reason)
    with transaction.atomic():
        head = ledger.lock_head(campaign.pk)
        voter = Voter.objects.filter(campaign=campaign, voter_hash=voter_hash).first()
        if voter is None:
            raise DomainError(_("No such voter."), code="no_voter")
        if voter.state == VoterState.FRAUD:
            raise DomainError(_("This voter is already marked as fraud."), code="already_fraud")
        changes = [
            (seq, status, VoteStatus.FRAUD)
            for seq, status in LedgerEntry.objects.filter(
                campaign=campaign, voter_hash=voter_hash, status__in=[VoteStatus.ACCEPTED, VoteStatus.QUARANTINED]
            ).order_by("seq").values_list("seq", "status")
        ]
        return apply_decision(
            head=head, action=DecisionAction.MARK_VOTER_FRAUD, reason=reason, actor=actor,
            selection={"voter_hash": voter_hash}, changes=changes,
            voter_changes=[(voter_hash, VoterState.OK, VoterState.FRAUD)],
        )


def reverse_decision(*, decision: VoteDecision, actor, reason: str) -> VoteDecision:
    """Undo a decision: each vote it moved goes back, if nothing has moved it since; voters likewise."""
    _require(actor, REVIEW)
    reason = _reason_or_refuse(reason)
    with transaction.atomic():
        head = ledger.lock_head(decision.campaign_id)
        decision = VoteDecision.objects.get(pk=decision.pk)
        if decision.reversals.exists():
            raise DomainError(_("This decision has already been reversed."), code="already_reversed")
        current = dict(
            LedgerEntry.objects.filter(campaign_id=decision.campaign_id, seq__in=[c[0] for c in decision.changes])
            .values_list("seq", "status")
        )
        changes = [(seq, new, old) for seq, old, new in decision.changes if current.get(seq) == new]
        states = dict(Voter.objects.filter(
            campaign_id=decision.campaign_id, voter_hash__in=[v[0] for v in decision.voter_changes]
        ).values_list("voter_hash", "state"))
        voter_changes = [(v, new, old) for v, old, new in decision.voter_changes if states.get(v) == new]
        if not changes and not voter_changes:
            # Recording it would mark the decision reversed for good while moving nothing back.
            raise DomainError(_("Nothing to reverse: later decisions have already moved every vote and voter this "
                                "decision moved. Decide on them as they are now."), code="nothing_to_reverse")
        return apply_decision(
            head=head, action=DecisionAction.REVERSE, reason=reason, actor=actor,
            selection={"decision": decision.seq}, changes=changes, voter_changes=voter_changes, reverses=decision,
        )
