"""Fixed-window rate limits kept in the cache (Redis in production), shared by every process."""
import time

from django.core.cache import cache


def client_ip(request) -> str:
    # Behind a trusted reverse proxy, the proxy sets REMOTE_ADDR via its own module; we never trust
    # X-Forwarded-For from the client, which a brusher can forge at will.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit; return True while `key` stays within `limit` hits per window."""
    window = int(time.time() // window_seconds)
    cache_key = f"rl:{scope}:{key}:{window}"
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds + 1)
        return True
    return count <= limit


def refund(scope: str, key: str, *, window_seconds: int) -> None:
    """Take back one hit counted by `hit` in the current window (a try that turned out not to count)."""
    cache_key = f"rl:{scope}:{key}:{int(time.time() // window_seconds)}"
    try:
        cache.decr(cache_key)
    except ValueError:  # the window turned over in between: nothing to take back
        pass
