"""Web form channel: store the accepted post raw, then interpret it into a nomination draft."""
import hashlib
import json

from xuanshu.campaigns.models import Campaign
from xuanshu.core.phones import parse_cn_phone, to_e164
from xuanshu.intake.channels import Description, SenderContact
from xuanshu.intake.channels.webform.forms import normalise_text
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import Receipt, receive_inbound
from xuanshu.nominations.services import NominationDraft

# The fields a citizen types, kept exactly as posted (the CSRF token and honeypot are not input).
SUBMITTED_FIELDS = [
    "nominee_name", "nominee_kind", "category", "area", "place_detail", "deeds",
    "nominator_name", "nominator_phone", "nominator_email", "consent",
]


def _content(payload: dict) -> dict:
    """What the citizen submitted: the fields and the photos' bytes (not the browser or the notice shown)."""
    return {"fields": payload.get("fields"), "photos": [photo.get("original_sha256") for photo in payload.get("photos") or []]}


def receive_webform(*, campaign: Campaign, form, post_data, client_ip: str, user_agent: str) -> Receipt:
    """Store a validated form post unchanged, with its photos re-encoded; returns the receipt.

    The form's token makes a double submit one nomination. A post that reuses a token with other content (a browser
    restoring an old page from its cache, then a new nomination typed into it) is a nomination of its own: it is
    stored under the token and a digest of its content, so it too is idempotent.
    """
    payload = {
        "fields": {name: post_data.get(name, "") for name in SUBMITTED_FIELDS},
        "photos": [
            {"name": name, "original_sha256": image.original_sha256, "original_size": image.original_size}
            for name, image in form.reencoded_photos
        ],
        "user_agent": user_agent[:500],
        "privacy_notice": campaign.privacy_notice,
    }
    token = form.cleaned_data["submission_token"]
    receipt = _receive(campaign=campaign, external_id=token, client_ip=client_ip, payload=payload, form=form)
    if receipt.created or _content(receipt.inbound.payload or {}) == _content(payload):
        return receipt
    digest = hashlib.sha256(json.dumps(_content(payload), ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return _receive(campaign=campaign, external_id=f"{token}-{digest[:32]}", client_ip=client_ip, payload=payload, form=form)


def _receive(*, campaign: Campaign, external_id: str, client_ip: str, payload: dict, form) -> Receipt:
    return receive_inbound(
        channel=Channel.WEBFORM,
        external_id=external_id,
        campaign=campaign,
        sender=client_ip,
        payload=payload,
        images=form.reencoded_photos,
    )


def interpret(inbound: InboundMessage) -> NominationDraft:
    """Read the stored post into a draft; the form already validated it, so this is a faithful copy."""
    fields = inbound.payload["fields"]
    number = parse_cn_phone(fields.get("nominator_phone", ""))
    consented = fields.get("consent") in ("on", "true", "1", True)
    return NominationDraft(
        nominee_name=normalise_text(fields["nominee_name"]),
        nominee_kind=fields["nominee_kind"],
        category_code=fields.get("category") or None,
        area_code=fields.get("area") or None,
        place_detail=fields.get("place_detail", ""),
        deeds=fields["deeds"],
        nominator_name=normalise_text(fields.get("nominator_name", "")),
        nominator_phone=to_e164(number) if number else "",
        nominator_email=normalise_text(fields.get("nominator_email", "")),
        consent_at=inbound.received_at if consented else None,
    )


def describe(inbound: InboundMessage) -> Description:
    """The post as typed, for listings: the nominee, the deeds and the photos' names."""
    payload = inbound.payload or {}
    fields = payload.get("fields") or {}
    return Description(
        subject=fields.get("nominee_name", ""), text=fields.get("deeds", ""),
        attachments=tuple(photo.get("name", "") for photo in payload.get("photos") or []),
    )


def sender_contact(inbound: InboundMessage) -> SenderContact:
    """The nominator as they filled in the form (a nomination held outside the nomination stage is a tip)."""
    fields = (inbound.payload or {}).get("fields") or {}
    return SenderContact(name=normalise_text(fields.get("nominator_name", "")), phone=fields.get("nominator_phone", ""),
                         email=normalise_text(fields.get("nominator_email", "")))
