"""Partner API channel (齐鲁壹点 app 情报站): interpret a stored tip into a nomination draft or a reader tip."""
from xuanshu.intake.channels import Description, SenderContact
from xuanshu.intake.channels.api.record import is_nomination, read_tip
from xuanshu.intake.interpretation import NominationDraft, ReaderTipText
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.extraction import draft_from_text


def interpret(inbound: InboundMessage) -> NominationDraft | ReaderTipText:
    """Re-read the raw record: with the keyword (tag or text) it is a nomination, else a reader tip."""
    tip = read_tip(inbound)
    if inbound.campaign is not None and is_nomination(tip, inbound.campaign):
        return draft_from_text(
            text=tip.content, sender_name=tip.contact_name, sender_phone=tip.contact_phone, campaign=inbound.campaign,
        )
    return ReaderTipText(text=tip.content)


def describe(inbound: InboundMessage) -> Description:
    """The tip as stored, for listings: its tag, its text and the names of its images."""
    tip = read_tip(inbound)
    images = (inbound.payload or {}).get("images") or []
    return Description(subject=tip.tag, text=tip.content, attachments=tuple(image.get("name", "") for image in images))


def sender_contact(inbound: InboundMessage) -> SenderContact:
    """The contact the app sent with the tip."""
    tip = read_tip(inbound)
    return SenderContact(name=tip.contact_name, phone=tip.contact_phone)
