"""Reads for the public pages and the console: candidates, public counts, a voter's day, fraud clusters."""
import time
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet

from xuanshu.voting import backend
from xuanshu.voting.config import VoteConfig
from xuanshu.voting.enums import CountDisplay, VoteStatus
from xuanshu.voting.models import Candidate, CandidateTally, LedgerEntry, VoteDecision


def ballot_candidates(campaign_id: int) -> QuerySet[Candidate]:
    return Candidate.objects.filter(campaign_id=campaign_id, is_active=True).select_related("category").order_by("number")


def accepted_counts(config: VoteConfig) -> dict[int, int]:
    """Counted (accepted) votes per candidate: live from Redis when configured, else from the database."""
    if backend.uses_redis():
        from xuanshu.voting import store_redis

        return store_redis.tallies(config.campaign_id)["accepted"]
    return dict(CandidateTally.objects.filter(candidate__campaign_id=config.campaign_id).values_list("candidate_id", "accepted"))


def public_counts(config: VoteConfig) -> dict[int, str]:
    """What the page shows per candidate under the campaign's count display rule; empty when hidden."""
    if config.count_display == CountDisplay.HIDDEN:
        return {}
    counts = accepted_counts(config)
    if config.count_display == CountDisplay.ROUNDED:
        step = config.count_rounding
        return {c: (f"{(n // step) * step}+" if n >= step else f"<{step}") for c, n in counts.items()}
    return {c: str(n) for c, n in counts.items()}


@dataclass(frozen=True)
class VoterDay:
    remaining: int
    used_for: dict[int, int]


def voter_day(config: VoteConfig, voter_hash: str, candidate_ids, now: float | None = None) -> VoterDay:
    day, _hour = config.local_day_and_hour(time.time() if now is None else now)
    store = backend.store()
    return VoterDay(
        remaining=store.remaining_today(config.campaign_id, voter_hash, day, config.votes_per_day),
        used_for=store.used_for_candidates(config.campaign_id, voter_hash, day, candidate_ids),
    )


# --- the fraud dashboard --------------------------------------------------------------------------------

CLUSTER_DIMENSIONS = {
    "candidate": ("candidate_id",),
    "subnet": ("subnet", "subnet_hash"),
    "device": ("device_hash",),
    "user_agent": ("ua_hash", "user_agent"),
    "voter": ("voter_hash",),
}


def suspicious_clusters(campaign_id: int, dimension: str, *, status: str = VoteStatus.QUARANTINED, limit: int = 50) -> list[dict]:
    """Groups of votes in `status` by one dimension, largest first, with their time span and methods."""
    columns = CLUSTER_DIMENSIONS[dimension]
    rows = (
        LedgerEntry.objects.filter(campaign_id=campaign_id, status=status)
        .values(*columns)
        .annotate(votes=Count("id"), voters=Count("voter_hash", distinct=True), first=Min("created_at"),
                  last=Max("created_at"), weaker=Count("id", filter=Q(method="device")))
        .order_by("-votes")[:limit]
    )
    return list(rows)


def cluster_votes(campaign_id: int, filters: dict, *, status: str = "", limit: int = 200) -> QuerySet[LedgerEntry]:
    votes = LedgerEntry.objects.filter(campaign_id=campaign_id, **filters).select_related("candidate")
    if status:
        votes = votes.filter(status=status)
    return votes.order_by("-seq")[:limit]


def status_totals(campaign_id: int) -> dict[str, int]:
    rows = LedgerEntry.objects.filter(campaign_id=campaign_id).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def recent_decisions(campaign_id: int, limit: int = 30) -> QuerySet[VoteDecision]:
    return VoteDecision.objects.filter(campaign_id=campaign_id).select_related("actor", "reverses").prefetch_related("reversals")[:limit]
