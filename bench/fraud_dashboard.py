"""Server time of the fraud dashboard's cluster queries on a large ledger, per dimension and status.

    .venv/bin/python bench/fraud_dashboard.py [--rows 300000] [--repeat 5] [--database-url URL]

Builds the demo campaign the way `make run` does (rehearsal, 200 demo nominations, `votes demo`), then adds
`--rows` ledger rows in bulk, shaped like a campaign's fortnight of votes up to now: 95 % counted, 4 % held
for review, 1 % refused, from 40,000 voters behind 2,000 subnets and 300 user agents. The added rows are not
hash-chained (`votes verify` would reject them); the queries read the columns only. Prints the median and
the slowest of `--repeat` calls of `selectors.suspicious_clusters` per dimension, for the votes held for
review (the dashboard's default: the whole vote) and the counted votes (the dashboard's default: the last
24 hours; and the whole vote), and the whole dashboard page through Django.
Defaults to a SQLite file under var/; pass a PostgreSQL URL to measure there (its tables are dropped first).
"""
import argparse
import datetime as dt
import hashlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = ROOT / "var" / "bench-fraud-dashboard.sqlite3"
SLUG = "chucai-liaocheng-2024"


def _hash(kind: str, n: int) -> str:
    return hashlib.sha256(f"{kind}{n}".encode()).hexdigest()


def _add_rows(campaign_id: int, candidate_ids: list[int], count: int) -> None:
    from django.db import transaction

    from xuanshu.voting.models import LedgerEntry, LedgerHead

    rng = random.Random(5)
    agents = [f"Mozilla/5.0 (iPhone; CPU iPhone OS 16_{n % 7} like Mac OS X) MicroMessenger/8.0.{n}" for n in range(300)]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=14)  # a fortnight up to now, so "the last day" holds 1/14
    with transaction.atomic():
        head = LedgerHead.objects.select_for_update().get(campaign_id=campaign_id)
        seq = head.last_seq
        batch = []
        for _ in range(count):
            seq += 1
            voter = rng.randrange(40_000)
            subnet = voter % 2_000
            agent = rng.randrange(300)
            roll = rng.random()
            status = "accepted" if roll < 0.95 else "quarantined" if roll < 0.99 else "rejected"
            batch.append(LedgerEntry(
                campaign_id=campaign_id, seq=seq, attempt_key=f"bench{seq}", voter_hash=_hash("v", voter),
                created_at=start + dt.timedelta(seconds=rng.randrange(14 * 86_400)), method="sms",
                candidate_id=rng.choice(candidate_ids), ip=f"10.{subnet // 256}.{subnet % 256}.{voter % 250 + 1}",
                subnet=f"10.{subnet // 256}.{subnet % 256}.0/24", user_agent=agents[agent], ip_hash=_hash("i", voter),
                subnet_hash=_hash("s", subnet), device_hash=_hash("d", voter), ua_hash=_hash("u", agent),
                flags="" if status == "accepted" else "spike", decision=status, status=status,
                reason="rate_limited" if status == "rejected" else "", prev_hash="0" * 64, row_hash="0" * 64))
            if len(batch) == 5_000:
                LedgerEntry.objects.bulk_create(batch)
                batch = []
        LedgerEntry.objects.bulk_create(batch)
        head.last_seq = seq
        head.save(update_fields=["last_seq"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url
    if not url:
        for suffix in ["", "-wal", "-shm"]:
            Path(f"{DB}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{DB}"
    os.environ.update({"DJANGO_SETTINGS_MODULE": "xuanshu.settings", "DATABASE_URL": url,
                       "XUANSHU_HOME": str(ROOT), "LOG_LEVEL": "ERROR", "ALLOWED_HOSTS": "testserver",
                       "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"})
    for name in ["REDIS_URL", "VOTING_REDIS_URL"]:
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from xuanshu.campaigns.models import Campaign
    from xuanshu.voting import selectors
    from xuanshu.voting.models import Candidate, LedgerEntry

    if connection.vendor == "postgresql":
        call_command("flush", "--noinput", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    call_command("campaign", "load", "--rehearsal", str(ROOT / "campaigns" / f"{SLUG}.toml"), verbosity=0)
    call_command("seed_demo", "--campaign", SLUG, "--count", "200", verbosity=0)
    call_command("votes", "demo", "--campaign", SLUG)
    campaign = Campaign.objects.get(slug=SLUG)
    started = time.perf_counter()
    _add_rows(campaign.pk, list(Candidate.objects.filter(campaign=campaign).values_list("pk", flat=True)), args.rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = LedgerEntry.objects.filter(campaign=campaign).count()
    print(f"{connection.vendor}: {total:,} ledger rows ({args.rows:,} added in {time.perf_counter() - started:.0f} s)")
    print(f"{'dimension':<11} {'status':<12} {'window':<6} {'median ms':>9} {'max ms':>8} {'clusters':>8}")
    # Before the dashboard had windows (commit d75ecaf), only the whole vote can be measured: for A/B runs.
    windowed = hasattr(selectors, "WINDOWS")
    cases = [("quarantined", "all"), ("accepted", "24h"), ("accepted", "all")] if windowed else [
        ("quarantined", "all"), ("accepted", "all")]
    for status, window in cases:
        for dimension in selectors.CLUSTER_DIMENSIONS:
            times = []
            for _ in range(args.repeat):
                began = time.perf_counter()
                if windowed:
                    until = dt.datetime.now(dt.UTC)
                    since = until - selectors.WINDOWS[window] if selectors.WINDOWS[window] else None
                    clusters = selectors.suspicious_clusters(campaign.pk, dimension, status=status, since=since,
                                                             until=until)
                else:
                    clusters = selectors.suspicious_clusters(campaign.pk, dimension, status=status)
                times.append((time.perf_counter() - began) * 1000)
            print(f"{dimension:<11} {status:<12} {window:<6} {statistics.median(times):9.1f} {max(times):8.1f} "
                  f"{len(clusters):8d}")

    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.create_superuser("bench-editor", "bench@example.com", "x")
    client = Client()
    client.force_login(editor)
    for by in ["subnet", "time"]:
        # The whole vote's counted votes come from a snapshot since session 7: the first view (or `refresh`) counts,
        # the others read the snapshot.
        for status, window in [("quarantined", ""), ("accepted", ""), ("accepted", "all&refresh=1"), ("accepted", "all")]:
            path = f"/console/voting/?campaign={SLUG}&by={by}&status={status}&window={window}"
            times = []
            for _ in range(args.repeat):
                began = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - began) * 1000)
            print(f"page by={by:<7} status={status:<12} window={window or 'default':<14} "
                  f"{statistics.median(times):9.1f} {max(times):8.1f} HTTP {response.status_code}")


if __name__ == "__main__":
    main()
