"""The benchmark's WSGI application: the production vote stack (xuanshu.voting.wsgi) plus one more route on
the same lean path, `/v/bench-naive`, running the naive Django pattern on PostgreSQL:

    Choice.objects.filter(pk=…).update(votes=F("votes") + 1); Vote.objects.create(choice_id=…)

The naive pattern goes through exactly the same server, handler and (absent) middleware as the vote, so the
comparison is of storage patterns alone. Its tables live in the `naive` database alias (BENCH_NAIVE_DATABASE_URL).
"""
import os
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuanshu.settings")

from django.conf import settings  # noqa: E402

from xuanshu.settings import database_from_url  # noqa: E402

settings.DATABASES["naive"] = database_from_url(os.environ["BENCH_NAIVE_DATABASE_URL"])

from django.db import models  # noqa: E402
from django.db.models import F  # noqa: E402
from django.http import JsonResponse  # noqa: E402

from xuanshu.voting.lean import LeanVoteApp  # noqa: E402
from xuanshu.voting.wsgi import application  # noqa: E402,F401  (sets Django up)

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


def naive_vote(request):
    pk = random.randint(1, CHOICES)
    Choice.objects.using("naive").filter(pk=pk).update(votes=F("votes") + 1)
    Vote.objects.using("naive").create(choice_id=pk)
    return JsonResponse({"ok": True})


LeanVoteApp()._route("/v/ping")  # load the production routes, then add the naive one beside them
LeanVoteApp.routes.append((re.compile(r"^/v/bench-naive$"), naive_vote))
