from huey.contrib.djhuey import db_task

from xuanshu.intake.services import process_inbound


@db_task(retries=2, retry_delay=30)
def process_inbound_task(inbound_id: int) -> None:
    process_inbound(inbound_id=inbound_id)
