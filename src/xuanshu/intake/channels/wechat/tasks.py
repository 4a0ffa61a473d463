from huey.contrib.djhuey import db_task

from xuanshu.intake.channels.wechat.media import fetch_wechat_media


@db_task(retries=3, retry_delay=60)
def fetch_wechat_media_task(inbound_id: int) -> None:
    fetch_wechat_media(inbound_id=inbound_id)
