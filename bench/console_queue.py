"""Console review queue at scale: server time of the first page with 100k nominations.

    .venv/bin/python bench/console_queue.py --db sqlite   [--count 100000] [--runs 40]
    .venv/bin/python bench/console_queue.py --db postgres [--count 100000] [--runs 40]

Seeds a separate database (var/bench-console.sqlite3, or the PostgreSQL database xuanshu_bench)
once with bulk inserts, then times GET /console/ through the whole Django stack (middleware, auth,
view, template) with the test client, in-process, so the figure is server time without network.
Prints p50/p95 per scenario and the number of SQL queries each page ran.

The nominees are seeded too (a sixth of the nominations joined to an earlier nominee, 10,000 merge
suggestions per 100,000 nominations of which 70 % open, and 3 % of the suggested nominees merged away
since), so the queue's "possible duplicates" flag and filter read tables of a realistic size.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def configure(db: str) -> None:
    if db == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench-console.sqlite3'}"
    else:
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            if not conn.execute("select 1 from pg_database where datname = 'xuanshu_bench'").fetchone():
                conn.execute("create database xuanshu_bench")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/xuanshu_bench"
    os.environ["DJANGO_SETTINGS_MODULE"] = "xuanshu.settings"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()


def seed(count: int) -> None:
    """Bulk-insert synthetic nominations (bench data only: services are bypassed for speed)."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from xuanshu.campaigns.models import Campaign
    from xuanshu.intake.models import InboundMessage
    from xuanshu.nominations.demo import demo_draft
    from xuanshu.nominations.enums import NominationState
    from xuanshu.nominations.models import Nomination
    from xuanshu.nominations.search import fill_search_columns

    call_command("migrate", verbosity=0)
    call_command("campaign", "load", "--rehearsal", str(ROOT / "campaigns" / "chucai-liaocheng-2024.toml"))
    campaign = Campaign.objects.prefetch_related("categories", "areas").get(slug="chucai-liaocheng-2024")
    have = Nomination.objects.filter(campaign=campaign).count()
    if have >= count:
        print(f"database already holds {have} nominations")
        return
    rng = random.Random(7)
    categories = {c.code: c for c in campaign.categories.all()}
    areas = {a.code: a for a in campaign.areas.all()}
    states = NominationState.values
    channels = ["webform", "wechat", "email", "api", "hotline"]
    now = timezone.now()
    batch = 5000
    started = time.perf_counter()
    for start in range(have, count, batch):
        size = min(batch, count - start)
        drafts = [demo_draft(rng, campaign) for _ in range(size)]
        times = [now - dt.timedelta(seconds=rng.randint(0, 90 * 24 * 3600)) for _ in range(size)]
        inbound = InboundMessage.objects.bulk_create([
            InboundMessage(campaign=campaign, channel=rng.choice(channels), external_id=f"bench-{start + i}",
                           payload={"fields": {"deeds": d.deeds}}, received_at=t, status="processed",
                           reference=f"BENCH-{start + i:07d}")
            for i, (d, t) in enumerate(zip(drafts, times))
        ])
        Nomination.objects.bulk_create([
            fill_search_columns(Nomination(
                campaign=campaign, reference=m.reference, inbound=m, channel=m.channel, received_at=m.received_at,
                state=rng.choice(states), nominee_name=d.nominee_name, nominee_kind=d.nominee_kind,
                category=categories[d.category_code], area=areas[d.area_code], place_detail=d.place_detail,
                deeds=d.deeds, nominator_name=d.nominator_name, nominator_phone=d.nominator_phone,
            ))
            for m, d in zip(inbound, drafts)
        ])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum (PostgreSQL) or PRAGMA optimize would gather
    print(f"seeded {count - have} nominations in {time.perf_counter() - started:.1f} s")


