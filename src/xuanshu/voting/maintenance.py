"""Housekeeping of the vote: purging expired key-value state, repairing Redis's live tallies, counting the fraud
dashboard's whole-vote snapshots ahead of the editors.

Both run beside live voting. The purge deletes in short transactions, so the vote path (which on SQLite
needs the one write lock) never waits long behind it. The repair holds the campaign's ledger head, as the
flusher and the editors' decisions do, so the ledger it counts cannot move while it rewrites the tallies.
"""
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from xuanshu.core.errors import DomainError
from xuanshu.core.services import record_activity
from xuanshu.voting import backend, ledger
from xuanshu.voting.models import Ballot, CandidateTally, LedgerEntry, VotingState

PURGE_BATCH = 1000
REPAIR_MAX_PENDING = 50_000  # stream entries the repair script may read in its one atomic step
STATUSES = ("accepted", "quarantined", "fraud", "rejected")


def purge_expired_state(*, now: float | None = None, batch_size: int = PURGE_BATCH, pause_seconds: float = 0.01) -> int:
    """Delete VotingState rows whose `expires_at` has passed, a batch per transaction; returns how many went."""
    cutoff = int(time.time() if now is None else now)
    deleted = 0
    while True:
        with transaction.atomic():
            batch = VotingState.objects.filter(expires_at__lt=cutoff).values("pk")[:batch_size]
            # The expiry is checked again by the DELETE itself: a key the vote path refreshed after the batch was
            # chosen (PostgreSQL re-reads a row updated under it) has a later expiry by then and stays.
            count, _by_model = VotingState.objects.filter(pk__in=batch, expires_at__lt=cutoff).delete()
        deleted += count
        if count < batch_size:
            return deleted
        if pause_seconds:
            time.sleep(pause_seconds)  # let waiting vote writers take the lock between batches


@dataclass
class TallyRepair:
    """Redis's live tallies of one campaign before and after a repair, per candidate and status."""

    campaign_id: int
    before: dict[int, dict[str, int]]
    after: dict[int, dict[str, int]]
    pending: int  # acknowledged ballots still in the stream, counted in beside the ledger
    written: bool
    ledger_vs_database: list[int] = field(default_factory=list)  # candidates whose database tally disagrees too

    @property
    def differences(self) -> dict[int, tuple[dict[str, int], dict[str, int]]]:
        """Candidates whose tallies change: {candidate id: (before, after)}, every status filled in."""
        changed = {}
        for candidate in sorted(set(self.before) | set(self.after)):
            old, new = _full(self.before.get(candidate)), _full(self.after.get(candidate))
            if old != new:
                changed[candidate] = (old, new)
        return changed


def _full(by_status: dict[str, int] | None) -> dict[str, int]:
    return {status: int((by_status or {}).get(status, 0)) for status in STATUSES}


def repair_redis_tallies(*, campaign, actor=None, dry_run: bool = False) -> TallyRepair:
    """Recount the campaign's ledger and rewrite Redis's live tallies to match; audited when anything changes.

    Run `votes flush` first (the command does): the stream entries not yet in the ledger are counted inside
    the same atomic Redis step, but only up to REPAIR_MAX_PENDING of them. A decision committed just before the
    repair whose Redis update has not run yet would be counted twice; `votes verify` shows it, a second repair
    fixes it.
    """
    if not backend.uses_redis():
        raise DomainError(_("No Redis is configured: the database tallies are written with the ledger."),
                          code="no_redis")
    from xuanshu.voting import store_redis

    ballot = Ballot.objects.filter(campaign=campaign).first()
    if ballot is None:
        raise DomainError(_("This campaign's ballot is not open."), code="no_ballot")
    with transaction.atomic():
        head = ledger.lock_head(campaign.pk)
        pending = store_redis.pending(campaign.pk)
        if pending > REPAIR_MAX_PENDING:
            raise DomainError(
                _("%(count)d ballots are still waiting in the Redis stream: run `votes flush` first.") % {"count": pending},
                code="stream_not_drained",
            )
        counts: dict[int, dict[str, int]] = {}
        rows = (LedgerEntry.objects.filter(campaign_id=campaign.pk, candidate__isnull=False)
                .values("candidate_id", "status").annotate(n=Count("id")).order_by())
        for row in rows:
            counts.setdefault(row["candidate_id"], {})[row["status"]] = row["n"]
        in_database = {
            tally.candidate_id: {status: getattr(tally, status) for status in STATUSES}
            for tally in CandidateTally.objects.filter(candidate__campaign_id=campaign.pk)
        }
        mismatched = sorted(c for c in set(counts) | set(in_database) if _full(counts.get(c)) != _full(in_database.get(c)))
        before, after, counted = store_redis.rewrite_tallies(campaign.pk, counts, head.last_stream_id, write=not dry_run)
        repair = TallyRepair(campaign_id=campaign.pk, before=before, after=after, pending=counted,
                             written=not dry_run, ledger_vs_database=mismatched)
        changed = repair.differences
        if changed and not dry_run:
            record_activity(
                actor=actor, actor_label="cli", action="voting.repair_tallies", subject=ballot, campaign=campaign,
                old_value={"tallies": {str(c): old for c, (old, _new) in changed.items()}},
                new_value={"tallies": {str(c): new for c, (_old, new) in changed.items()}, "pending_ballots": counted},
                reason="Redis tallies recounted from the ledger",
            )
    return repair


# As many clusters as the dashboard asks for: the ones it shows and one more, to know whether it cut the list.
DASHBOARD_CLUSTERS = 51


def refresh_whole_vote_snapshots(*, now=None) -> int:
    """Count the whole vote's clusters of every campaign whose voting window is open, by every grouping, and keep
    them as the dashboard's snapshots (`selectors.whole_vote_clusters`); returns how many campaigns."""
    from django.utils import timezone

    from xuanshu.campaigns.models import Stage
    from xuanshu.voting.selectors import CLUSTER_DIMENSIONS, whole_vote_clusters

    now = now or timezone.now()
    campaign_ids = sorted(set(
        Stage.objects.filter(kind="voting", starts_at__lte=now, ends_at__gt=now, campaign__ballot__isnull=False)
        .values_list("campaign_id", flat=True)
    ))
    for campaign_id in campaign_ids:
        for dimension in CLUSTER_DIMENSIONS:
            whole_vote_clusters(campaign_id, dimension, limit=DASHBOARD_CLUSTERS, refresh=True)
    return len(campaign_ids)
