"""The Redis vote path: one atomic script per ballot; a flusher moves the ledger stream into the database.

"Acknowledged" means the script returned: by then the quota is taken, the tallies counted and the ledger
entry appended to the campaign's Redis stream, all in one atomic step. The stream is the durable buffer
(run Redis with `appendonly yes`); the flusher copies entries into the database in batches, in one
transaction that holds the ledger head and records the last stream entry it took, and deletes them from the
stream only after that commit. Entries the head already covers (the flusher died between commit and delete)
are deleted without being written again, so flushing is idempotent.

Concurrent ballots share round trips: on the asynchronous vote path (`cast_async`, production) the ballots
of one event-loop turn go out in one write (`redis_async`); on the threaded path (`cast`, the Django view)
the group runner pipelines the scripts of the threads waiting together.
"""
import functools
import hashlib
import json
import socket
import threading
from pathlib import Path

import hiredis
import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

from xuanshu.voting import engine, ledger, redis_async
from xuanshu.voting.engine import Attempt, Outcome
from xuanshu.voting.grouping import GroupRunner
from xuanshu.voting.sweep import sweep_after_append

_SCRIPT = (Path(__file__).parent / "cast.lua").read_text()
FLUSH_BATCH = 2000


def redis_url() -> str:
    # Read once per process (the settings object's lookups cost more than some of the vote's own steps),
    # and again when a test changes the setting.
    global _url
    if _url is None:
        _url = getattr(settings, "VOTING_REDIS_URL", None) or settings.REDIS_URL
    return _url


_url: str | None = None


@receiver(setting_changed)
def _forget_url(*, setting, **kwargs):
    global _url
    if setting in {"REDIS_URL", "VOTING_REDIS_URL"}:
        _url = None


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, health_check_interval=30)


def client() -> redis.Redis:
    return _client(redis_url())


def stream_key(campaign_id: int) -> str:
    return f"v{campaign_id}:ledger"


def cast(attempt: Attempt, meta: dict) -> Outcome:
    """Run the ballot through the script; the returned outcome is already in the durable stream."""
    return _outcome(_group.submit(_script_command(attempt, meta)))


async def cast_async(attempt: Attempt, meta: dict) -> Outcome:
    """`cast` on the event loop: ballots issued in one loop turn share one write and one round trip."""
    return _outcome(await redis_async.pipe_for(redis_url(), _SCRIPT).run(_script_command(attempt, meta)))


