"""Background work of the vote: purging expired key-value state."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from xuanshu.voting.maintenance import purge_expired_state


@db_periodic_task(crontab(minute="17"))  # hourly; keys live for days, so an hour's lag costs little room
@lock_task("voting-state-purge")
def purge_voting_state_task() -> None:
    purge_expired_state()
