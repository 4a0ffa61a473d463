"""Reads for the public pages and the console: candidates, public counts, a voter's day, fraud clusters."""
import datetime as dt
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from xuanshu.voting import backend
from xuanshu.voting.config import VOTING_TZ, VoteConfig
from xuanshu.voting.enums import WEAKER_METHODS, CountDisplay, VoteStatus
from xuanshu.voting.models import Candidate, CandidateTally, LedgerEntry, VoteDecision, Voter


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
    "time": ("hour",),  # the local hour the votes were cast in, annotated below
}
# The column that identifies a cluster of each dimension (the others only describe it).
CLUSTER_KEY_COLUMNS = {"candidate": "candidate_id", "subnet": "subnet_hash", "device": "device_hash",
                       "user_agent": "ua_hash", "voter": "voter_hash", "time": "hour"}
HOUR = dt.timedelta(hours=1)


# How far back the dashboard looks. Counted votes default to the last day: they are most of a ledger, and
# grouping all of them takes seconds on a large one (bench/fraud_dashboard.py).
WINDOWS = {"1h": dt.timedelta(hours=1), "24h": dt.timedelta(days=1), "7d": dt.timedelta(days=7), "all": None}


def default_window(status: str) -> str:
    return "24h" if status == VoteStatus.ACCEPTED else "all"


