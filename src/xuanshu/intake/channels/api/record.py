"""The raw record of a partner tip as the API stores it, and what the record says.

JSON tips are kept as the request body bytes (`raw_body`); multipart tips as their form fields
(`payload["fields"]`) beside the uploaded images. Both read back into one `TipRecord`.
"""
import json
from dataclasses import dataclass

from xuanshu.campaigns.models import Campaign
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.extraction import mentions_keyword


@dataclass(frozen=True)
class TipRecord:
    content: str
    tag: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    campaign_slug: str = ""
    app_user_id: str = ""
    tip_id: str = ""


def tip_from_json(document: dict) -> TipRecord:
    """Read a JSON tip body (already parsed); `contact` is a nested object."""
    contact = document.get("contact") or {}
    return TipRecord(
        content=document.get("content") or "",
        tag=document.get("tag") or "",
        contact_name=contact.get("name") or "",
        contact_phone=contact.get("phone") or "",
        campaign_slug=document.get("campaign") or "",
        app_user_id=document.get("app_user_id") or "",
        tip_id=document.get("tip_id") or "",
    )


def tip_from_form(fields: dict) -> TipRecord:
    """Read multipart form fields; the contact arrives flat as contact_name and contact_phone."""
    return TipRecord(
        content=fields.get("content") or "",
        tag=fields.get("tag") or "",
        contact_name=fields.get("contact_name") or "",
        contact_phone=fields.get("contact_phone") or "",
        campaign_slug=fields.get("campaign") or "",
        app_user_id=fields.get("app_user_id") or "",
        tip_id=fields.get("tip_id") or "",
    )


def read_tip(inbound: InboundMessage) -> TipRecord:
    """The tip as stored: the JSON body when there is one, else the multipart fields."""
    if inbound.raw_body is not None:
        return tip_from_json(json.loads(bytes(inbound.raw_body)))
    return tip_from_form(inbound.payload["fields"])


def is_nomination(tip: TipRecord, campaign: Campaign) -> bool:
    """A tip nominates when its tag or its text carries the campaign keyword (each on its own)."""
    return any(
        mentions_keyword(text, keyword=campaign.keyword, variants=campaign.keyword_variants)
        for text in (tip.tag, tip.content)
    )
