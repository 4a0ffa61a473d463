"""Reads for the partner API."""
from django.db.models import QuerySet

from xuanshu.api.models import Partner
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import InboundMessage


def active_partner_by_key(key: str) -> Partner | None:
    return Partner.objects.select_related("campaign").filter(key=key, revoked_at__isnull=True).first()


def active_partner_by_name(name: str) -> Partner | None:
    return Partner.objects.filter(name=name, revoked_at__isnull=True).first()


def partners_for_listing() -> QuerySet[Partner]:
    return Partner.objects.select_related("campaign").order_by("name", "-created_at")


def api_inbound(external_id: str) -> InboundMessage | None:
    """An earlier tip stored under this external id (a retry), with what its response needs."""
    return InboundMessage.objects.select_related("campaign").filter(channel=Channel.API, external_id=external_id).first()
