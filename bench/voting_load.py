"""Vote path under load: the vote endpoint, a no-op on the same stack, and the naive Django pattern, in one run.

    .venv/bin/python bench/voting_load.py --store redis    [--duration 20] [--runs 1]
    .venv/bin/python bench/voting_load.py --store sqlite   [--duration 20] [--runs 1]

Each run builds a fresh database (PostgreSQL `xuanshu_bench_voting`, or var/bench-voting.sqlite3) with the
seed campaign, 20 shortlisted candidates and an open ballot, issues 100,000 voter cookies, starts the server
(`xuanshu.voting.asgi` on uvicorn as `serve` runs it, plus the naive route, see bench/voting_asgi.py) and, on Redis, the ledger flusher as a
separate process at the lowest CPU priority (nice 19: in a burst Redis holds the acknowledged votes and the
database catches up behind; the next phase waits until it has, and the drain time is reported with the
sustained rate that counts it), then drives with wrk on loopback, 64 connections, for `--duration` seconds each:
  1. POST /v/<campaign>/vote — every check on: signed voter cookie, window, candidate, dedupe nonce, rate
     limits per address, subnet, device and voter, daily quotas, the anti-brushing rules, tallies, ledger;
  2. GET  /v/ping — a no-op through the same server, handler and (absent) middleware;
  3. POST /v/bench-naive — Choice.objects.filter(pk=…).update(votes=F("votes")+1) plus a Vote row, on PostgreSQL;
  4. GET  /healthz — for reference, not a target: an empty page through the full Django site and its middleware.
All of wrk's requests come from 127.0.0.1, so the per-address and per-subnet limits, the cluster size, the
hourly growth floor and the night allowance are raised (VOTING_THRESHOLDS) so that votes are accepted at any
hour; the rules still run on every vote. After the run the flusher drains, `votes verify` checks the chain, and the ledger's recount of accepted
votes must equal the live tallies; wrk's count of 2xx replies is printed beside it (it can miss up to one
in-flight reply per connection at the end of the time bound).
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
PG = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/8"
REDIS_SOCKET = ROOT / "var" / "bench-redis.sock"
PORT = 8911
SLUG = "chucai-liaocheng-2024"
VOTERS = 100_000
# wrk's traffic is one address and one agent, and a burst at any hour: at 2-5 a.m. Beijing time the night rule would
# hold every vote past the twentieth per candidate and hour, so the benchmark would measure the hour it ran at.
THRESHOLDS = {"per_ip_per_minute": 10**9, "per_subnet_per_minute": 10**9, "cluster_max_voters": 10**9, "growth_floor": 10**9,
              "night_max_per_hour": 10**9}


def recreate_pg(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{PG}/{name}"


def environment(store: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "VOTING_REDIS_URL", "DATABASE_URL"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "xuanshu.settings", "PYTHONPATH": str(ROOT / "src"), "ALLOWED_HOSTS": "127.0.0.1",
        "XUANSHU_HOME": str(ROOT),
        "VOTING_THRESHOLDS": json.dumps(THRESHOLDS), "LOG_LEVEL": "WARNING", "XUANSHU_TASKS_IMMEDIATE": "1",
        "BENCH_NAIVE_DATABASE_URL": recreate_pg("xuanshu_bench_naive"), "DB_CONN_MAX_AGE": "600",
    })
    if store == "redis":
        env["DATABASE_URL"] = recreate_pg("xuanshu_bench_voting")
        env["REDIS_URL"] = REDIS_URL
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    else:
        path = ROOT / "var" / "bench-voting.sqlite3"
        for suffix in ["", "-wal", "-shm"]:
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    return env


SETUP = r'''
import datetime as dt, sys
from django.core.management import call_command
from django.db import connections
call_command("migrate", verbosity=0)
call_command("campaign", "load", "--rehearsal", sys.argv[1], verbosity=0)
from xuanshu.campaigns.models import Campaign, Stage
from xuanshu.intake.services import receive_inbound
from xuanshu.nominations.services import NominationDraft, create_nomination_from_draft, set_nomination_state
from xuanshu.voting.services import open_ballot
from xuanshu.voting.identity import issue_voter_token, voter_hash
campaign = Campaign.objects.get(slug="chucai-liaocheng-2024")
# Twenty different people: names differing only in a digit would be one nominee (names are compared without
# digits), and the ballot has one candidate per nominee.
NAMES = "张桂芳 储宁宁 王建国 李秀英 刘洋 陈静 杨帆 赵磊 黄河 周敏 吴昊 孙丽 马骏 朱红梅 胡志强 郭晓燕 林海峰 何春雨 高德明 罗晓琳".split()
for i, name in enumerate(NAMES):
    receipt = receive_inbound(channel="webform", external_id=f"bench-{i}", campaign=campaign, sender="127.0.0.1",
                              payload={"bench": i}, enqueue_processing=False)
    nomination = create_nomination_from_draft(inbound=receipt.inbound, draft=NominationDraft(
        nominee_name=name, nominee_kind="individual", deeds=f"{name}多年来坚持义务服务社区，第{i + 1}号基准候选人的事迹。" * 2,
        category_code="good-conduct"))
    for state in ["in_review", "verified", "shortlisted"]:
        set_nomination_state(nomination=nomination, new_state=state, actor=None)
open_ballot(campaign=campaign)
now = dt.datetime.now(dt.UTC)
Stage.objects.filter(campaign=campaign, kind="voting").update(starts_at=now - dt.timedelta(days=1), ends_at=now + dt.timedelta(days=1))
with open(sys.argv[2], "w") as out:
    for i in range(int(sys.argv[3])):
        out.write(issue_voter_token(campaign.pk, "sms", voter_hash(campaign.pk, "sms", f"+86139{i:08d}")) + "\n")
candidate_ids = list(campaign.candidates.values_list("pk", flat=True))
assert len(candidate_ids) == len(NAMES), f"expected {len(NAMES)} candidates on the ballot, got {len(candidate_ids)}"
print(",".join(str(pk) for pk in candidate_ids))
'''

NAIVE_TABLES = r'''
from django.db import connections
from voting_asgi import Choice, Vote
with connections["naive"].schema_editor() as editor:
    editor.create_model(Choice)
    editor.create_model(Vote)
Choice.objects.using("naive").bulk_create([Choice(pk=i, votes=0) for i in range(1, 21)])
'''


def setup(env: dict) -> str:
    tokens = ROOT / "var" / "bench-voting-tokens.txt"
    run_env = {**env, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'bench'}"}
    # voting_asgi first: it adds the `naive` database alias before Django opens any connection.
    out = subprocess.run([PY, "-c", "import voting_asgi\n" + SETUP + NAIVE_TABLES, str(ROOT / "campaigns" / f"{SLUG}.toml"),
                          str(tokens), str(VOTERS)], env=run_env, check=True, capture_output=True, text=True, cwd=ROOT)
    env["BENCH_TOKENS"] = str(tokens)
    env["BENCH_CANDIDATES"] = out.stdout.strip().splitlines()[-1]
    return env["BENCH_CANDIDATES"]


def start(cmd: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, cwd=ROOT / "bench", stdout=subprocess.DEVNULL, stderr=open(ROOT / "var" / "bench-voting-server.log", "a"),
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def wait_ready(url: str) -> None:
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url}")


def start_socket_redis() -> subprocess.Popen:
    """A private redis-server on a Unix socket (Redis on the vote server's own host), keeping nothing on disk
    like the machine's own Redis on TCP."""
    REDIS_SOCKET.unlink(missing_ok=True)
    server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(REDIS_SOCKET), "--unixsocketperm", "700",
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, start_new_session=True)
    for _ in range(100):
        if REDIS_SOCKET.exists():
            return server
        time.sleep(0.05)
    raise RuntimeError("redis-server did not open its socket")


