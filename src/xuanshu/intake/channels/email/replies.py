"""The acknowledgement of an e-mail nomination: its reference number and signed status link (or, outside the
nomination stage, that it was kept as a tip), in Chinese, once, and never to a robot.

Follows RFC 3834 (automatic responses): no reply to auto-submitted mail, lists, bulk mail, bounces or
no-reply senders; the reply carries In-Reply-To/References and `Auto-Submitted: auto-replied`.
"""
import datetime as dt
import logging
import re
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xuanshu.core.errors import IllegalTransition
from xuanshu.core.services import record_activity
from xuanshu.intake.channels.email.adapter import valid_address
from xuanshu.intake.channels.email.decode import ParsedMail, parse_mail
from xuanshu.intake.channels.email.models import REPLY_TRANSITIONS, AutoReply, Mailbox, ReplyStatus
from xuanshu.intake.enums import NominationWindow
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.intake.notices import held_nomination_notice
from xuanshu.public.links import lookup_path, public_status_url

logger = logging.getLogger("xuanshu.intake.email")

_ROBOT_LOCAL_PART = re.compile(
    r"^(mailer[-_.]?daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|auto[-_.]?reply)([-+._].*)?$", re.IGNORECASE,
)


def refusal_reason(parsed: ParsedMail, *, own_addresses: set[str]) -> str:
    """Why this message must get no automatic reply, or '' when it may get one."""
    auto_submitted = parsed.auto_submitted.split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_submitted"
    if parsed.auto_reply_markers:
        return "auto_reply_header"
    if parsed.precedence.strip().lower() in {"bulk", "list", "junk"}:
        return "precedence"
    if parsed.list_id:
        return "mailing_list"
    if parsed.return_path.strip() == "<>":
        return "bounce"  # null reverse-path: delivery status notifications (RFC 5321 §4.5.5)
    address = valid_address(parsed.sender_email)
    if not address:
        return "no_address"
    if _ROBOT_LOCAL_PART.match(address.rsplit("@", 1)[0]):
        return "robot_sender"
    if address.lower() in own_addresses:
        return "own_address"
    return ""


def own_addresses(campaign) -> set[str]:
    """Our own addresses: a reply to any of them would talk to ourselves."""
    addresses = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(), (campaign.mailbox or "").lower()}
    addresses |= {username.lower() for username in Mailbox.objects.values_list("username", flat=True) if "@" in username}
    return addresses - {""}


def replies_today(recipient: str, *, now: dt.datetime) -> int:
    """Replies sent (or being sent) to this address in the last 24 hours."""
    return AutoReply.objects.filter(
        recipient=recipient, status__in=[ReplyStatus.SENT, ReplyStatus.SENDING], created_at__gte=now - dt.timedelta(days=1),
    ).count()


def _set_reply_status(reply: AutoReply, status: str, *, error: str = "", message_id: str = "") -> AutoReply:
    """The only writer of a reply's status after it is created: checks REPLY_TRANSITIONS, audits."""
    with transaction.atomic():
        updated = AutoReply.objects.filter(pk=reply.pk, status__in=[old for old, new in REPLY_TRANSITIONS.items() if status in new])
        fields = {"status": status, "error": error[:2000]}
        if status == ReplyStatus.SENT:
            fields.update(sent_at=timezone.now(), message_id=message_id)
        if not updated.update(**fields):
            raise IllegalTransition(f"reply {reply.pk}: cannot become {status}")
        record_activity(actor=None, actor_label="channel:email", action=f"email.reply_{status}", subject=reply.inbound,
                        old_value={"status": reply.status}, new_value={"status": status, "error": error[:200]})
    reply.refresh_from_db()
    return reply


def _claim(inbound: InboundMessage, parsed: ParsedMail) -> tuple[AutoReply, bool]:
    """Decide once per message: (reply, True) when this caller must send it now."""
    existing = AutoReply.objects.filter(inbound=inbound).first()
    if existing is not None:
        if existing.status != ReplyStatus.FAILED:
            return existing, False
        try:
            return _set_reply_status(existing, ReplyStatus.SENDING), True
        except IllegalTransition:
            return existing, False  # another worker retried it first
    recipient = valid_address(parsed.sender_email).lower()
    limit = getattr(settings, "MAILBOX_REPLIES_PER_SENDER_PER_DAY", 3)
    try:
        with transaction.atomic():
            # Demo data (a rehearsal's seeded messages) is addressed to nobody real: it never gets a reply.
            reason = "demo_data" if inbound.is_demo else refusal_reason(parsed, own_addresses=own_addresses(inbound.campaign))
            if not reason and replies_today(recipient, now=timezone.now()) >= limit:
                reason = "daily_limit"
            reply = AutoReply.objects.create(
                inbound=inbound, recipient=recipient, reason=reason,
                status=ReplyStatus.SKIPPED if reason else ReplyStatus.SENDING,
            )
            record_activity(actor=None, actor_label="channel:email", action=f"email.reply_{reply.status}", subject=inbound,
                            new_value={"status": reply.status, "reason": reason})
    except IntegrityError:
        return AutoReply.objects.get(inbound=inbound), False
    return reply, not reason


