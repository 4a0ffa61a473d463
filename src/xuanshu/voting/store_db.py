"""The database vote path (the embedded SQLite default, or PostgreSQL without Redis).

Ballots are decided and written in transactions that hold the campaign's ledger head: on PostgreSQL a row
lock, on SQLite the IMMEDIATE transaction's write lock. Concurrent ballots in one process are group-
committed: the first to arrive leads and writes every ballot queued by then in one transaction, the others
wait for that commit. A ballot is acknowledged only after the commit that holds it. The key-value state is
read and written with plain DB-API statements on primary keys (no ORM) to keep each ballot's cost small.
"""
import contextlib
import fcntl

from django.db import connection, transaction

from xuanshu.voting import engine, ledger
from xuanshu.voting.engine import Attempt, Outcome
from xuanshu.voting.grouping import GroupRunner, LoopGroupRunner
from xuanshu.voting.models import LedgerHead, VotingState
from xuanshu.voting.sweep import sweep_after_append

_TABLE = VotingState._meta.db_table
PREFETCH_CHUNK = 500  # names per IN (…): well under SQLite's and PostgreSQL's limits on parameters


# A member set is stored as one row per member, plus a row holding the set's size. The sets hold voters, and
# a member's row is filed under the voter (`v<campaign>:q:<voter>|<set>`, beside the voter's day, engine._Keys)
# so that a ballot's new rows share index pages. Migration 0003 renamed the rows of the earlier `<set>|<voter>`.
def _member_row(key: str, member: str) -> str:
    campaign, _, rest = key.partition(":")
    return f"{campaign}:q:{member}|{rest}"


def _size_row(key: str) -> str:
    return f"{key}#n"


