"""The benchmark's ASGI application: the production vote stack (xuanshu.voting.asgi) plus one more route on
the same lean path, `/v/bench-naive`, running the naive Django pattern on PostgreSQL:

    Choice.objects.filter(pk=…).update(votes=F("votes") + 1); Vote.objects.create(choice_id=…)

The naive pattern goes through exactly the same server and lean path as the vote; its synchronous ORM calls
run on a pool of threads, as synchronous Django code must under ASGI (NAIVE_THREADS, like a WSGI server's
threads). Its tables live in the `naive` database alias (BENCH_NAIVE_DATABASE_URL).
"""
import asyncio
import os
import random
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuanshu.settings")

from django.conf import settings  # noqa: E402

from xuanshu.settings import database_from_url  # noqa: E402

settings.DATABASES["naive"] = database_from_url(os.environ["BENCH_NAIVE_DATABASE_URL"])

from django.db import models  # noqa: E402
from django.db.models import F  # noqa: E402

from xuanshu.voting.asgi import application  # noqa: E402  (sets Django up: first)

__all__ = ["application"]

from xuanshu.voting import lean  # noqa: E402

CHOICES = 20


class Choice(models.Model):
    votes = models.IntegerField(default=0)

    class Meta:
        app_label = "voting_bench"
        db_table = "bench_choice"


class Vote(models.Model):
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "voting_bench"
        db_table = "bench_vote"


def naive_vote() -> None:
    pk = random.randint(1, CHOICES)
    Choice.objects.using("naive").filter(pk=pk).update(votes=F("votes") + 1)
    Vote.objects.using("naive").create(choice_id=pk)


_threads = ThreadPoolExecutor(max_workers=int(os.environ.get("NAIVE_THREADS", "16")))
_serve_lean = lean.LeanVotePath._serve


async def _serve_with_naive(self, scope, receive, send):
    """The production lean path, plus the naive route beside the vote and the no-op."""
    if scope["path"] == "/v/bench-naive":
        await asyncio.get_running_loop().run_in_executor(_threads, naive_vote)
        await lean._reply(send, 200, b'{"ok": true}')
        return
    await _serve_lean(self, scope, receive, send)


lean.LeanVotePath._serve = _serve_with_naive