def build_acknowledgement(*, inbound: InboundMessage, parsed: ParsedMail, recipient: str, held_because: str = "") -> EmailMessage:
    """The reply in Chinese, threaded under the citizen's message: the reference number and status link, or (`held_because`)
    that nominations are closed or not yet open and the message was kept for the editors."""
    campaign = inbound.campaign
    with translation.override("zh-hans"):
        greeting = _("Hello %(name)s,") % {"name": parsed.sender_name} if parsed.sender_name else _("Hello,")
        if held_because:
            paragraphs = [greeting, held_nomination_notice(campaign, held_because)]
            subject = (_("Nominations are closed: your message was kept") if held_because == NominationWindow.CLOSED
                       else _("Nominations are not open yet: your message was kept"))
        else:
            paragraphs = [
                greeting,
                _("Thank you for your nomination for %(campaign)s. We have received it; its reference number is %(reference)s.")
                % {"campaign": campaign.name, "reference": inbound.reference},
                _("Our editors review every nomination; there is no need to send it again. "
                  "Please quote the reference number whenever you contact us about it."),
            ]
            paragraphs.append(status_paragraph(campaign, inbound.reference))
            subject = _("Nomination received: %(reference)s") % {"reference": inbound.reference}
        if campaign.hotline and (held_because or public_status_url(campaign, inbound.reference)):
            paragraphs.append(_("Reader hotline: %(hotline)s") % {"hotline": campaign.hotline})
        paragraphs += [_("This is an automatic reply."), campaign.undertaker]
    references = " ".join(part for part in (parsed.references, parsed.message_id) if part)
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All", "Message-ID": make_msgid(domain=_domain())}
    if parsed.message_id:
        headers.update({"In-Reply-To": parsed.message_id, "References": references})
    return EmailMessage(subject=subject, body="\n\n".join(paragraphs) + "\n", from_email=settings.DEFAULT_FROM_EMAIL,
                        to=[recipient], headers=headers)


def status_paragraph(campaign, reference: str) -> str:
    """How the nominator follows the nomination: its own page, which no lookup limit can keep them out of; or, when
    the public origin is not configured (there is no request to take a host from, and a wrong host would be a dead
    link), the lookup page's path with the reference and phone, and the hotline."""
    if status_url := public_status_url(campaign, reference):
        return _("Check its progress at any time, without your phone number: %(url)s") % {"url": status_url}
    values = {"campaign": campaign.name, "path": lookup_path(campaign), "hotline": campaign.hotline}
    if campaign.hotline:
        return _("To check its progress, open the status lookup page %(path)s on the %(campaign)s website and enter the "
                 "reference number with the phone number you gave us, or call the reader hotline %(hotline)s and quote "
                 "the reference number.") % values
    return _("To check its progress, open the status lookup page %(path)s on the %(campaign)s website and enter the "
             "reference number with the phone number you gave us.") % values


def _domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rsplit("@", 1)[1] if "@" in address else "localhost"


def send_acknowledgement(*, inbound_id: int) -> AutoReply | None:
    """Send the reference number to whoever e-mailed the nomination, unless a rule says not to; a nomination
    kept as a tip because nominations were closed (or not yet open) is answered with that instead.

    Once per message: a failed send is kept as failed and raised, so the task queue retries it.
    """
    inbound = InboundMessage.objects.select_related("campaign").get(pk=inbound_id)
    held_because = ReaderTip.objects.filter(inbound=inbound).values_list("held_because", flat=True).first() or ""
    if not (inbound.reference or held_because) or inbound.campaign is None:
        return None
    parsed = parse_mail(bytes(inbound.raw_body))
    reply, must_send = _claim(inbound, parsed)
    if not must_send:
        return reply
    message = build_acknowledgement(inbound=inbound, parsed=parsed, recipient=reply.recipient, held_because=held_because)
    try:
        message.send(fail_silently=False)
    except Exception as error:
        _set_reply_status(reply, ReplyStatus.FAILED, error=f"{type(error).__name__}: {error}")
        raise
    return _set_reply_status(reply, ReplyStatus.SENT, message_id=message.extra_headers["Message-ID"])
