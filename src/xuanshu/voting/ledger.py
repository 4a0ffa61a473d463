"""The hash chain: each ledger row's hash covers its published columns and the previous row's hash.

Rows are appended only while holding the campaign's `LedgerHead` row lock, by the database vote path (one
ballot at a time) or by the Redis flusher (a batch at a time). Hashes are computed from exactly the columns
the public export carries, so anyone holding the export can re-check the chain and recount the tally.
"""
import datetime as dt

from django.db import connection

from xuanshu.voting.chain import decision_hash, entry_hash  # noqa: F401  (the vote path's names for them)
from xuanshu.voting.enums import VoteStatus
from xuanshu.voting.models import CandidateTally, LedgerEntry, LedgerHead

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Columns written by `append_rows`, in order; the hash covers all but ip, subnet, user_agent and status.
_COLUMNS = [
    "campaign_id", "seq", "attempt_key", "created_at", "voter_hash", "method", "candidate_id", "ip", "subnet",
    "user_agent", "ip_hash", "subnet_hash", "device_hash", "ua_hash", "flags", "decision", "reason", "status",
    "prev_hash", "row_hash",
]


def to_micros(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def from_micros(micros: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=micros)


def rows_for_ballot(meta: dict, decisions: list) -> list[dict]:
    """Unchained rows, one per candidate-vote of a ballot; `meta` is the attempt, `decisions` its outcome."""
    created_us = int(meta["us"])
    return [
        {
            "attempt_key": f"{meta['ballot']}:{index}", "created_us": created_us, "voter_hash": meta["voter"],
            "method": meta["method"], "candidate_id": candidate, "ip": meta["ip"] or None, "subnet": meta["subnet"],
            "user_agent": meta["ua"][:500], "ip_hash": meta["ip_hash"], "subnet_hash": meta["subnet_hash"],
            "device_hash": meta["device"], "ua_hash": meta["ua_hash"], "flags": ",".join(flags),
            "decision": decision, "reason": reason,
        }
        for index, (candidate, decision, reason, flags) in enumerate(decisions)
    ]


def ensure_head(campaign_id: int) -> None:
    LedgerHead.objects.bulk_create([LedgerHead(campaign_id=campaign_id)], ignore_conflicts=True)


def lock_head(campaign_id: int) -> LedgerHead:
    """Lock the chain's head for this transaction (SQLite's IMMEDIATE transactions lock the whole file anyway)."""
    return LedgerHead.objects.select_for_update().get(campaign_id=campaign_id)


def append_rows(head: LedgerHead, rows: list[dict], *, last_stream_id: str = "") -> None:
    """Chain, insert and count `rows`; the caller holds the head lock inside its transaction."""
    if not rows:
        return
    seq, prev = head.last_seq, head.last_hash
    values = []
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        seq += 1
        row_hash = entry_hash(prev, seq, row["attempt_key"], row["created_us"], row["voter_hash"], row["method"],
                              row["candidate_id"], row["ip_hash"], row["subnet_hash"], row["device_hash"],
                              row["ua_hash"], row["flags"], row["decision"], row["reason"])
        values.append((head.campaign_id, seq, row["attempt_key"], from_micros(row["created_us"]), row["voter_hash"],
                       row["method"], row["candidate_id"], row["ip"], row["subnet"], row["user_agent"], row["ip_hash"],
                       row["subnet_hash"], row["device_hash"], row["ua_hash"], row["flags"], row["decision"],
                       row["reason"], row["decision"], prev, row_hash))
        prev = row_hash
        if row["candidate_id"] is not None:
            by_status = counts.setdefault(row["candidate_id"], {})
            by_status[row["decision"]] = by_status.get(row["decision"], 0) + 1
    table = LedgerEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY moves a flusher's batch several times faster than row-by-row INSERTs.
            with cursor.cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})",
                [v[:3] + (adapt(v[3]),) + v[4:] for v in values],
            )
        cursor.execute(
            f"UPDATE {LedgerHead._meta.db_table} SET last_seq = %s, last_hash = %s, last_stream_id = %s WHERE campaign_id = %s",
            [seq, prev, last_stream_id or head.last_stream_id, head.campaign_id],
        )
    head.last_seq, head.last_hash = seq, prev
    head.last_stream_id = last_stream_id or head.last_stream_id
    add_to_tallies(counts)


def add_to_tallies(counts: dict[int, dict[str, int]]) -> None:
    """Add per-candidate, per-status deltas to the live database tallies."""
    if not counts:
        return
    table = CandidateTally._meta.db_table
    statuses = [VoteStatus.ACCEPTED, VoteStatus.QUARANTINED, VoteStatus.FRAUD, VoteStatus.REJECTED]
    assignments = ", ".join(f"{status} = {status} + %s" for status in statuses)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE candidate_id = %s",
            [[by_status.get(status, 0) for status in statuses] + [candidate] for candidate, by_status in counts.items()],
        )
