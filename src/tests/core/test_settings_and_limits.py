import sqlite3

from django.core.cache import cache
from django.db.backends.sqlite3.base import DatabaseWrapper

from xuanshu.core.ratelimit import hit
from xuanshu.settings import database_from_url


def test_sqlite_file_database_runs_in_wal_mode(db, tmp_path):
    config = database_from_url(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    wrapper = DatabaseWrapper({**config, "TIME_ZONE": None, "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False,
                               "CONN_HEALTH_CHECKS": False, "TEST": {}}, alias="waltest")
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    wrapper.close()
    assert sqlite3.connect(tmp_path / "x.sqlite3").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_postgres_url_selects_postgres():
    config = database_from_url("postgres://postgres@127.0.0.1:5432/xuanshu")
    assert (config["ENGINE"], config["HOST"], config["NAME"], config["USER"]) == (
        "django.db.backends.postgresql", "127.0.0.1", "xuanshu", "postgres",
    )


def test_rate_limit_allows_the_limit_then_refuses():
    cache.clear()
    results = [hit("t", "1.2.3.4", limit=3, window_seconds=60) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert hit("t", "5.6.7.8", limit=3, window_seconds=60) is True