def seed_nominees() -> None:
    """Nominees, links and merge suggestions for the seeded nominations, once (bulk inserts, bench data only)."""
    from django.db import connection

    from xuanshu.campaigns.models import Campaign
    from xuanshu.nominations.dedup.models import (
        LinkedBy,
        MergeSuggestion,
        Nominee,
        NomineeMembership,
        NomineeState,
        SuggestionState,
    )
    from xuanshu.nominations.models import Nomination

    campaign = Campaign.objects.get(slug="chucai-liaocheng-2024")
    if NomineeMembership.objects.filter(campaign=campaign).exists():
        return
    started = time.perf_counter()
    rng = random.Random(11)
    rows = list(Nomination.objects.filter(campaign=campaign).order_by("pk").values_list("pk", "nominee_name", "area_id"))
    owner: dict[int, int] = {}  # nomination -> index of its nominee in `nominees`
    nominees: list[Nominee] = []
    for pk, name, area_id in rows:
        if nominees and rng.random() < 1 / 6:
            owner[pk] = rng.randrange(len(nominees))
        else:
            owner[pk] = len(nominees)
            nominees.append(Nominee(campaign=campaign, name=name[:100], area_id=area_id))
    Nominee.objects.bulk_create(nominees, batch_size=5000)
    NomineeMembership.objects.bulk_create([
        NomineeMembership(nomination_id=pk, nominee=nominees[owner[pk]], campaign=campaign, block_key=name,
                          linked_by=LinkedBy.NEW if nominees[owner[pk]].name == name else LinkedBy.AUTO)
        for pk, name, _area in rows
    ], batch_size=5000)
    first_nomination = {}
    for pk, _name, _area in rows:
        first_nomination.setdefault(owner[pk], pk)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < len(rows) // 10 and len(nominees) > 1:
        a, b = sorted(rng.sample(range(len(nominees)), 2))
        pairs.add((a, b))
    states = [SuggestionState.OPEN] * 7 + [SuggestionState.DISMISSED] * 2 + [SuggestionState.MERGED]
    MergeSuggestion.objects.bulk_create([
        MergeSuggestion(campaign=campaign, nominee_a=nominees[a], nominee_b=nominees[b],
                        nomination_a_id=first_nomination[a], nomination_b_id=first_nomination[b],
                        score=rng.randint(60, 79), reasons=[{"code": "same_name"}], state=rng.choice(states))
        for a, b in sorted(pairs)
    ], batch_size=5000)
    # Editors' merges: some suggested nominees now live on in another one, their links moved there.
    suggested = sorted({index for pair in pairs for index in pair})
    for index in rng.sample(suggested, len(suggested) * 3 // 100):
        source, target = nominees[index], nominees[rng.randrange(len(nominees))]
        if source.pk == target.pk or target.state == NomineeState.MERGED:
            continue
        NomineeMembership.objects.filter(nominee=source).update(nominee=target, linked_by=LinkedBy.EDITOR)
        source.state, source.merged_into = NomineeState.MERGED, target
        source.save(update_fields=["state", "merged_into"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded {len(nominees)} nominees and {len(pairs)} suggestions in {time.perf_counter() - started:.1f} s")


def measure(runs: int) -> list[tuple[str, float, float, int, int]]:
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client

    from xuanshu.campaigns.models import Campaign

    campaign = Campaign.objects.get(slug="chucai-liaocheng-2024")
    area = campaign.areas.get(code="linqing")
    category = campaign.categories.get(code="good-conduct")
    user, created = User.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    if created:
        user.groups.add(Group.objects.get(name="editor"))
    client = Client()
    client.force_login(user)
    base = f"/console/?campaign={campaign.pk}"
    scenarios = [
        ("unfiltered", "/console/"),
        ("campaign", base),
        ("state=in_review", f"{base}&state=in_review"),
        ("county+category", f"{base}&area={area.pk}&category={category.pk}"),
        ("channel+dates", f"{base}&channel=wechat&received_from=2026-10-01&received_until=2026-11-15"),
        ("search reference", f"{base}&q=BENCH-0054321"),
        ("search name", f"{base}&q=王桂芳"),
        ("search traditional", f"{base}&q=巾幗志願者協會"),
        ("search pinyin", f"{base}&q=wangguifang"),
        ("search initials", f"{base}&q=wgf"),
        ("search county", f"{base}&q=东昌府"),
        ("search number", f"{base}&q=0054321"),
        ("search in deeds", f"{base}&q=徒骇河&in_deeds=on"),
        ("rare in deeds", f"{base}&q=王桂芳&in_deeds=on"),
        ("page 200", f"{base}&page=200"),
        ("possible duplicates", f"{base}&duplicates=on"),
        ("duplicates+state", f"{base}&duplicates=on&state=in_review"),
    ]
    results = []
    for label, url in scenarios:
        response = client.get(url)
        assert response.status_code == 200, (label, response.status_code)
        # Count with a wrapper: the test client's request_started signal resets connection.queries.
        statements: list[str] = []

        def count(execute, sql, params, many, context, seen=statements):
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
        results.append((label, statistics.median(timings), p95, len(statements), len(response.content)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    configure(args.db)
    seed(args.count)
    seed_nominees()
    from xuanshu.nominations.models import Nomination

    print(f"{args.db}: {Nomination.objects.count()} nominations, {args.runs} runs per scenario, server time of GET /console/")
    print(f"{'scenario':<20}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'bytes':>9}")
    for label, p50, p95, queries, size in measure(args.runs):
        print(f"{label:<20}{p50:>9.1f}{p95:>9.1f}{queries:>9}{size:>9}")


if __name__ == "__main__":
    main()
