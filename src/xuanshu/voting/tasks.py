"""Background work of the vote: purging expired key-value state, and the fraud dashboard's whole-vote snapshots."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from xuanshu.voting.maintenance import purge_expired_state


@db_periodic_task(crontab(minute="17"))  # hourly; keys live for days, so an hour's lag costs little room
@lock_task("voting-state-purge")
def purge_voting_state_task() -> None:
    purge_expired_state()


@db_periodic_task(crontab(minute="*/10"))
@lock_task("voting-whole-vote-clusters")
def refresh_whole_vote_clusters_task() -> None:
    """Count the whole vote's clusters ahead of the editors while a vote is open, so the dashboard reads them at once."""
    from xuanshu.voting.maintenance import refresh_whole_vote_snapshots

    refresh_whole_vote_snapshots()