class SqlOps:
    """engine.StateOps over the VotingState table; every statement is a primary-key lookup or upsert."""

    def __init__(self, cursor, now: float, placeholder: str = "%s"):
        self.cursor = cursor
        self.expires = int(now) + engine.KEY_TTL
        q = placeholder
        self._incr = (f"INSERT INTO {_TABLE} (name, value, expires_at) VALUES ({q}, {q}, {q}) ON CONFLICT (name) "
                      f"DO UPDATE SET value = CAST(CAST({_TABLE}.value AS BIGINT) + {q} AS TEXT) RETURNING value")
        self._get = f"SELECT value FROM {_TABLE} WHERE name = {q}"
        self._set = (f"INSERT INTO {_TABLE} (name, value, expires_at) VALUES ({q}, {q}, {q}) "
                     f"ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        self._add = f"INSERT INTO {_TABLE} (name, value, expires_at) VALUES ({q}, '1', {q}) ON CONFLICT (name) DO NOTHING"

    def incr(self, key: str, by: int = 1) -> int:
        self.cursor.execute(self._incr, (key, str(by), self.expires, by))
        return int(self.cursor.fetchone()[0])

    def get(self, key: str) -> str | None:
        self.cursor.execute(self._get, (key,))
        row = self.cursor.fetchone()
        return row[0] if row else None

    def set(self, key: str, value) -> None:
        self.cursor.execute(self._set, (key, str(value), self.expires))

    def add_member(self, key: str, member: str) -> int:
        self.cursor.execute(self._add, (_member_row(key, member), self.expires))
        if self.cursor.rowcount == 1:
            return self.incr(_size_row(key))
        return self.member_count(key)

    def member_count(self, key: str) -> int:
        return int(self.get(_size_row(key)) or 0)


class BatchOps:
    """engine.StateOps for one batch inside one transaction: each key is read at most once, and everything
    written goes back in one statement at the end. The batch holds the write lock, so nothing else can change
    a key in between; a hot key (the campaign's totals, a busy candidate, a school's address) then costs one
    read and one write per batch instead of several per ballot."""

    def __init__(self, cursor, placeholder: str):
        self.cursor, self.q = cursor, placeholder
        self.values: dict[str, str | None] = {}
        self.dirty: set[str] = set()
        self.expires = 0

    def at(self, now: float) -> "BatchOps":
        self.expires = max(self.expires, int(now) + engine.KEY_TTL)
        return self

    def prefetch(self, keys: list[str], members: list[tuple[str, str | None]]) -> None:
        """Read these keys and member sets (see engine.reads) in a few queries rather than one query each."""
        wanted = set(keys)
        for key, member in members:
            wanted.add(_size_row(key))
            if member is not None:
                wanted.add(_member_row(key, member))
        wanted.difference_update(self.values)
        names = sorted(wanted)
        for start in range(0, len(names), PREFETCH_CHUNK):
            chunk = names[start:start + PREFETCH_CHUNK]
            self.cursor.execute(f"SELECT name, value FROM {_TABLE} WHERE name IN ({', '.join([self.q] * len(chunk))})", chunk)
            self.values.update(dict.fromkeys(chunk))  # absent keys are known to be absent
            self.values.update(self.cursor.fetchall())

    def get(self, key: str) -> str | None:
        if key not in self.values:
            self.cursor.execute(f"SELECT value FROM {_TABLE} WHERE name = {self.q}", (key,))
            row = self.cursor.fetchone()
            self.values[key] = row[0] if row else None
        return self.values[key]

    def set(self, key: str, value) -> None:
        self.values[key] = value  # a VelocityState stays numbers until write_back formats it
        self.dirty.add(key)

    def incr(self, key: str, by: int = 1) -> int:
        value = int(self.get(key) or 0) + by
        self.set(key, str(value))
        return value

    def add_member(self, key: str, member: str) -> int:
        if self.get(_member_row(key, member)) is None:
            self.set(_member_row(key, member), "1")
            return self.incr(_size_row(key))
        return self.member_count(key)

    def member_count(self, key: str) -> int:
        return int(self.get(_size_row(key)) or 0)

    def write_back(self) -> None:
        if not self.dirty:
            return
        q = self.q
        self.cursor.executemany(
            f"INSERT INTO {_TABLE} (name, value, expires_at) VALUES ({q}, {q}, {q}) "
            f"ON CONFLICT (name) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
            [(key, str(self.values[key]), self.expires) for key in sorted(self.dirty)],
        )
        self.dirty.clear()


def cast(attempt: Attempt, meta: dict) -> Outcome:
    """Decide and record one ballot; returns once the transaction holding it has committed."""
    return _group.submit((attempt, meta))


async def cast_async(attempt: Attempt, meta: dict) -> Outcome:
    """`cast` from an event loop: the ballots that arrive while a batch is being written wait on the loop, and
    go to the process's one writer thread together as the next batch (one transaction, one thread wake-up)."""
    return await _loop_group.submit((attempt, meta))


def _write_on_writer_thread(batch: list[tuple[Attempt, dict]]) -> list[Outcome]:
    # The writer thread lives as long as the server and keeps its connection as long: reconnecting for each
    # batch (SQLite's CONN_MAX_AGE is 0) took a fifth of the writer's time. A connection that broke is dropped.
    if connection.connection is not None and connection.errors_occurred:
        if connection.is_usable():
            connection.errors_occurred = False
        else:
            connection.close()
    return _write_together(batch)


@contextlib.contextmanager
def _write_turn():
    """On a SQLite file, the vote writers of all server processes take turns on a file lock before they open
    their transaction. SQLite's own wait for its write lock sleeps in steps of up to 100 ms, which made the
    slowest ballots wait that long; the kernel hands a file lock over the moment it is released."""
    name = str(connection.settings_dict["NAME"]) if connection.vendor == "sqlite" else ""
    if not name or name == ":memory:" or name.startswith("file:"):
        yield
        return
    with open(f"{name}.vote-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# Campaign id -> until when ballot nonces recorded under their name before the present layout (engine._Keys)
# still live: only an earlier version wrote them, so it is read once per process.
_legacy_dedupe_until: dict[int, int] = {}


def legacy_dedupe(cursor, campaign_id: int, now: float) -> bool:
    """Whether nonces recorded before the upgrade to the present layout may still be live (see engine.decide)."""
    until = _legacy_dedupe_until.get(campaign_id)
    if until is None:
        prefix = f"v{campaign_id}:dd:"
        if connection.vendor == "sqlite":  # names compare byte by byte: a range on the primary key's index
            cursor.execute(f"SELECT MAX(expires_at) FROM {_TABLE} WHERE name >= ? AND name < ?", (prefix, f"{prefix[:-1]};"))
        else:  # a collation may not order punctuation by bytes; LIKE uses Django's pattern index on the name
            cursor.execute(f"SELECT MAX(expires_at) FROM {_TABLE} WHERE name LIKE %s", (f"{prefix}%",))
        until = _legacy_dedupe_until[campaign_id] = cursor.fetchone()[0] or 0
    return now <= until


def _write_together(batch: list[tuple[Attempt, dict]]) -> list[Outcome]:
    """Decide and write a batch of ballots in one transaction; outcomes in the batch's order."""
    outcomes: dict[int, Outcome] = {}
    by_campaign: dict[int, list[int]] = {}
    for index, (attempt, _meta) in enumerate(batch):
        by_campaign.setdefault(attempt.campaign_id, []).append(index)
    default_th = engine.thresholds()
    with _write_turn(), transaction.atomic():
        connection.ensure_connection()
        placeholder = "?" if connection.vendor == "sqlite" else "%s"
        for campaign_id, indexes in by_campaign.items():
            head = _lock_head(campaign_id)
            raw = connection.connection.cursor()
            try:
                ops = BatchOps(raw, placeholder)
                legacy = legacy_dedupe(raw, campaign_id, batch[indexes[0]][0].t)
                needed = [engine.reads(batch[index][0], legacy_dedupe=legacy) for index in indexes]
                ops.prefetch([key for keys, _ in needed for key in keys], [m for _, members in needed for m in members])
                rows = []
                for index in indexes:
                    attempt, meta = batch[index]
                    outcomes[index] = engine.decide(ops.at(attempt.t), attempt, attempt.thresholds or default_th,
                                                    legacy_dedupe=legacy)
                    rows.extend(ledger.rows_for_ballot(meta, outcomes[index].decisions))
                ops.write_back()
            finally:
                raw.close()
            ledger.append_rows(head, rows)
            sweep_after_append(campaign_id, rows, head)
    return [outcomes[index] for index in range(len(batch))]


_group = GroupRunner(_write_together, max_batch=200)
_loop_group = LoopGroupRunner(_write_on_writer_thread, max_batch=200, thread_name="vote-db-writer")


def _lock_head(campaign_id: int) -> LedgerHead:
    suffix = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT last_seq, last_hash, last_decision_seq, last_decision_hash, last_stream_id "
            f"FROM {LedgerHead._meta.db_table} WHERE campaign_id = %s{suffix}", [campaign_id])
        row = cursor.fetchone()
    if row is None:
        raise LedgerHead.DoesNotExist(f"no ledger head for campaign {campaign_id}: open the ballot first")
    return LedgerHead(campaign_id=campaign_id, last_seq=row[0], last_hash=row[1], last_decision_seq=row[2],
                      last_decision_hash=row[3], last_stream_id=row[4])


def remaining_today(campaign_id: int, voter: str, day: int, votes_per_day: int) -> int:
    used = VotingState.objects.filter(name=f"v{campaign_id}:q:{voter}:{day}").values_list("value", flat=True).first()
    return max(votes_per_day - int(used or 0), 0)


def used_for_candidates(campaign_id: int, voter: str, day: int, candidate_ids) -> dict[int, int]:
    """Votes this voter gave each candidate today (the page greys out spent candidates)."""
    prefix = f"v{campaign_id}:q:{voter}:{day}:"
    rows = VotingState.objects.filter(name__in=[f"{prefix}{c}" for c in candidate_ids]).values_list("name", "value")
    return {int(name[len(prefix):]): int(value) for name, value in rows}


def set_blocked(campaign_id: int, voter: str, blocked: bool) -> None:
    key = f"v{campaign_id}:blocked:{voter}"
    if blocked:
        VotingState.objects.update_or_create(name=key, defaults={"value": "1", "expires_at": 2**62})
    else:
        VotingState.objects.filter(name=key).delete()
