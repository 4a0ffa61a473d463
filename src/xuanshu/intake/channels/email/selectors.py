"""Reads for the e-mail channel."""
import re

from xuanshu.intake.channels.email.decode import ParsedMail
from xuanshu.intake.channels.email.models import AutoReply
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import InboundMessage

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_MAX_THREAD_IDS = 50


def thread_ids(parsed: ParsedMail) -> list[str]:
    """The Message-IDs a message answers (In-Reply-To first, then References from the newest), at most 50."""
    ids = _MESSAGE_ID.findall(parsed.in_reply_to) + _MESSAGE_ID.findall(parsed.references)[::-1]
    return list(dict.fromkeys(ids))[:_MAX_THREAD_IDS]


def thread_messages(inbound: InboundMessage, parsed: ParsedMail) -> list[InboundMessage]:
    """The sender's own stored e-mails this message answers, newest reference first: directly, or through our
    acknowledgement of one. Only the same sender's thread counts: someone else's reply never joins their nomination.
    A Message-ID that two different stored messages share (a broken mailer) names both, the first stored first."""
    ids = thread_ids(parsed)
    if not ids or not inbound.sender or inbound.campaign_id is None:
        return []
    by_id: dict[str, list[int]] = {}
    for message_id, inbound_id in AutoReply.objects.filter(message_id__in=ids).values_list("message_id", "inbound_id"):
        by_id.setdefault(message_id, []).append(inbound_id)
    stored = InboundMessage.objects.filter(channel=Channel.EMAIL, external_id__in=ids).order_by("pk")
    for message_id, inbound_id in stored.values_list("external_id", "pk"):
        by_id.setdefault(message_id, []).append(inbound_id)
    found = (
        InboundMessage.objects.filter(pk__in={pk for pks in by_id.values() for pk in pks}, channel=Channel.EMAIL,
                                      campaign_id=inbound.campaign_id, sender__iexact=inbound.sender)
        .exclude(pk=inbound.pk).select_related("nomination", "follow_up").in_bulk()
    )
    answered = [pk for message_id in ids for pk in by_id.get(message_id, ()) if pk in found]
    return [found[pk] for pk in dict.fromkeys(answered)]