class UtcHour(TruncHour):
    """The UTC hour of a time. Native SQL on both databases: Django's TruncHour on SQLite calls a Python function
    per row (10× slower on a large ledger). Beijing time is UTC+8, a whole number of hours, so each UTC hour is
    exactly one Beijing hour: `_as_local_hours` converts the buckets after the query."""

    def __init__(self, expression, **extra):
        super().__init__(expression, tzinfo=dt.UTC, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC; "%%" because Django formats the query once more.
        return f"strftime('%%Y-%%m-%%d %%H:00:00', {sql})", params


def _as_local_hours(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["hour"] = row["hour"].astimezone(VOTING_TZ)
    return rows


def suspicious_clusters(campaign_id: int, dimension: str, *, status: str = VoteStatus.QUARANTINED,
                        since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int = 50) -> list[dict]:
    """Groups of votes in `status` (cast in [since, until) when given) by one dimension, largest first, with
    their time span and methods. The index `ledger_status_time` finds the status and the window."""
    columns = CLUSTER_DIMENSIONS[dimension]
    votes = LedgerEntry.objects.filter(campaign_id=campaign_id, status=status)
    if since is not None:
        votes = votes.filter(created_at__gte=since)
    # The counted votes of the whole vote are most of the ledger: a bound on the time would make SQLite walk
    # ledger_status_time and sort every group, where the dimension's own index yields the groups in order
    # (1.4-1.9x faster on 300,000 rows). Unbounded, the counts may include the votes cast while the page is
    # drawn; the page's buttons still act up to `until` only.
    if until is not None and (since is not None or status != VoteStatus.ACCEPTED):
        votes = votes.filter(created_at__lt=until)
    if dimension == "time":
        votes = votes.annotate(hour=UtcHour("created_at"))
    rows = list(
        votes.values(*columns)
        .annotate(votes=Count("id"), voters=Count("voter_hash", distinct=True), first=Min("created_at"),
                  last=Max("created_at"), weaker=Count("id", filter=Q(method__in=WEAKER_METHODS)))
        .order_by("-votes", *columns)[:limit]
    )
    return _as_local_hours(rows) if dimension == "time" else rows


# The counted votes of the whole vote are most of the ledger: grouping them reads it all (seconds at a few hundred
# thousand votes, more on a real campaign's millions). The dashboard reads them from a snapshot at most this old,
# which the task worker renews during the vote and any decision discards.
WHOLE_VOTE_SNAPSHOT_SECONDS = 600


def _whole_vote_key(campaign_id: int, dimension: str) -> str:
    return f"voting:whole-vote-clusters:{campaign_id}:{dimension}"


def whole_vote_clusters(campaign_id: int, dimension: str, *, limit: int, refresh: bool = False) -> tuple[list[dict], dt.datetime]:
    """(clusters, as of when) of the counted votes of the whole vote by `dimension`: the snapshot when there is one
    at most WHOLE_VOTE_SNAPSHOT_SECONDS old and `refresh` is not asked, else counted now and kept. Acting on a
    cluster acts on its votes cast until the snapshot's time, the votes it counted."""
    key = _whole_vote_key(campaign_id, dimension)
    snapshot = None if refresh else cache.get(key)
    if snapshot is None or snapshot["limit"] < limit:  # a snapshot of fewer clusters cannot say what it cut
        until = timezone.now()
        rows = suspicious_clusters(campaign_id, dimension, status=VoteStatus.ACCEPTED, until=until, limit=limit)
        snapshot = {"rows": rows, "until": until, "limit": limit}
        cache.set(key, snapshot, WHOLE_VOTE_SNAPSHOT_SECONDS)
    return [dict(row) for row in snapshot["rows"][:limit]], snapshot["until"]


def forget_whole_vote_clusters(campaign_id: int) -> None:
    """Discard a campaign's snapshots (a decision moved votes: the next view counts again)."""
    cache.delete_many([_whole_vote_key(campaign_id, dimension) for dimension in CLUSTER_DIMENSIONS])


@dataclass(frozen=True)
class ClusterSelection:
    """The votes of one dashboard cluster: equal column values, and for an hour its [since, until) window."""

    filters: dict = field(default_factory=dict)
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def aware_time(text: str) -> dt.datetime:
    """A time the dashboard wrote into a link or a form, with its UTC offset; ValueError otherwise."""
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a time needs its UTC offset")
    return moment.astimezone(dt.UTC)


def cluster_selection(dimension: str, value: str, *, since: str = "", until: str = "") -> ClusterSelection:
    """The selection behind a cluster's value as the dashboard shows it, within the window [since, until) the
    dashboard was looking at (ISO times, empty for unbounded); ValueError when it cannot be one."""
    if dimension not in CLUSTER_KEY_COLUMNS:
        raise ValueError(f"unknown cluster dimension {dimension!r}")
    window_since = aware_time(since) if since else None
    window_until = aware_time(until) if until else None
    if dimension == "time":
        start = aware_time(value)
        return ClusterSelection(since=max(start, window_since or start),
                                until=min(start + HOUR, window_until or start + HOUR))
    if "\x00" in value:  # PostgreSQL refuses NUL in text: it can be no cluster's value
        raise ValueError("a cluster value holds no NUL")
    if dimension == "candidate" and not (value.isascii() and value.isdigit() and int(value) < 2**63):
        raise ValueError("a candidate cluster is a candidate's id")
    return ClusterSelection(filters={CLUSTER_KEY_COLUMNS[dimension]: value}, since=window_since, until=window_until)


def cluster_votes(campaign_id: int, filters: dict, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
                  status: str = "", limit: int = 200) -> QuerySet[LedgerEntry]:
    votes = LedgerEntry.objects.filter(campaign_id=campaign_id, **filters).select_related("candidate")
    if since is not None:
        votes = votes.filter(created_at__gte=since)
    if until is not None:
        votes = votes.filter(created_at__lt=until)
    if status:
        votes = votes.filter(status=status)
    return votes.order_by("-seq")[:limit]


def weaker_counted(campaign_id: int) -> dict[int, int]:
    """Counted (accepted) votes per candidate that came through a weaker identity check, from the ledger.
    The partial index `ledger_weaker` holds only those votes, so the dashboard does not scan the ledger."""
    rows = (
        LedgerEntry.objects.filter(campaign_id=campaign_id, method__in=sorted(WEAKER_METHODS), status=VoteStatus.ACCEPTED)
        .exclude(candidate_id=None).values("candidate_id").annotate(n=Count("id")).order_by()
    )
    return {row["candidate_id"]: row["n"] for row in rows}


def weaker_count(by_method: dict[str, int]) -> int:
    """How many of these votes came through a weaker identity check (device token and captcha)."""
    return sum(n for method, n in by_method.items() if method in WEAKER_METHODS)


def recent_decisions(campaign_id: int, limit: int = 30) -> QuerySet[VoteDecision]:
    return VoteDecision.objects.filter(campaign_id=campaign_id).select_related("actor", "reverses").prefetch_related("reversals")[:limit]


def still_reversible(decision: VoteDecision) -> bool:
    """Whether reversing `decision` would move anything back: some vote or voter it moved is still where it put
    them (services.reverse_decision refuses otherwise). Reads in chunks and stops at the first one found."""
    by_target: dict[str, list[int]] = {}
    for seq, _old, new in decision.changes:
        by_target.setdefault(new, []).append(seq)
    for status, seqs in by_target.items():
        for start in range(0, len(seqs), 500):
            if LedgerEntry.objects.filter(campaign_id=decision.campaign_id, status=status,
                                          seq__in=seqs[start:start + 500]).exists():
                return True
    voters = [(voter, new) for voter, _old, new in decision.voter_changes]
    return any(Voter.objects.filter(campaign_id=decision.campaign_id, voter_hash=voter, state=state).exists()
               for voter, state in voters[:500])
