"""Reads for the WeChat channel."""
import datetime as dt

from django.shortcuts import get_object_or_404

from xuanshu.intake.channels.wechat.models import DEFAULT_FOLLOW_UP_MINUTES, WechatAccount
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import InboundMessage


def account_for_callback(slug: str) -> WechatAccount:
    """The account a callback URL names, or 404."""
    return get_object_or_404(WechatAccount.objects.select_related("campaign"), slug=slug)


def account_of(inbound: InboundMessage) -> WechatAccount | None:
    """The account a stored message came through (named in its payload)."""
    slug = (inbound.payload or {}).get("account")
    return WechatAccount.objects.select_related("campaign").filter(slug=slug).first() if slug else None


def nomination_opener_for(inbound: InboundMessage, *, window_minutes: int = DEFAULT_FOLLOW_UP_MINUTES) -> InboundMessage | None:
    """The sender's latest WeChat message that opened a nomination within the window before `inbound`.

    Decided on stored receipt times, so the answer at receipt and at (re)processing is the same.
    """
    if not inbound.sender or inbound.campaign_id is None:
        return None
    return (
        InboundMessage.objects.filter(
            channel=Channel.WECHAT,
            campaign_id=inbound.campaign_id,
            sender=inbound.sender,
            reference__isnull=False,
            received_at__gte=inbound.received_at - dt.timedelta(minutes=window_minutes),
            received_at__lte=inbound.received_at,
        )
        .exclude(pk=inbound.pk)
        .order_by("-received_at", "-id")
        .only("id", "reference", "received_at")
        .first()
    )
