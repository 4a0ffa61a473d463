"""After a hotline nomination is logged: its status link for the editor to read out, or to send by text message.

The text message goes through the vote's pluggable SMS sender (`VOTING_SMS_SENDER`: dev, aliyun, tencent), as the
`status_link` notice; only to a mobile number, only when the caller agreed, only under the configured public origin,
throttled per nomination and per editor, and every attempt (sent or failed) leaves an audit row with the number masked.
"""
from dataclasses import dataclass

import phonenumbers
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from xuanshu.core.errors import DomainError
from xuanshu.core.masking import mask_phone
from xuanshu.core.ratelimit import hit, refund
from xuanshu.core.redaction import redact_personal_data
from xuanshu.core.services import record_activity
from xuanshu.intake.enums import Channel
from xuanshu.public.links import lookup_path, public_lookup_url, public_status_url

STATUS_LINK_NOTICE = "status_link"
# A caller asks again now and then (a lost message, a new phone); more than this a day is a mistake or abuse.
SMS_PER_NOMINATION_PER_DAY = 3
# A second press of the button (or a reload of the form) within this time sends nothing.
SMS_RESEND_AFTER_SECONDS = 60
# One editor on the hotline logs a few dozen calls an hour at the busiest.
SMS_PER_EDITOR_PER_HOUR = 30


class StatusLinkNotSent(DomainError):
    """No text message was sent; the message says why, for the editor."""


@dataclass(frozen=True)
class StatusLinkDesk:
    """What the hotline desk shows after logging a nomination, for the editor to read out or send."""

    reference: str
    status_url: str  # '' when no public origin is configured
    lookup_url: str  # the lookup page's full address, '' without an origin
    lookup_path: str
    hotline: str
    masked_phone: str
    can_text: bool  # a mobile number and a link to send
    why_not_text: str  # when not: why, for the editor


def mobile_number(e164: str) -> str:
    """`e164` when it is a mainland mobile number (a text message can reach it), else ''."""
    try:
        number = phonenumbers.parse(e164 or "", "CN")
    except phonenumbers.NumberParseException:
        return ""
    kind = phonenumbers.number_type(number)
    mobile = kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return e164 if number.country_code == 86 and phonenumbers.is_valid_number(number) and mobile else ""


def status_link_desk(nomination) -> StatusLinkDesk:
    """The reference, the status link and whether it can be sent by text message; the phone masked."""
    campaign = nomination.campaign
    status_url = public_status_url(campaign, nomination.reference)
    why_not = ""
    if not status_url:
        why_not = _("The public site's address is not configured (XUANSHU_PUBLIC_BASE_URL, or contacts.public_site in "
                    "the campaign file), so there is no link to send: give the caller the reference number and the "
                    "lookup page instead.")
    elif not nomination.nominator_phone:
        why_not = _("The caller left no number, so no text message can be sent: read the reference number out; they "
                    "can ask about it by calling the hotline.")
    elif not mobile_number(nomination.nominator_phone):
        why_not = _("The caller's number is not a mobile number, so no text message can reach it: tell the caller the "
                    "reference number and the lookup page's address; with the reference number and the last four digits "
                    "of this number they can check the progress there.")
    return StatusLinkDesk(
        reference=nomination.reference, status_url=status_url, lookup_url=public_lookup_url(campaign),
        lookup_path=lookup_path(campaign), hotline=campaign.hotline, masked_phone=nomination.masked_phone,
        can_text=not why_not, why_not_text=why_not,
    )


def status_link_sms_text(campaign, reference: str, url: str) -> str:
    """The text message in Chinese (a vendor sends its approved template with the same reference and link)."""
    with translation.override("zh-hans"):
        return _("Your nomination for %(campaign)s, made by phone, is registered as %(reference)s. "
                 "Check its progress: %(url)s") % {"campaign": campaign.name, "reference": reference, "url": url}


def send_status_link_sms(*, nomination, actor, caller_agreed: bool) -> str:
    """Send a hotline nomination's reference and status link to the caller's mobile; returns the sender's message id.

    Refused (StatusLinkNotSent, nothing sent) without the caller's agreement, a mobile number or a public origin, and
    past the throttles; a sender's failure is audited and refused too.
    """
    if nomination.channel != Channel.HOTLINE:
        raise StatusLinkNotSent(_("Only a hotline nomination's status link is sent by text message from here."),
                                code="not_hotline")
    if not caller_agreed:
        raise StatusLinkNotSent(_("Ask the caller first: tick that they agreed to get the link by text message."),
                                code="no_consent")
    desk = status_link_desk(nomination)
    if not desk.can_text:
        raise StatusLinkNotSent(desk.why_not_text, code="cannot_text")
    reference = nomination.reference
    if not cache.add(f"hotline-sms-recent:{reference}", 1, timeout=SMS_RESEND_AFTER_SECONDS):
        raise StatusLinkNotSent(_("The link was sent to this caller less than a minute ago: wait a moment before "
                                  "sending it again."), code="too_soon")
    if not hit("hotline-sms-nomination", reference, limit=SMS_PER_NOMINATION_PER_DAY, window_seconds=24 * 3600):
        raise StatusLinkNotSent(_("The link was already sent to this caller %(count)s times today.")
                                % {"count": SMS_PER_NOMINATION_PER_DAY}, code="throttled")
    if not hit("hotline-sms-editor", str(actor.pk), limit=SMS_PER_EDITOR_PER_HOUR, window_seconds=3600):
        raise StatusLinkNotSent(_("You have sent %(count)s text messages this hour, the most one person may: ask a "
                                  "colleague, or read the reference number out.") % {"count": SMS_PER_EDITOR_PER_HOUR}, code="throttled")
    from xuanshu.voting.sms import SmsError, get_sender  # the vote's pluggable sender, chosen by VOTING_SMS_SENDER

    phone = mobile_number(nomination.nominator_phone)
    audited = {"sent_to": mask_phone(phone), "caller_agreed": True}
    try:
        sender = get_sender()
        audited["sender"] = sender.name
        message_id = sender.send_notice(
            phone=phone, notice=STATUS_LINK_NOTICE, params={"reference": reference, "url": desk.status_url},
            text=status_link_sms_text(nomination.campaign, reference, desk.status_url),
        )
    except SmsError as error:
        # Nothing reached the caller: the editor may try again at once, and it does not count against the limits.
        cache.delete(f"hotline-sms-recent:{reference}")
        refund("hotline-sms-nomination", reference, window_seconds=24 * 3600)
        refund("hotline-sms-editor", str(actor.pk), window_seconds=3600)
        # A vendor's message may quote what it was sent; masked as the console shows a citizen's text.
        problem = redact_personal_data(str(error))[:300]
        with transaction.atomic():
            record_activity(actor=actor, action="nomination.status_link_sms_failed", subject=nomination,
                            new_value={**audited, "error": problem})
        raise StatusLinkNotSent(_("The text message could not be sent: %(error)s") % {"error": problem},
                                code="sms_failed") from None
    with transaction.atomic():
        record_activity(actor=actor, action="nomination.status_link_sms", subject=nomination,
                        new_value={**audited, "message": message_id})
    return message_id
