"""Without Redis, every server process shares one cache: the database's.

Rate limits, the SMS resend guards and the WeChat access token live in the cache. A cache per process would
let `serve --workers 2` grant each limit twice, and each process would fetch its own WeChat token, which makes
WeChat expire the other's. This runs the production settings in separate processes on one database file.
"""
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]


def _run(code: str, database: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TEST_DATABASE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "xuanshu.settings", "DATABASE_URL": f"sqlite:///{database}",
                "PYTHONPATH": str(SRC)})
    script = "import django; django.setup()\n" + code
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_two_processes_share_the_cache_and_its_rate_limit_without_redis(tmp_path):
    database = tmp_path / "shared.sqlite3"
    _run("from django.core.management import call_command; call_command('migrate', verbosity=0)", database)
    limit = ("from xuanshu.core.ratelimit import hit\n"
             "print([hit('test', 'one-address', limit=3, window_seconds=3600) for _ in range(2)])")
    first, second = _run(limit, database), _run(limit, database)
    backend = _run("from django.core.cache import caches; print(type(caches[\"default\"]).__name__)", database)
    assert (backend, first, second) == ("DatabaseCache", "[True, True]", "[True, False]")
