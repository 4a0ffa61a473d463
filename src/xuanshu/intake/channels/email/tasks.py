"""Background work of the e-mail channel: polling the campaign mailboxes, sending acknowledgements."""
from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from xuanshu.intake.channels.email.imap import fetch_mailboxes
from xuanshu.intake.channels.email.replies import send_acknowledgement

POLL_MINUTES = max(1, int(getattr(settings, "MAILBOX_POLL_MINUTES", 5)))


@db_periodic_task(crontab(minute=f"*/{POLL_MINUTES}"))
@lock_task("mailbox-poll")  # a slow poll must not overlap the next one
def poll_mailboxes_task() -> None:
    fetch_mailboxes()


@db_task(retries=3, retry_delay=300)
def send_acknowledgement_task(inbound_id: int) -> None:
    send_acknowledgement(inbound_id=inbound_id)
