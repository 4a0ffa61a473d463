"""Hotline channel: an operator logs a call in the console; it enters the same raw-first pipeline."""
from django.utils.dateparse import parse_datetime

from xuanshu.campaigns.models import Campaign
from xuanshu.core.phones import parse_cn_phone, to_e164
from xuanshu.intake.channels import Description, SenderContact
from xuanshu.intake.channels.webform.forms import normalise_text
from xuanshu.intake.enums import Channel
from xuanshu.intake.interpretation import ReaderTipText
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import Receipt, process_inbound, receive_inbound
from xuanshu.nominations.services import NominationDraft

NOMINEE_FIELDS = ["nominee_name", "nominee_kind", "category", "area", "place_detail"]


def log_hotline_call(*, campaign: Campaign, operator, cleaned: dict) -> Receipt:
    """Store the operator's record of a call as an inbound message, and process it at once: a nomination gets its
    reference and its record now. The operator is waiting (the desk shows the nomination next, with the caller still on
    the line), so this is not left to the task worker; re-running it, as `inbound reprocess` may, is harmless."""
    is_nomination = cleaned["kind"] == "nomination"
    number = parse_cn_phone(cleaned["caller_phone"])
    payload = {
        "operator": operator.get_username(),
        "call_time": cleaned["call_time"].isoformat(),
        "caller_phone": cleaned["caller_phone"],
        "caller_name": cleaned.get("caller_name", ""),
        "kind": cleaned["kind"],
        "notes": cleaned["notes"],
        "oral_consent": bool(cleaned.get("oral_consent")),
        "fields": {name: cleaned.get(name, "") for name in NOMINEE_FIELDS},
    }
    receipt = receive_inbound(
        channel=Channel.HOTLINE,
        external_id=cleaned["submission_token"],
        campaign=campaign,
        sender=to_e164(number) if number else cleaned["caller_phone"],
        payload=payload,
        wants_reference=is_nomination,
        received_at=cleaned["call_time"],
        enqueue_processing=False,
    )
    process_inbound(inbound_id=receipt.inbound.pk)  # as the worker would: the operator is already the record's author
    return receipt


def interpret(inbound: InboundMessage):
    payload = inbound.payload
    if payload.get("kind") != "nomination":
        return ReaderTipText(text=payload.get("notes", ""))
    fields = payload["fields"]
    number = parse_cn_phone(payload.get("caller_phone", ""))
    return NominationDraft(
        nominee_name=normalise_text(fields.get("nominee_name", "")),
        nominee_kind=fields.get("nominee_kind") or "individual",
        category_code=fields.get("category") or None,
        area_code=fields.get("area") or None,
        place_detail=fields.get("place_detail", ""),
        deeds=payload.get("notes", ""),
        nominator_name=payload.get("caller_name", ""),
        nominator_phone=to_e164(number) if number else "",
        consent_at=parse_datetime(payload["call_time"]) if payload.get("oral_consent") else None,
    )


def describe(inbound: InboundMessage) -> Description:
    """The operator's record, for listings: the nominee (for a nomination) and the call notes."""
    payload = inbound.payload or {}
    nominee = (payload.get("fields") or {}).get("nominee_name", "") if payload.get("kind") == "nomination" else ""
    return Description(subject=nominee, text=payload.get("notes", ""))


def sender_contact(inbound: InboundMessage) -> SenderContact:
    """The caller, as the operator logged them."""
    payload = inbound.payload or {}
    return SenderContact(name=payload.get("caller_name", ""), phone=payload.get("caller_phone", ""))