def _script_command(attempt: Attempt, meta: dict) -> tuple:
    """EVALSHA of cast.lua with its arguments in the order the script reads them."""
    th = attempt.thresholds or engine.thresholds()
    t = attempt.t
    return (
        b"EVALSHA", _SHA, b"0", f"v{attempt.campaign_id}:", int(t * 1000), int(t // 60), int(t // 3600), attempt.day,
        attempt.local_hour, attempt.voter_hash, attempt.method, attempt.device_hash, attempt.ip_hash,
        attempt.subnet_hash, attempt.ua_hash, attempt.dedupe_key, attempt.pre_reason, attempt.votes_per_day,
        attempt.votes_per_candidate_per_day, engine.KEY_TTL, th.as_json, json.dumps(meta, separators=(",", ":")),
        *attempt.candidates,
    )


def _outcome(reply) -> Outcome:
    try:
        duplicate, remaining, body = reply
    except ValueError:  # a fourth element: a quota_candidate refusal names the spent candidates (cast.lua)
        outcome = _outcome(reply[:3])
        outcome.spent = tuple(reply[3])
        return outcome
    decisions = [(c, d, r, f.split(",") if f else []) for c, d, r, f in json.loads(body)]
    return Outcome(decisions, remaining_today=None if remaining < 0 else remaining, duplicate=bool(duplicate))


class _ScriptConnection(threading.local):
    """One socket per thread for the vote script, speaking RESP through hiredis (the C parser redis-py itself
    uses): the vote path's only Redis round trip skips redis-py's per-command machinery, which costs several
    times the script's own run time. Everything else goes through the redis-py client."""

    sock: socket.socket | None = None
    reader: hiredis.Reader | None = None
    url: str = ""


_conn = _ScriptConnection()
_SHA = hashlib.sha1(_SCRIPT.encode()).hexdigest().encode()


def _run_scripts(batch: list[tuple]) -> list:
    """Run the script once per ballot, all in one pipelined round trip; one reply (or error) per ballot."""
    url = redis_url()
    if _conn.sock is None or _conn.url != url:
        _connect(url)
    try:
        replies = _pipeline(batch)
        if any(_no_script(reply) for reply in replies):
            _pipeline([(b"SCRIPT", b"LOAD", _SCRIPT)])
            again = [index for index, reply in enumerate(replies) if _no_script(reply)]
            for index, reply in zip(again, _pipeline([batch[i] for i in again])):
                replies[index] = reply
    except (OSError, hiredis.ProtocolError):
        _close()
        raise
    return [redis.ResponseError(str(reply)) if isinstance(reply, hiredis.ReplyError) else reply for reply in replies]


def _no_script(reply) -> bool:
    return isinstance(reply, hiredis.ReplyError) and str(reply).startswith("NOSCRIPT")


_group = GroupRunner(_run_scripts, max_batch=100)


def _connect(url: str) -> None:
    _close()
    options = client().connection_pool.connection_kwargs
    if options.get("path"):  # unix:///path/to/redis.sock
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.connect(options["path"])
    else:
        sock = socket.create_connection((options.get("host", "127.0.0.1"), options.get("port", 6379)), timeout=5)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    _conn.sock, _conn.reader, _conn.url = sock, hiredis.Reader(), url
    if options.get("password"):
        auth = [options["username"], options["password"]] if options.get("username") else [options["password"]]
        _expect_ok(_roundtrip((b"AUTH", *auth)))
    _expect_ok(_roundtrip((b"SELECT", str(options.get("db", 0)))))


def _expect_ok(reply) -> None:
    if isinstance(reply, hiredis.ReplyError):
        _close()
        raise redis.ResponseError(str(reply))


def _roundtrip(command):
    return _pipeline([command])[0]


def _pipeline(commands) -> list:
    _conn.sock.sendall(b"".join(hiredis.pack_command(command) for command in commands))
    replies = []
    while len(replies) < len(commands):
        reply = _conn.reader.gets()
        if reply is not False:
            replies.append(reply)
            continue
        data = _conn.sock.recv(65536)  # a larger buffer costs a fresh allocation per read
        if not data:
            raise ConnectionError("Redis closed the connection")
        _conn.reader.feed(data)
    return replies


def _close() -> None:
    if _conn.sock is not None:
        try:
            _conn.sock.close()
        finally:
            _conn.sock = None


def remaining_today(campaign_id: int, voter: str, day: int, votes_per_day: int) -> int:
    used = client().hget(f"v{campaign_id}:day:{voter}:{day}", "t")  # the voter's day, see cast.lua
    return max(votes_per_day - int(used or 0), 0)


def used_for_candidates(campaign_id: int, voter: str, day: int, candidate_ids) -> dict[int, int]:
    ids = list(candidate_ids)
    if not ids:
        return {}
    values = client().hmget(f"v{campaign_id}:day:{voter}:{day}", [f"c{c}" for c in ids])
    return {c: int(v) for c, v in zip(ids, values) if v}


def set_blocked(campaign_id: int, voter: str, blocked: bool) -> None:
    key = f"v{campaign_id}:blocked:{voter}"
    if blocked:
        client().set(key, "1")
    else:
        client().delete(key)


def tallies(campaign_id: int) -> dict[str, dict[int, int]]:
    pipe = client().pipeline(transaction=False)
    statuses = ["accepted", "quarantined", "fraud", "rejected"]
    for status in statuses:
        pipe.hgetall(f"v{campaign_id}:tally:{status}")
    return {status: {int(k): int(v) for k, v in found.items()} for status, found in zip(statuses, pipe.execute())}


def move_tallies(campaign_id: int, moves: dict[tuple[int, str], int]) -> None:
    """Apply a decision's per-candidate status deltas to the live Redis tallies."""
    pipe = client().pipeline(transaction=True)
    for (candidate, status), delta in moves.items():
        if delta:
            pipe.hincrby(f"v{campaign_id}:tally:{status}", candidate, delta)
    pipe.execute()


def pending(campaign_id: int) -> int:
    return client().xlen(stream_key(campaign_id))


def flush(campaign_id: int, *, batch: int = FLUSH_BATCH) -> int:
    """Copy up to `batch` ballots from the stream into the ledger; returns how many were moved."""
    r = client()
    key = stream_key(campaign_id)
    with transaction.atomic():
        head = ledger.lock_head(campaign_id)
        # The head remembers the last stream entry it took, in the same transaction as the rows: entries at
        # or before it were committed by an earlier flush that died before deleting them.
        start = f"({head.last_stream_id}" if head.last_stream_id else "-"
        entries = r.xrange(key, start, "+", count=batch)
        stale = [entry_id for entry_id, _ in r.xrange(key, "-", head.last_stream_id, count=batch)] if head.last_stream_id else []
        if not entries:
            if stale:
                r.xdel(key, *stale)
            return 0
        rows = []
        for _id, fields in entries:
            meta = json.loads(fields[b"m"])
            decisions = [(c, d, reason, f.split(",") if f else []) for c, d, reason, f in json.loads(fields[b"d"])]
            rows.extend(ledger.rows_for_ballot(meta, decisions))
        ledger.append_rows(head, rows, last_stream_id=entries[-1][0].decode())
        sweep_after_append(campaign_id, rows, head)
    # Only after the commit: a crash before this line leaves entries that the head already covers.
    r.xdel(key, *stale, *[entry_id for entry_id, _ in entries])
    return len(entries)


def flush_all(campaign_id: int) -> int:
    moved = 0
    while True:
        count = flush(campaign_id)
        moved += count
        if count == 0:
            return moved


# --- repairing the live tallies from the ledger (`votes repair-tallies`) ---------------------------------

TALLY_STATUSES = ("accepted", "quarantined", "fraud", "rejected")

# One atomic step, so no ballot script runs in between: the ledger's counts (sent in, up to the stream entry
# the ledger head last took) plus the stream entries after that entry (acknowledged, not yet flushed) are
# what the tallies must hold. Returns the tallies as they were and as they are to be, as JSON.
_REWRITE_TALLIES = """
local statuses = {"accepted", "quarantined", "fraud", "rejected"}
local counts = cjson.decode(ARGV[1])
local start = "-"
if ARGV[2] ~= "" then start = "(" .. ARGV[2] end
local entries = redis.call("XRANGE", KEYS[5], start, "+")
for _, entry in ipairs(entries) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == "d" then
      for _, d in ipairs(cjson.decode(fields[i + 1])) do
        if d[1] ~= cjson.null then
          local c = string.format("%d", d[1])
          if counts[c] == nil then counts[c] = {} end
          counts[c][d[2]] = (counts[c][d[2]] or 0) + 1
        end
      end
    end
  end
end
local before = {}
for i, status in ipairs(statuses) do
  local flat = redis.call("HGETALL", KEYS[i])
  local by = {}
  for j = 1, #flat, 2 do by[flat[j]] = tonumber(flat[j + 1]) end
  before[status] = by
end
if ARGV[3] == "1" then
  for i, status in ipairs(statuses) do
    redis.call("DEL", KEYS[i])
    local flat = {}
    for c, by in pairs(counts) do
      local n = by[status] or 0
      if n ~= 0 then
        flat[#flat + 1] = c
        flat[#flat + 1] = n
      end
      if #flat >= 1000 then
        redis.call("HSET", KEYS[i], unpack(flat))
        flat = {}
      end
    end
    if #flat > 0 then redis.call("HSET", KEYS[i], unpack(flat)) end
  end
end
-- Entries the flusher deleted after `last_stream_id` (it deletes what it has written to the ledger) mean the
-- caller's ledger counts are older than the stream: the comparison is stale, and the caller reads again.
local moved = false
if ARGV[2] ~= "" and redis.call("EXISTS", KEYS[5]) == 1 then
  local info = redis.call("XINFO", "STREAM", KEYS[5])
  for i = 1, #info, 2 do
    if info[i] == "max-deleted-entry-id" then
      local dms, dseq = string.match(info[i + 1], "(%d+)-(%d+)")
      local lms, lseq = string.match(ARGV[2], "(%d+)-(%d+)")
      dms, dseq, lms, lseq = tonumber(dms), tonumber(dseq), tonumber(lms), tonumber(lseq)
      moved = dms > lms or (dms == lms and dseq > lseq)
    end
  end
end
return cjson.encode({before = before, after = counts, pending = #entries, moved = moved})
"""


def rewrite_tallies(campaign_id: int, ledger_counts: dict[int, dict[str, int]], last_stream_id: str, *,
                    write: bool) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]], int]:
    """Set the live tallies to the ledger's counts plus the stream entries after `last_stream_id`, atomically.

    Returns (tallies before, tallies after, stream entries counted in); with `write=False` nothing changes.
    The caller holds the ledger head lock, so the ledger's counts and `last_stream_id` belong together.
    """
    keys = [f"v{campaign_id}:tally:{status}" for status in TALLY_STATUSES] + [stream_key(campaign_id)]
    counts = {str(candidate): by_status for candidate, by_status in ledger_counts.items()}
    # cjson decodes an empty JSON object as an empty table and encodes that back as {}: both sides stay objects.
    reply = client().eval(_REWRITE_TALLIES, len(keys), *keys, json.dumps(counts), last_stream_id, "1" if write else "0")
    result = json.loads(reply)
    before: dict[int, dict[str, int]] = {}
    for status, by_candidate in (result["before"] or {}).items():
        for candidate, n in (by_candidate or {}).items():
            before.setdefault(int(candidate), {})[status] = int(n)
    after = {int(candidate): {status: int(n) for status, n in (by_status or {}).items()}
             for candidate, by_status in (result["after"] or {}).items()}
    return before, after, int(result["pending"])


def live_tallies_against(campaign_id: int, ledger_counts: dict[int, dict[str, int]], last_stream_id: str):
    """(live tallies, the ledger's counts plus the stream entries after `last_stream_id`, entries in flight), read
    in one atomic step without changing anything; None when the flusher has moved past `last_stream_id` since the
    ledger was counted (the two can no longer be compared: count again)."""
    keys = [f"v{campaign_id}:tally:{status}" for status in TALLY_STATUSES] + [stream_key(campaign_id)]
    counts = {str(candidate): by_status for candidate, by_status in ledger_counts.items()}
    result = json.loads(client().eval(_REWRITE_TALLIES, len(keys), *keys, json.dumps(counts), last_stream_id, "0"))
    if result.get("moved"):
        return None
    live: dict[int, dict[str, int]] = {}
    for status, by_candidate in (result["before"] or {}).items():
        for candidate, n in (by_candidate or {}).items():
            live.setdefault(int(candidate), {})[status] = int(n)
    expected = {int(candidate): {status: int(n) for status, n in (by_status or {}).items()}
                for candidate, by_status in (result["after"] or {}).items()}
    return live, expected, int(result["pending"])
