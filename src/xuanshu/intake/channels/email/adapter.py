"""E-mail channel: read a stored message into a nomination draft (keyword present) or a reader tip."""
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from xuanshu.intake.channels import Description
from xuanshu.intake.channels.email.attachments import store_mail_files
from xuanshu.intake.channels.email.decode import MailUnreadable, ParsedMail, parse_mail
from xuanshu.intake.interpretation import ReaderTipText
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.extraction import draft_from_text, mentions_keyword


def valid_address(address: str) -> str:
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def mail_text(parsed: ParsedMail) -> str:
    """What the sender wrote: the subject, then the body."""
    return "\n\n".join(part for part in (parsed.subject, parsed.text) if part)


def interpret(inbound: InboundMessage):
    """Parse the raw bytes; keep the files; a message with the campaign keyword becomes a draft, any other a tip."""
    if inbound.raw_body is None:
        raise MailUnreadable("no raw message stored")
    parsed = parse_mail(bytes(inbound.raw_body))
    store_mail_files(inbound=inbound, parsed=parsed)
    text = mail_text(parsed)
    campaign = inbound.campaign
    if campaign and mentions_keyword(text, keyword=campaign.keyword, variants=campaign.keyword_variants):
        return draft_from_text(
            text=text, sender_name=parsed.sender_name, sender_email=valid_address(parsed.sender_email), campaign=inbound.campaign,
        )
    return ReaderTipText(text)


def describe(inbound: InboundMessage) -> Description:
    """The decoded mail, for listings: subject, body and file names; nothing is stored."""
    if inbound.raw_body is None:
        raise MailUnreadable("no raw message stored")
    parsed = parse_mail(bytes(inbound.raw_body))
    return Description(subject=parsed.subject, text=parsed.text, attachments=tuple(f.name or f.content_type for f in parsed.files))
