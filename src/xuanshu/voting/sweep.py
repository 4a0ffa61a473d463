"""Quarantine the earlier votes of a cluster once it trips a rule.

A vote farm's first votes in an hour pass before its cluster grows past the threshold; when a later vote of
the same cluster (candidate, subnet and user agent; or device) is flagged, the earlier accepted votes of that
cluster are quarantined too, as a system decision that an editor can reverse. Each cluster is swept once per
window (a marker in VotingState), so the cost stays with the clusters, not with the votes.
"""
import datetime as dt

from xuanshu.voting.enums import DecisionAction, Rule, VoteStatus
from xuanshu.voting.models import LedgerEntry, LedgerHead, VotingState

_SWEPT_RULES = {Rule.SUBNET_CLUSTER, Rule.SHARED_DEVICE, Rule.REGULAR_GAPS}


def _clusters(rows: list[dict]) -> dict[str, tuple[str, dict]]:
    found: dict[str, tuple[str, dict]] = {}
    for row in rows:
        flags = set(row["flags"].split(",")) if row["flags"] else set()
        hit = flags & _SWEPT_RULES
        if not hit:
            continue
        t = row["created_us"] // 1_000_000
        if Rule.SUBNET_CLUSTER in hit or Rule.REGULAR_GAPS in hit:
            hour = t // 3600
            rule = Rule.SUBNET_CLUSTER if Rule.SUBNET_CLUSTER in hit else Rule.REGULAR_GAPS
            marker = f"swept:{rule}:{row['candidate_id']}:{row['subnet_hash']}:{row['ua_hash']}:{hour}"
            found.setdefault(marker, (rule, {
                "candidate_id": row["candidate_id"], "subnet_hash": row["subnet_hash"], "ua_hash": row["ua_hash"],
                # the gaps rule looks back over the votes that made the gaps regular, up to two hours
                "since": (hour * 3600) if rule == Rule.SUBNET_CLUSTER else t - 7200, "until": t,
            }))
        if Rule.SHARED_DEVICE in hit and row["device_hash"]:
            day_start = t - 86400
            marker = f"swept:{Rule.SHARED_DEVICE}:{row['device_hash']}:{t // 86400}"
            found.setdefault(marker, (Rule.SHARED_DEVICE, {"device_hash": row["device_hash"], "since": day_start, "until": t}))
    return found


def sweep_after_append(campaign_id: int, rows: list[dict], head: LedgerHead | None = None) -> int:
    """Quarantine earlier accepted votes of newly flagged clusters; returns how many moved."""
    from xuanshu.voting.decisions import apply_decision
    from xuanshu.voting.ledger import from_micros, lock_head

    clusters = _clusters(rows)
    if not clusters:
        return 0
    prefix = f"v{campaign_id}:"
    markers = {f"{prefix}{marker}" for marker in clusters}
    done = set(VotingState.objects.filter(name__in=markers).values_list("name", flat=True))
    moved = 0
    for marker, (rule, where) in clusters.items():
        if f"{prefix}{marker}" in done:
            continue
        since, until = where.pop("since"), where.pop("until")
        filters = {f"{k}": v for k, v in where.items()}
        seqs = list(LedgerEntry.objects.filter(
            campaign_id=campaign_id, status=VoteStatus.ACCEPTED, **filters,
            created_at__gte=from_micros(since * 1_000_000), created_at__lte=from_micros((until + 1) * 1_000_000),
        ).values_list("seq", flat=True))
        VotingState.objects.create(name=f"{prefix}{marker}", value="1", expires_at=until + 3 * 86400)
        if not seqs:
            continue
        head = head or lock_head(campaign_id)
        apply_decision(
            head=head, action=DecisionAction.QUARANTINE, actor_label="sweeper",
            reason=f"Earlier votes of a cluster that tripped the {rule} rule",
            selection={"rule": rule, **where, "since": _iso(since), "until": _iso(until)},
            changes=[(seq, VoteStatus.ACCEPTED, VoteStatus.QUARANTINED) for seq in seqs],
        )
        moved += len(seqs)
    return moved


def _iso(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat()
