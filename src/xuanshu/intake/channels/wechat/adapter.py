"""WeChat channel: read a stored message into a nomination draft, a follow-up, a reader tip or nothing.

Within the follow-up window after a nomination, the sender's messages join it, except a short question about it
(content.is_short_question), which is answered and kept as raw input only; a text message's words are read into the
nomination while it is unreviewed. So does a message received just before it
(conf.EARLY_FOLLOW_UP_MINUTES). One read before the nomination arrived was kept as a reader tip: processing the
nomination reads it again (read_again_after), and it moves from the tips to the nomination.
"""
from django.db.models import Q

from xuanshu.intake.channels.wechat.content import (
    FOLLOW_UP_TYPES,
    event_name,
    is_short_question,
    keyword_text,
    may_join_a_later_nomination,
    msg_type,
    readable_text,
    stored_message,
)
from xuanshu.intake.channels.wechat.models import DEFAULT_FOLLOW_UP_MINUTES
from xuanshu.intake.channels.wechat.selectors import account_of, early_follow_ups, nomination_opener_for
from xuanshu.intake.channels.wechat.services import fetch_media_read_late
from xuanshu.intake.enums import TipState
from xuanshu.intake.interpretation import FollowUpTo, Interpretation, NothingToDo, NotReadyYet, ReaderTipText
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.extraction import draft_from_text, mentions_keyword
from xuanshu.nominations.models import Nomination


class OpeningNotProcessedYet(NotReadyYet):
    """A follow-up is processed before the message that opened its nomination; it waits for that message."""


def interpret(inbound: InboundMessage) -> Interpretation:
    account = account_of(inbound)
    message = stored_message(inbound, account)
    if msg_type(message) == "event":
        return NothingToDo(f"event {event_name(message) or 'unknown'}")
    text = readable_text(message)
    campaign = inbound.campaign
    if campaign is not None and (
        inbound.reference or mentions_keyword(keyword_text(message), keyword=campaign.keyword, variants=campaign.keyword_variants)
    ):
        return draft_from_text(text=text, campaign=inbound.campaign)
    if msg_type(message) in FOLLOW_UP_TYPES:
        window = account.follow_up_minutes if account else DEFAULT_FOLLOW_UP_MINUTES
        opener = nomination_opener_for(inbound, window_minutes=window, early=may_join_a_later_nomination(message, campaign))
        if opener is not None:
            if is_short_question(keyword_text(message)):
                # Answered with where to check progress (replies.status_question_reply); the raw record is all it needs.
                return NothingToDo(f"a question about nomination {opener.reference}")
            nomination_id = Nomination.objects.filter(inbound=opener).values_list("pk", flat=True).first()
            if nomination_id is None:
                raise OpeningNotProcessedYet(f"nomination {opener.reference} is not created yet", inbound_id=opener.pk)
            text = keyword_text(message)
            # A text message is more of the nomination (（2/3）…); a voice message's recognition is no text the sender
            # wrote, and stays beside it for editors to listen to.
            return FollowUpTo(nomination_id=nomination_id, text=text, part_text=text if msg_type(message) == "text" else "")
    return ReaderTipText(text=text)


def read_again_after(inbound: InboundMessage) -> list[int]:
    """Once a nomination's opener is processed: the sender's messages from just before it that have not joined it yet
    (kept as an open reader tip, or not read yet), to be processed again."""
    if not inbound.reference:
        return []
    joining = [early.pk for early in early_follow_ups(inbound)]
    not_yet = InboundMessage.objects.filter(pk__in=joining, follow_up__isnull=True).filter(Q(tip__isnull=True) | Q(tip__state=TipState.OPEN))
    return list(not_yet.order_by("received_at", "id").values_list("pk", flat=True))


def on_processed(inbound: InboundMessage) -> None:
    """As a message becomes processed: a photo, voice or video kept undecryptable at receipt has its media fetched now."""
    fetch_media_read_late(inbound=inbound)
