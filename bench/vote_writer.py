"""The database vote path's writer, in process: CPU time and bytes written per ballot on SQLite.

    .venv/bin/python bench/vote_writer.py [--ballots 20000] [--batch 32] [--runs 3] [--database PATH]

The load benchmark (voting_load.py) shows what the server sustains; this one isolates the part that bounds
it on SQLite, the one writer that decides and commits each batch of ballots (store_db._write_together),
without a server or a load generator sharing the CPU. It seeds a fresh var/bench-writer.sqlite3 the way
voting_load.py does (20 candidates, an open ballot), then writes ballots shaped like wrk's (each voter casts
five one-candidate ballots with their own nonces, from one address and user agent) in batches of `--batch`
(about what 64 connections over two server processes queue), and reports per ballot: the writer's CPU time
(process time, so other processes on the machine do not count), its wall time, and the bytes it handed to
write() (the WAL, from /proc/self/io). Checks at the end that every ballot was accepted and that the ledger
holds one row per ballot, so a faster writer that lost or refused votes fails loudly.
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "var" / "bench-writer.sqlite3"
sys.path.insert(0, str(ROOT / "bench"))
from voting_load import SETUP, THRESHOLDS  # noqa: E402  (its seed and its raised limits)

SLUG = "chucai-liaocheng-2024"


def written_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise RuntimeError("no wchar in /proc/self/io")


def fresh_database(db: Path) -> None:
    for suffix in ["", "-wal", "-shm", ".vote-lock"]:
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "xuanshu.settings", "DATABASE_URL": f"sqlite:///{db}", "XUANSHU_HOME": str(ROOT),
        "LOG_LEVEL": "WARNING", "XUANSHU_TASKS_IMMEDIATE": "1",
        # every ballot comes from one address, at any hour: the same raised limits as voting_load
        "VOTING_THRESHOLDS": json.dumps(THRESHOLDS),
    })
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    tokens = db.with_name(db.name + ".tokens")  # none are issued: the writer is handed voter hashes
    argv = sys.argv
    sys.argv = ["setup", str(ROOT / "campaigns" / f"{SLUG}.toml"), str(tokens), "0"]
    try:
        exec(SETUP, {"__name__": "bench_setup"})
    finally:
        sys.argv = argv


def run(ballots: int, batch_size: int, first_voter: int) -> dict:
    from xuanshu.voting import identity, store_db
    from xuanshu.voting.config import vote_config
    from xuanshu.voting.services import prepare_ballot

    config = vote_config(SLUG, fresh=True)
    candidates = sorted(config.candidate_ids)
    prepared = []
    for n in range(ballots):
        voter_number = first_voter + n // 5
        voter = ("sms", identity.voter_hash(config.campaign_id, "sms", f"+86139{voter_number:08d}"))
        candidate = candidates[(voter_number + n % 5) % len(candidates)]
        prepared.append(prepare_ballot(config=config, voter=voter, candidates=[candidate], ip="127.0.0.1",
                                       user_agent="wrk", device_token=f"bench-{voter_number}", nonce=f"n{n}"))
    batches = [prepared[i:i + batch_size] for i in range(0, len(prepared), batch_size)]
    cpu, wall, wrote = time.process_time(), time.perf_counter(), written_bytes()
    outcomes = [outcome for batch in batches for outcome in store_db._write_on_writer_thread(batch)]
    cpu, wall, wrote = time.process_time() - cpu, time.perf_counter() - wall, written_bytes() - wrote
    refused = sum(1 for outcome in outcomes if outcome.statuses != {"accepted"})
    if refused:
        example = next(outcome for outcome in outcomes if outcome.statuses != {"accepted"})
        raise SystemExit(f"{refused} of {ballots} ballots not accepted, e.g. {example.decisions}")
    return {"cpu_us": cpu / ballots * 1e6, "wall_us": wall / ballots * 1e6, "kib": wrote / ballots / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", type=Path, default=DEFAULT_DB, help="the SQLite file to create (replaced)")
    args = parser.parse_args()
    fresh_database(args.database.resolve())
    # A first pass warms the caches and fills the tables a little, as a live vote's would be.
    run(args.ballots // 4, args.batch, first_voter=10_000_000)
    results = []
    for index in range(args.runs):
        result = run(args.ballots, args.batch, first_voter=index * args.ballots)
        results.append(result)
        print(f"run {index + 1}: {result['cpu_us']:.0f} µs CPU, {result['wall_us']:.0f} µs wall, "
              f"{result['kib']:.1f} KiB written per ballot", flush=True)
    from django.db import connection

    from xuanshu.voting.models import LedgerEntry

    expected = args.ballots // 4 + args.ballots * args.runs
    if LedgerEntry.objects.count() != expected:
        raise SystemExit(f"ledger holds {LedgerEntry.objects.count()} rows, expected {expected}")
    print(f"median of {args.runs}: {statistics.median(r['cpu_us'] for r in results):.0f} µs CPU, "
          f"{statistics.median(r['wall_us'] for r in results):.0f} µs wall, "
          f"{statistics.median(r['kib'] for r in results):.1f} KiB written per ballot "
          f"(batches of {args.batch}, SQLite {connection.Database.sqlite_version})")


if __name__ == "__main__":
    main()
