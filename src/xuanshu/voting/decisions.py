"""Moving votes between accepted, quarantined (疑) and fraud (弊): the one writer of a vote's status.

A decision is itself chained (like the ledger) and audited; its inverse is another decision, so every move
can be reversed and the recount in `votes verify` can replay them all. Callers hold the ledger head lock.
"""
import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from xuanshu.core.services import record_activity
from xuanshu.voting import ledger
from xuanshu.voting.models import LedgerEntry, LedgerHead, VoteDecision, Voter


def apply_decision(*, head: LedgerHead, action: str, reason: str, actor=None, actor_label: str = "",
                   selection: dict, changes: list[tuple[int, str, str]], voter_changes: list[tuple[str, str, str]] = (),
                   reverses: VoteDecision | None = None, now: dt.datetime | None = None) -> VoteDecision:
    """Write the status moves, tallies, voter states and the chained decision row, then audit them."""
    from xuanshu.voting import backend

    campaign_id = head.campaign_id
    now = now or timezone.now()
    seqs = [seq for seq, _old, _new in changes]
    candidates = dict(
        LedgerEntry.objects.filter(campaign_id=campaign_id, seq__in=seqs).values_list("seq", "candidate_id")
    ) if seqs else {}
    by_target: dict[str, list[int]] = {}
    moves: dict[tuple[int, str], int] = {}
    for seq, old, new in changes:
        by_target.setdefault(new, []).append(seq)
        candidate = candidates[seq]
        moves[(candidate, old)] = moves.get((candidate, old), 0) - 1
        moves[(candidate, new)] = moves.get((candidate, new), 0) + 1
    for status, targets in by_target.items():
        for start in range(0, len(targets), 500):
            LedgerEntry.objects.filter(campaign_id=campaign_id, seq__in=targets[start:start + 500]).update(status=status)
    deltas: dict[int, dict[str, int]] = {}
    for (candidate, status), delta in moves.items():
        deltas.setdefault(candidate, {})[status] = delta
    ledger.add_to_tallies(deltas)
    for voter_hash, _old, new in voter_changes:
        Voter.objects.filter(campaign_id=campaign_id, voter_hash=voter_hash).update(state=new)

    seq = head.last_decision_seq + 1
    actor_name = actor.get_username() if actor is not None else (actor_label or "system")
    change_rows = [list(change) for change in changes]
    voter_rows = [list(change) for change in voter_changes]
    row_hash = ledger.decision_hash(
        head.last_decision_hash, seq, ledger.to_micros(now), actor_name, action, reason, selection, change_rows,
        voter_rows, reverses.seq if reverses else None,
    )
    decision = VoteDecision.objects.create(
        campaign_id=campaign_id, seq=seq, created_at=now, actor=actor, actor_label=actor_name, action=action,
        reason=reason, selection=selection, changes=change_rows, voter_changes=voter_rows, reverses=reverses,
        prev_hash=head.last_decision_hash, row_hash=row_hash,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LedgerHead._meta.db_table} SET last_decision_seq = %s, last_decision_hash = %s WHERE campaign_id = %s",
            [seq, row_hash, campaign_id],
        )
    head.last_decision_seq, head.last_decision_hash = seq, row_hash
    record_activity(
        actor=actor, actor_label=actor_label, action=f"vote.{action}", subject=decision, campaign=decision.campaign,
        old_value={"votes": len(changes), "voters": [v[0][:12] for v in voter_changes]},
        new_value={"selection": selection, "moved": _summary(changes)}, reason=reason,
    )
    from xuanshu.voting.selectors import forget_whole_vote_clusters

    transaction.on_commit(lambda: forget_whole_vote_clusters(campaign_id))  # the dashboard's snapshots predate it
    # Redis holds the live tallies and block list on the Redis path: bring them along once the database commits.
    if backend.uses_redis():
        from xuanshu.voting import store_redis

        redis_moves = {key: delta for key, delta in moves.items() if delta}
        blocks = [(v, new == "fraud") for v, _old, new in voter_changes]
        transaction.on_commit(lambda: _sync_redis(campaign_id, redis_moves, blocks, store_redis))
    else:
        from xuanshu.voting import store_db

        for voter_hash, _old, new in voter_changes:
            store_db.set_blocked(campaign_id, voter_hash, new == "fraud")
    return decision


def _sync_redis(campaign_id, moves, blocks, store_redis) -> None:
    store_redis.move_tallies(campaign_id, moves)
    for voter_hash, blocked in blocks:
        store_redis.set_blocked(campaign_id, voter_hash, blocked)


def _summary(changes) -> dict:
    summary: dict[str, int] = {}
    for _seq, old, new in changes:
        summary[f"{old}->{new}"] = summary.get(f"{old}->{new}", 0) + 1
    return summary