def wait_drained() -> float:
    """Seconds until the flusher has moved every acknowledged vote from the Redis stream into the ledger."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    started = time.monotonic()
    while any(client.xlen(key) for key in client.keys("v*:ledger")):
        time.sleep(0.1)
    return time.monotonic() - started


def smoke(env: dict) -> None:
    """One real vote before the load, so a misconfiguration fails loudly instead of as a fast stream of 4xx."""
    import urllib.error
    import urllib.request

    token = Path(env["BENCH_TOKENS"]).read_text().splitlines()[-1]
    candidate = env["BENCH_CANDIDATES"].split(",")[0]
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/v/{SLUG}/vote", data=f"candidate={candidate}&nonce=smoke".encode(), method="POST",
        headers={"Cookie": f"xs_voter={token}", "Accept": "application/json"})
    try:
        reply = urllib.request.urlopen(request, timeout=5).read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"smoke vote refused: {error.code} {error.read()[:300]!r}") from None
    if b'"accepted"' not in reply:
        raise RuntimeError(f"smoke vote not accepted: {reply[:300]!r}")


def wrk(path: str, duration: int, connections: int, env: dict, script: str | None = None) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(ROOT / "bench" / script)]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{PORT}{path}"], env={**env, "BENCH_THREADS": "2"},
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": _ms(out, "50%"), "p99": _ms(out, "99%"), "requests": total, "non2xx": non2xx,
            "socket_errors": errors.group(1) if errors else ""}


def _ms(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def server_command(args) -> list[str]:
    # What `python -m xuanshu serve` runs (xuanshu.core.webserver), without its access log, on the benchmark's
    # application (the production one plus the naive route).
    sys.path.insert(0, str(ROOT / "src"))
    from xuanshu.core.webserver import SITE_APPLICATION, web_server_args

    served = web_server_args(host="127.0.0.1", port=PORT, workers=args.workers, access_log=False)
    assert served[-1] == SITE_APPLICATION
    return [PY, "-m", *served[:-1], "--log-level", "warning", *args.server_args.split(), "voting_asgi:application"]


def one_run(args) -> dict:
    env = environment(args.store)
    env["NAIVE_THREADS"] = str(args.threads)
    setup(env)
    server = start(server_command(args), env)
    # The flusher runs at the lowest CPU priority: during a burst Redis holds the acknowledged votes and the
    # database catches up behind; the next phase starts only once it has (the drain time is reported).
    flusher = start(["nice", "-n", "19", PY, "-m", "xuanshu", "votes", "flush", "--follow", "--interval", "0.5"], env) \
        if args.store == "redis" else None
    try:
        wait_ready(f"http://127.0.0.1:{PORT}/v/ping")
        smoke(env)
        wrk("/v/ping", 3, args.connections, env)  # warm up every worker
        results = {"vote": wrk(f"/v/{SLUG}/vote", args.duration, args.connections, env, "voting_vote.lua")}
        results["vote"]["drain_seconds"] = wait_drained() if flusher else 0.0
        results["noop"] = wrk("/v/ping", args.duration, args.connections, env)
        results["naive"] = wrk("/v/bench-naive", args.duration, args.connections, env)
        # For reference only, not a target: an empty page through the full Django site and all its middleware.
        results["site_noop"] = wrk("/healthz", args.duration, args.connections, env)
    finally:
        stop(server)
    if flusher:
        time.sleep(1)
        stop(flusher)
    results["check"] = check(env, results["vote"])
    return results


CHECK = r'''
import json
from django.core.management import call_command
from xuanshu.campaigns.models import Campaign
from xuanshu.voting import audit, selectors
from xuanshu.voting.config import vote_config
from xuanshu.voting.models import LedgerEntry
call_command("votes", "flush", verbosity=0)
campaign = Campaign.objects.get(slug="chucai-liaocheng-2024")
report = audit.verify(campaign.pk)
live = selectors.accepted_counts(vote_config(campaign.slug, fresh=True))
print(json.dumps({"verified": report.ok, "problems": report.problems[:5], "ledger_rows": report.entries,
                  "recount_accepted": sum(c["accepted"] for c in report.recount.values()),
                  "recount_quarantined": sum(c["quarantined"] for c in report.recount.values()),
                  "live_accepted": sum(live.values())}))
'''


def check(env: dict, vote: dict) -> dict:
    out = subprocess.run([PY, "-c", "import django; django.setup()\n" + CHECK], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["wrk_2xx"] = vote["requests"] - vote["non2xx"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["redis", "sqlite"], required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16, help="threads for the naive pattern's synchronous ORM")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--server-args", default="", help="Extra options for the server, e.g. '--backpressure 16'")
    parser.add_argument("--redis-socket", action="store_true",
                        help="Redis over a Unix socket: a private redis-server on var/bench-redis.sock, not the machine's TCP one")
    args = parser.parse_args()
    global REDIS_URL
    socket_redis = None
    if args.redis_socket and args.store == "redis":
        socket_redis = start_socket_redis()
        REDIS_URL = f"unix://{REDIS_SOCKET}?db=0"
    try:
        _run_all(args)
    finally:
        if socket_redis is not None:
            stop(socket_redis)


def _run_all(args) -> None:
    for run in range(1, args.runs + 1):
        r = one_run(args)
        v, n, z, c = r["vote"], r["noop"], r["naive"], r["check"]
        print(f"run {run} [{args.store}{' over a Unix socket' if args.redis_socket else ''}, uvicorn "
              f"workers={args.workers} naive threads={args.threads} {args.server_args}, "
              f"{args.connections} connections, {args.duration}s each]")
        for name in ["vote", "noop", "naive", "site_noop"]:
            x = r[name]
            print(f"  {name:9s} {x['rps']:9.0f} req/s  p50 {x['p50']:7.2f} ms  p99 {x['p99']:7.2f} ms  "
                  f"requests {x['requests']}  non-2xx {x['non2xx']}  {x['socket_errors']}")
        print(f"  vote/naive {v['rps'] / z['rps']:.2f}x   vote/no-op {v['rps'] / n['rps']:.2f}x   "
              f"vote/site no-op {v['rps'] / r['site_noop']['rps']:.2f}x (reference)")
        if v.get("drain_seconds"):
            sustained = v["requests"] / (args.duration + v["drain_seconds"])
            print(f"  ledger drained {v['drain_seconds']:.1f} s after the vote phase: sustained {sustained:.0f} votes/s "
                  f"({sustained / z['rps']:.2f}x naive) counting the drain")
        print(f"  ledger: verified={c['verified']} rows={c['ledger_rows']} recount accepted={c['recount_accepted']} "
              f"quarantined={c['recount_quarantined']} live tally accepted={c['live_accepted']} wrk 2xx={c['wrk_2xx']} "
              f"{'EQUAL' if c['recount_accepted'] == c['live_accepted'] else 'MISMATCH'} {c['problems']}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
