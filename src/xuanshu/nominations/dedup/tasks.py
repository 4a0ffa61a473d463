from huey.contrib.djhuey import db_task

from xuanshu.nominations.dedup import services


@db_task(retries=2, retry_delay=30)
def assign_nominee_task(nomination_id: int, reassess: bool = False) -> None:
    services.assign_nominee(nomination_id=nomination_id, reassess=reassess)
