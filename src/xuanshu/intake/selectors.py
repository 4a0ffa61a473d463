"""Reads of the intake side: reader tips for the console's inbox, kept files for the console."""
from django.db.models import QuerySet

from xuanshu.intake.models import InboundFile, InboundMessage, ReaderTip


def tips_inbox(*, state: str = "", channel: str = "", campaign_id: int | None = None) -> QuerySet[ReaderTip]:
    tips = ReaderTip.objects.select_related("inbound", "campaign", "nomination")
    if state:
        tips = tips.filter(state=state)
    if channel:
        tips = tips.filter(channel=channel)
    if campaign_id:
        tips = tips.filter(campaign_id=campaign_id)
    return tips.order_by("-received_at", "-id")


def tip_for_console(tip_id: int) -> ReaderTip:
    return ReaderTip.objects.select_related("inbound", "campaign", "nomination").get(pk=tip_id)


def kept_file_for_console(file_id: int) -> InboundFile:
    """One kept file (voice, video, document); raises InboundFile.DoesNotExist."""
    return InboundFile.objects.get(pk=file_id)


def nomination_not_read_yet(*, reference: str, campaign_id: int) -> InboundMessage | None:
    """The inbound message given `reference` whose nomination the task worker has not made yet; None if there is none
    (or its nomination exists)."""
    return InboundMessage.objects.filter(reference=reference, campaign_id=campaign_id, nomination__isnull=True).first()
