from huey.contrib.djhuey import db_task

from xuanshu.nominations.extraction.services import record_extraction, screen_nomination
from xuanshu.nominations.models import Nomination


@db_task(retries=2, retry_delay=30)
def analyse_nomination_task(nomination_id: int, source_text: str) -> None:
    """Screen every new nomination and keep what the extractor read from its text (`source_text`)."""
    nomination = Nomination.objects.select_related("campaign").get(pk=nomination_id)
    screen_nomination(nomination=nomination)
    if source_text:
        record_extraction(nomination=nomination, text=source_text)
