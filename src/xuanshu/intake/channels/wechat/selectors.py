"""Reads for the WeChat channel."""
import datetime as dt

from django.shortcuts import get_object_or_404

from xuanshu.intake.channels.wechat.conf import EARLY_FOLLOW_UP_MINUTES
from xuanshu.intake.channels.wechat.content import may_join_a_later_nomination, stored_message
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


def nomination_opener_for(
    inbound: InboundMessage, *, window_minutes: int = DEFAULT_FOLLOW_UP_MINUTES, early: bool = False,
) -> InboundMessage | None:
    """The sender's latest WeChat message that opened a nomination within the window before `inbound`; with `early`,
    failing that, the first one received within EARLY_FOLLOW_UP_MINUTES after it (`inbound` came just before it).

    Decided on stored receipt times, so processing and any re-run agree. (At receipt, a nomination sent just after
    `inbound` is not stored yet: its own reply says that `inbound` is included; see early_follow_ups.)
    """
    if not inbound.sender or inbound.campaign_id is None:
        return None
    openers = (
        InboundMessage.objects.filter(channel=Channel.WECHAT, campaign_id=inbound.campaign_id, sender=inbound.sender, reference__isnull=False)
        .exclude(pk=inbound.pk)
        .only("id", "reference", "received_at")
    )
    before = openers.filter(
        received_at__gte=inbound.received_at - dt.timedelta(minutes=window_minutes), received_at__lte=inbound.received_at,
    ).order_by("-received_at", "-id").first()
    if before is not None or not early:
        return before
    return openers.filter(
        received_at__gt=inbound.received_at, received_at__lte=inbound.received_at + dt.timedelta(minutes=EARLY_FOLLOW_UP_MINUTES),
    ).order_by("received_at", "id").first()


_LOOK_UP = object()


def early_follow_ups(opener: InboundMessage, *, account=_LOOK_UP) -> list[InboundMessage]:
    """The sender's messages received up to EARLY_FOLLOW_UP_MINUTES before `opener` that belong to its nomination,
    oldest first, whether they have joined it yet or not.

    Read from stored records that do not change, so a retry of the opener is answered with the same count. A message
    kept undecryptable is left out: it is read only when it is reprocessed, and then joins by itself. `account` (the
    opener's WechatAccount, or None) is looked up only when there is a message to judge: most openers have none.
    """
    if not opener.reference or not opener.sender or opener.campaign_id is None:
        return []
    candidates = (
        InboundMessage.objects.filter(
            channel=Channel.WECHAT, campaign_id=opener.campaign_id, sender=opener.sender, reference__isnull=True,
            received_at__gte=opener.received_at - dt.timedelta(minutes=EARLY_FOLLOW_UP_MINUTES), received_at__lt=opener.received_at,
        )
        .exclude(payload__has_key="undecryptable")
        .select_related("campaign")
        .order_by("received_at", "id")
    )
    candidates = list(candidates)
    if not candidates:
        return []
    if account is _LOOK_UP:
        account = account_of(opener)
    window = account.follow_up_minutes if account else DEFAULT_FOLLOW_UP_MINUTES
    joining = []
    for candidate in candidates:
        if not may_join_a_later_nomination(stored_message(candidate, account), candidate.campaign):
            continue
        joins = nomination_opener_for(candidate, window_minutes=window, early=True)
        if joins is not None and joins.pk == opener.pk:
            joining.append(candidate)
    return joining
