"""Fixed-window counters shared by every process: in Redis when configured, else in the database."""
import ipaddress
import time

from django.db import connection, transaction

from xuanshu.voting import backend
from xuanshu.voting.identity import keyed_hash, network_of


def address_keys(ip: str) -> tuple[str, str]:
    """(address, subnet) to count a client by, as keyed hashes: an IPv4 address and its /24; for IPv6 its /64,
    which one subscriber holds whole and rotates through at will, and the /48 around it."""
    address, subnet = network_of(ip)
    if not address:  # not an address (no REMOTE_ADDR): all such clients count as one
        return keyed_hash("ip", ip or "unknown"), ""
    if ":" in address:
        return keyed_hash("ip", subnet), keyed_hash("subnet", str(ipaddress.ip_network(f"{address}/48", strict=False)))
    return keyed_hash("ip", address), keyed_hash("subnet", subnet)


def _name(scope: str, key: str, window_seconds: int, now: float) -> str:
    return f"th:{scope}:{key}:{int(now // window_seconds)}"


def used(scope: str, key: str, *, window_seconds: int, now: float | None = None) -> int:
    """How many uses of `key` `take` has counted in the present window, counting none."""
    name = _name(scope, key, window_seconds, time.time() if now is None else now)
    if backend.uses_redis():
        from xuanshu.voting.store_redis import client

        value = client().get(name)
    else:
        from xuanshu.voting.models import VotingState

        value = VotingState.objects.filter(name=name).values_list("value", flat=True).first()
    return int(value or 0)


def take(scope: str, key: str, *, limit: int, window_seconds: int, now: float | None = None) -> bool:
    """Count one use of `key`; True while it stays within `limit` per window."""
    now = time.time() if now is None else now
    name = _name(scope, key, window_seconds, now)
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
