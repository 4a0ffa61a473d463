"""Which store the vote path uses: Redis when VOTING_REDIS_URL or REDIS_URL is set, else the database."""
from xuanshu.voting import store_db


def uses_redis() -> bool:
    from xuanshu.voting.store_redis import redis_url

    return bool(redis_url())


def store():
    if uses_redis():
        from xuanshu.voting import store_redis

        return store_redis
    return store_db
