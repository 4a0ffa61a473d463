"""E-mail channel: read a stored message into a nomination draft (keyword present), a follow-up (a reply in the
thread of the sender's own nomination) or a reader tip. Mail a machine wrote (auto-replies, bounces) is never a
nomination or a follow-up: it is kept as a tip."""
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from xuanshu.intake.channels import Description, SenderContact
from xuanshu.intake.channels.email.attachments import store_mail_files
from xuanshu.intake.channels.email.decode import MailUnreadable, ParsedMail, parse_mail
from xuanshu.intake.channels.email.quoting import reply_part
from xuanshu.intake.channels.email.selectors import thread_messages
from xuanshu.intake.enums import InboundStatus
from xuanshu.intake.interpretation import FollowUpTo, NotReadyYet, ReaderTipText
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


_BOUNCE_SENDER = re.compile(r"^(mailer[-_.]?daemon|postmaster)([-+._].*)?@", re.IGNORECASE)
# Out-of-office replies from mailers that send no Auto-Submitted header (QQ Mail, Foxmail, Outlook in Chinese and English).
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(自动回复|自动答复|自動回覆|自動回復|自動答覆|假期自动回复|auto(matic)?[-_ ]?reply|out of (the )?office)", re.IGNORECASE,
)


def is_automatic(parsed: ParsedMail) -> bool:
    """Written by a machine, not a person: an auto-reply (RFC 3834 Auto-Submitted, X-Autoreply, an out-of-office
    subject) or a bounce (null return path, mailer-daemon). It may quote a nomination; it never is one."""
    auto_submitted = parsed.auto_submitted.split(";")[0].strip().lower()
    return bool(
        (auto_submitted and auto_submitted != "no") or parsed.auto_reply_markers or parsed.return_path.strip() == "<>"
        or _BOUNCE_SENDER.match(parsed.sender_email) or _AUTO_REPLY_SUBJECT.match(parsed.subject)
    )


class NominationNotProcessedYet(NotReadyYet):
    """A reply is processed before the e-mail it answers; it waits for that one."""


def replied_nomination_id(inbound: InboundMessage, parsed: ParsedMail) -> int | None:
    """The nomination a reply in the sender's own thread adds to (answering their nomination, our acknowledgement of
    it, or an earlier follow-up), or None; raises NotReadyYet while the e-mail it answers is still pending."""
    for earlier in thread_messages(inbound, parsed):
        if hasattr(earlier, "nomination"):
            return earlier.nomination.pk
        if hasattr(earlier, "follow_up"):
            return earlier.follow_up.nomination_id
        if earlier.status == InboundStatus.PENDING:
            raise NominationNotProcessedYet(f"the e-mail it answers (inbound {earlier.pk}) is not processed yet", inbound_id=earlier.pk)
    return None


def interpret(inbound: InboundMessage):
    """Parse the raw bytes; keep the files; a reply in the thread of the sender's nomination joins it, another message
    with the campaign keyword becomes a draft, any other (and any auto-reply or bounce) a tip."""
    if inbound.raw_body is None:
        raise MailUnreadable("no raw message stored")
    parsed = parse_mail(bytes(inbound.raw_body))
    store_mail_files(inbound=inbound, parsed=parsed)
    text = mail_text(parsed)
    campaign = inbound.campaign
    if is_automatic(parsed):
        return ReaderTipText(text)
    nomination_id = replied_nomination_id(inbound, parsed)
    if nomination_id is not None:
        # Editors read the reply as it came; the nomination takes in only what it adds, not the mail it quotes.
        return FollowUpTo(nomination_id=nomination_id, text=text, part_text=reply_part(parsed.subject, parsed.text))
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


def sender_contact(inbound: InboundMessage) -> SenderContact:
    """The mail's sender; none for an auto-reply or a bounce, whose sender is a machine."""
    if inbound.raw_body is None:
        return SenderContact()
    parsed = parse_mail(bytes(inbound.raw_body))
    if is_automatic(parsed):
        return SenderContact()
    return SenderContact(name=parsed.sender_name, email=valid_address(parsed.sender_email))
