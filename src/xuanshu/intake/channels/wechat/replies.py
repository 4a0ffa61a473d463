"""The passive reply to a stored message, in Chinese. Decided from the stored record, so a retry gets the same words."""
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wechatpy.replies import TextReply

from xuanshu.core.ratelimit import hit
from xuanshu.intake.channels.wechat import conf
from xuanshu.intake.channels.wechat.content import FOLLOW_UP_TYPES, event_name, is_short_question, keyword_text, msg_type
from xuanshu.intake.channels.wechat.models import WechatAccount
from xuanshu.intake.channels.wechat.protocol import Envelope
from xuanshu.intake.channels.wechat.selectors import early_follow_ups, nomination_opener_for
from xuanshu.intake.channels.wechat.services import opens_nomination
from xuanshu.intake.interpretation import held_because
from xuanshu.intake.notices import held_nomination_notice
from xuanshu.intake.services import Receipt
from xuanshu.public.links import status_path

# WeChat: answering "success" (or nothing) means "no reply", and WeChat does not retry.
NO_REPLY = "success"


def reply_text(*, account: WechatAccount, envelope: Envelope, receipt: Receipt, site: str) -> str | None:
    """What to say back, or None for no reply. A nomination's reference (or why it is kept as a tip instead) is
    always sent; other replies are rate-limited."""
    inbound, campaign, message = receipt.inbound, account.campaign, envelope.message
    with translation.override("zh-hans"):
        if inbound.reference and campaign is not None:
            status_url = _status_url(site, campaign, inbound.reference)
            # The sender's photo from just before was answered with the guidance for tips; this says it is included.
            earlier = len(early_follow_ups(inbound, account=account))
            return nomination_reply(campaign, inbound.reference, status_url, account.follow_up_minutes, earlier)
        if opens_nomination(envelope, campaign) and (held := held_because(campaign, inbound.received_at)):
            # A nomination outside the nomination stage is always answered too: the sender must learn it was not one.
            return held_nomination_notice(campaign, held)
        if receipt.created and not hit("wechat-reply", f"{account.slug}:{inbound.sender}", limit=conf.REPLIES_PER_MINUTE, window_seconds=60):
            return None
        if msg_type(message) == "event":
            return welcome_reply(campaign) if event_name(message) == "subscribe" else None
        if msg_type(message) in FOLLOW_UP_TYPES:
            opener = nomination_opener_for(inbound, window_minutes=account.follow_up_minutes)
            if opener is not None:
                if is_short_question(keyword_text(message)):
                    return status_question_reply(opener.reference, _status_url(site, campaign, opener.reference))
                return follow_up_reply(opener.reference)
        return tip_reply(campaign)


def _status_url(site: str, campaign, reference: str) -> str:
    return site + status_path(campaign, reference)


def nomination_reply(campaign, reference: str, status_url: str, minutes: int, earlier: int = 0) -> str:
    """The acknowledgement; `earlier` counts the messages sent just before the nomination that join it."""
    values = {"campaign": campaign.name, "reference": reference, "url": status_url, "minutes": minutes, "earlier": earlier}
    if earlier:
        return ngettext(
            "Thank you! We have received your nomination for %(campaign)s, with the message you sent just before it. "
            "Reference number: %(reference)s. Check its progress at %(url)s. In the next %(minutes)s minutes you can "
            "send photos, voice messages or more text, and we will add them to this nomination.",
            "Thank you! We have received your nomination for %(campaign)s, with the %(earlier)s messages you sent just "
            "before it. Reference number: %(reference)s. Check its progress at %(url)s. In the next %(minutes)s minutes "
            "you can send photos, voice messages or more text, and we will add them to this nomination.",
            earlier,
        ) % values
    return _(
        "Thank you! We have received your nomination for %(campaign)s. Reference number: %(reference)s. "
        "Check its progress at %(url)s. In the next %(minutes)s minutes you can send photos, voice messages "
        "or more text, and we will add them to this nomination."
    ) % values


def follow_up_reply(reference: str) -> str:
    return _("Received. We have added this to your nomination %(reference)s.") % {"reference": reference}


def status_question_reply(reference: str, status_url: str) -> str:
    return _(
        "We have received your nomination %(reference)s. Check its progress at %(url)s. If you have more to tell us "
        "about the person you nominated, such as what they did, photos or a contact, just send it."
    ) % {"reference": reference, "url": status_url}


def tip_reply(campaign) -> str:
    if campaign is None:
        return _("Thank you for your message. Our editors will read it.")
    return _(
        "Thank you for your message. Our editors will read it. To nominate someone for %(campaign)s, send a message "
        "that contains “%(keyword)s” followed by the name of the person or group and what they did."
    ) % {"campaign": campaign.name, "keyword": campaign.keyword}


def welcome_reply(campaign) -> str:
    if campaign is None:
        return _("Welcome, and thank you for following us.")
    return _(
        "Welcome! To nominate someone for %(campaign)s, send us a message that contains “%(keyword)s” followed by "
        "the name of the person or group and what they did. You will get a reference number to follow its progress."
    ) % {"campaign": campaign.name, "keyword": campaign.keyword}


def reply_xml(envelope: Envelope, text: str) -> str:
    """wechatpy's passive text reply, from the account to the sender."""
    return TextReply(message=envelope.message, content=text).render()
