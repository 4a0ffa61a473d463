from huey.contrib.djhuey import db_task

from xuanshu.intake.channels.wechat import conf
from xuanshu.intake.channels.wechat.media import fetch_wechat_media


@db_task(retries=conf.MEDIA_FETCH_RETRIES, retry_delay=conf.MEDIA_FETCH_RETRY_DELAY_SECONDS,
         retry_backoff=conf.MEDIA_FETCH_RETRY_BACKOFF, context=True)
def fetch_wechat_media_task(inbound_id: int, task=None) -> None:
    # With context=True huey passes the running task: its `retries` are the attempts still to come, none on the last.
    fetch_wechat_media(inbound_id=inbound_id, last_attempt=task is None or not task.retries)
