"""Duplicate finder at scale: cluster 100,000 nominations into nominees (the `dedup run` path).

    .venv/bin/python bench/dedup_scale.py --db sqlite   [--count 100000] [--runs 3] [--rerun] [--incremental 300]
    .venv/bin/python bench/dedup_scale.py --db postgres [--count 100000] [--runs 3] [--rerun] [--incremental 300]

Seeds a separate database (var/bench-dedup.sqlite3, or the PostgreSQL database xuanshu_bench_dedup) once
with synthetic nominations whose true nominee is known (xuanshu.nominations.dedup.synthetic: paraphrased
deeds, traditional script, homophone typos, honorifics, missing counties, many namesakes). Each run clears
the nominee tables and times services.cluster_campaign end to end: reading the nominations, blocking,
matching, and writing nominees, links, suggestions and audit rows in one transaction. It prints the wall
time and its split; the CPU time of this process (all of the work on SQLite, which runs in-process) and
the load average, since the machine is shared and wall time grows with other work; the pairwise precision
and recall against the true nominees; and the peak memory.
--rerun then times a run with nothing left to do, and a --rebuild. --incremental N times the pipeline
path: N new nominations assigned one at a time (services.assign_nominee) against the clustered campaign,
p50/p95 per nomination.
"""
import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SEED = 11
PREFIX = "DEDUP"


def configure(db: str) -> None:
    if db == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench-dedup.sqlite3'}"
    else:
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            if not conn.execute("select 1 from pg_database where datname = 'xuanshu_bench_dedup'").fetchone():
                conn.execute("create database xuanshu_bench_dedup")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/xuanshu_bench_dedup"
    os.environ["DJANGO_SETTINGS_MODULE"] = "xuanshu.settings"
    os.environ["XUANSHU_TASKS_IMMEDIATE"] = "0"  # the benchmark calls the services itself
    import django

    django.setup()


def seed(count: int):
    """The bench campaign with exactly `count` synthetic nominations; returns it and the true nominee of each."""
    from django.core.management import call_command
    from django.db import connection

    from xuanshu.campaigns.models import Campaign
    from xuanshu.intake.models import InboundMessage
    from xuanshu.nominations.dedup.synthetic import generate, insert_synthetic
    from xuanshu.nominations.models import Nomination

    call_command("migrate", verbosity=0)
    call_command("campaign", "load", "--rehearsal", str(ROOT / "campaigns" / "chucai-liaocheng-2024.toml"), verbosity=0)
    campaign = Campaign.objects.get(slug="chucai-liaocheng-2024")
    items = generate(count, seed=SEED)
    have = Nomination.objects.filter(campaign=campaign, reference__startswith=f"{PREFIX}-").count()
    if have != count:
        clear_nominees(campaign)
        Nomination.objects.filter(campaign=campaign).delete()
        InboundMessage.objects.filter(campaign=campaign).delete()
        started = time.perf_counter()
        insert_synthetic(campaign, items, prefix=PREFIX)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seeded {count} nominations in {time.perf_counter() - started:.1f} s")
    truth = {f"{PREFIX}-{i:07d}": item.person for i, item in enumerate(items)}
    return campaign, truth


def clear_nominees(campaign) -> None:
    from xuanshu.core.models import ActivityLog
    from xuanshu.nominations.dedup.models import MergeSuggestion, Nominee, NomineeChange, NomineeMembership

    NomineeChange.objects.filter(campaign=campaign).delete()
    MergeSuggestion.objects.filter(campaign=campaign).delete()
    NomineeMembership.objects.filter(campaign=campaign).delete()
    Nominee.objects.filter(campaign=campaign, state="merged").delete()
    Nominee.objects.filter(campaign=campaign).delete()
    ActivityLog.objects.filter(action__in=["nominee.auto_merge", "nominee.create", "nominee.auto_link", "dedup.run"]).delete()


def quality(campaign, truth: dict[str, int]) -> tuple[float, float]:
    """Pairwise precision and recall of the nominees found, against the true nominees (counted, not listed)."""
    from collections import Counter

    from xuanshu.nominations.dedup.models import NomineeMembership

    cells: Counter = Counter()
    for reference, nominee in NomineeMembership.objects.filter(campaign=campaign).values_list("nomination__reference", "nominee_id"):
        cells[nominee, truth[reference]] += 1
    found, people = Counter(), Counter(truth.values())
    for (nominee, _), size in cells.items():
        found[nominee] += size

    def pairs(sizes) -> int:
        return sum(size * (size - 1) // 2 for size in sizes)

    hits = pairs(cells.values())
    return hits / max(1, pairs(found.values())), hits / max(1, pairs(people.values()))


def run(campaign, truth, runs: int) -> None:
    from xuanshu.nominations.dedup.services import cluster_campaign

    for number in range(1, runs + 1):
        clear_nominees(campaign)
        timings: dict = {}
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = cluster_campaign(campaign=campaign, timings=timings)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        load = os.getloadavg()[0]
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        precision, recall = quality(campaign, truth)
        print(
            f"run {number}: {elapsed:.1f} s (read+cluster {timings['read_and_cluster']:.1f} s, write {timings['write']:.1f} s; "
            f"this process's CPU {cpu:.1f} s; load average {load:.1f}); "
            f"{summary.nominations} nominations -> {summary.new_nominees} nominees ({len(set(truth.values()))} true), "
            f"{summary.joined} auto-linked, {summary.suggestions} suggestions; pairwise P {precision:.3f} R {recall:.3f}; "
            f"peak RSS {peak_mb:.0f} MB"
        )


def rerun(campaign) -> None:
    """Time a run with nothing left to assign, and a --rebuild of the clustered campaign."""
    from xuanshu.nominations.dedup.services import cluster_campaign

    for label, rebuild in (("run with nothing to assign", False), ("rebuild", True)):
        started = time.perf_counter()
        summary = cluster_campaign(campaign=campaign, rebuild=rebuild)
        print(f"{label}: {time.perf_counter() - started:.1f} s ({summary.removed_nominees} nominees dropped, "
              f"{summary.nominations} nominations assigned; load average {os.getloadavg()[0]:.1f})")


def incremental(campaign, count: int) -> None:
    """Time the pipeline path: new nominations assigned one by one against the clustered campaign."""
    from xuanshu.nominations.dedup.services import assign_nominee
    from xuanshu.nominations.dedup.synthetic import generate, insert_synthetic

    ids = insert_synthetic(campaign, generate(count, seed=SEED + 1), prefix=f"{PREFIX}N{time.time_ns() % 10**8}")
    timings = []
    outcomes: dict[str, int] = {}
    for pk in ids:
        started = time.perf_counter()
        outcome = assign_nominee(nomination_id=pk).outcome
        timings.append((time.perf_counter() - started) * 1000)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    timings.sort()
    p95 = timings[int(round(0.95 * (len(timings) - 1)))]
    print(f"pipeline: {count} nominations assigned one at a time: p50 {statistics.median(timings):.1f} ms, "
          f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms; outcomes {outcomes}")
    from xuanshu.nominations.models import Nomination

    Nomination.objects.filter(pk__in=ids).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--incremental", type=int, default=0, help="then assign N new nominations one at a time")
    parser.add_argument("--rerun", action="store_true", help="then time a run with nothing to do, and a --rebuild")
    args = parser.parse_args()
    configure(args.db)
    campaign, truth = seed(args.count)
    run(campaign, truth, args.runs)
    if args.rerun:
        rerun(campaign)
    if args.incremental:
        incremental(campaign, args.incremental)


if __name__ == "__main__":
    main()
