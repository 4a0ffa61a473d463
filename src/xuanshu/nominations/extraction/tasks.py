from huey.contrib.djhuey import db_task

from xuanshu.nominations.extraction.services import absorb_follow_ups, record_extraction, screen_nomination
from xuanshu.nominations.models import FollowUpMessage, Nomination


@db_task(retries=2, retry_delay=30)
def analyse_nomination_task(nomination_id: int, source_text: str) -> None:
    """Screen every new nomination and keep what the extractor read from its text (`source_text`)."""
    nomination = Nomination.objects.select_related("campaign").get(pk=nomination_id)
    screen_nomination(nomination=nomination)
    if source_text:
        record_extraction(nomination=nomination, text=source_text)
        # A worker may have taken a follow-up before this task: it found no extraction to add to, so it is read here.
        if FollowUpMessage.objects.filter(nomination_id=nomination_id).exclude(part_text="").exists():
            absorb_follow_ups(nomination_id=nomination_id)


@db_task(retries=2, retry_delay=30)
def absorb_follow_ups_task(nomination_id: int) -> None:
    """Read the text of a nomination's follow-ups into it (extraction.services.absorb_follow_ups)."""
    absorb_follow_ups(nomination_id=nomination_id)
