"""Fixed-window counters shared by every process: in Redis when configured, else in the database."""
import time

from django.db import connection, transaction

from xuanshu.voting import backend


def take(scope: str, key: str, *, limit: int, window_seconds: int, now: float | None = None) -> bool:
    """Count one use of `key`; True while it stays within `limit` per window."""
    now = time.time() if now is None else now
    name = f"th:{scope}:{key}:{int(now // window_seconds)}"
    if backend.uses_redis():
        from xuanshu.voting.store_redis import client

        pipe = client().pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, window_seconds + 1)
        count = pipe.execute()[0]
    else:
        from xuanshu.voting.store_db import SqlOps

        with transaction.atomic(), connection.cursor() as cursor:
            count = SqlOps(cursor, now).incr(name)
    return count <= limit


def put_once(name: str, value: str, *, ttl_seconds: int, now: float | None = None) -> None:
    """Keep a short-lived secret (a captcha answer) where every process can take it exactly once."""
    now = time.time() if now is None else now
    if backend.uses_redis():
        from xuanshu.voting.store_redis import client

        client().set(f"once:{name}", value, ex=ttl_seconds)
        return
    from xuanshu.voting.models import VotingState

    VotingState.objects.update_or_create(name=f"once:{name}", defaults={"value": value, "expires_at": int(now) + ttl_seconds})


def take_once(name: str, now: float | None = None) -> str | None:
    """The value kept by `put_once`, removed as it is read; None when missing or expired."""
    now = time.time() if now is None else now
    if backend.uses_redis():
        from xuanshu.voting.store_redis import client

        value = client().getdel(f"once:{name}")
        return value.decode() if value is not None else None
    from xuanshu.voting.models import VotingState

    with transaction.atomic():
        row = VotingState.objects.select_for_update().filter(name=f"once:{name}").first()
        if row is None:
            return None
        row.delete()
    return row.value if row.expires_at >= now else None
