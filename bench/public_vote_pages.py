"""Server time of the citizens' voting pages: the ballot, the candidate gallery and a profile, with and without
a verified voter, through the whole Django stack (test client, in process, no network).

    .venv/bin/python bench/public_vote_pages.py [--requests 200]

Builds var/bench-public-vote.sqlite3 the way `make run` does (the demo campaign in rehearsal, 200 demo
nominations, `votes demo`: an open ballot and a day and a half of votes), then times GET of each page and
prints p50 and p95 in ms and the number of queries per page (constant, whatever the number of votes).
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = ROOT / "var" / "bench-public-vote.sqlite3"
SLUG = "chucai-liaocheng-2024"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    for suffix in ["", "-wal", "-shm"]:
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    os.environ.update({"DJANGO_SETTINGS_MODULE": "xuanshu.settings", "DATABASE_URL": f"sqlite:///{DB}",
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
    from django.test.utils import CaptureQueriesContext

    from xuanshu.voting import identity
    from xuanshu.voting.models import Voter

    call_command("migrate", verbosity=0)
    call_command("campaign", "load", "--rehearsal", str(ROOT / "campaigns" / f"{SLUG}.toml"), verbosity=0)
    call_command("seed_demo", "--campaign", SLUG, "--count", "200", verbosity=0)
    call_command("votes", "demo", "--campaign", SLUG)
    voter = Voter.objects.order_by("id").first()
    token = identity.issue_voter_token(voter.campaign_id, voter.method, voter.voter_hash)
    pages = {"ballot": f"/c/{SLUG}/vote/", "gallery": f"/c/{SLUG}/candidates/", "profile": f"/c/{SLUG}/candidates/1/"}
    print(f"{'page':<8} {'voter':<6} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7}")
    for name, url in pages.items():
        for verified in (False, True):
            client = Client()
            if verified:
                client.cookies[identity.VOTER_COOKIE] = token
            client.get(url)  # warm: templates, the vote snapshot
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            times.sort()
            print(f"{name:<8} {'yes' if verified else 'no':<6} {statistics.median(times):7.1f} "
                  f"{times[int(len(times) * 0.95) - 1]:7.1f} {len(queries):7d}")


if __name__ == "__main__":
    main()
