"""Which store the vote path uses: Redis when VOTING_REDIS_URL or REDIS_URL is set, else the database.

Resolved once per process (reading settings costs more than some of the vote's own steps), and again when a
test changes the setting.
"""
from django.core.signals import setting_changed
from django.dispatch import receiver

from xuanshu.voting import store_db

_resolved = None


def uses_redis() -> bool:
    from xuanshu.voting.store_redis import redis_url

    return bool(redis_url())


def store():
    global _resolved
    if _resolved is None:
        if uses_redis():
            from xuanshu.voting import store_redis

            _resolved = store_redis
        else:
            _resolved = store_db
    return _resolved


@receiver(setting_changed)
def _forget_store(*, setting, **kwargs):
    global _resolved
    if setting in {"REDIS_URL", "VOTING_REDIS_URL"}:
        _resolved = None
