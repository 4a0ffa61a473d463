"""Raw messages on screen: pretty-printed, with contacts masked until a permitted user reveals them.

The stored record stays exactly as received; only the page is masked.
"""
import json

from xuanshu.core.redaction import redact_contacts
from xuanshu.intake.models import InboundMessage


def raw_message_display(inbound: InboundMessage, *, reveal: bool) -> dict[str, str]:
    """The raw record's sender, payload (as indented JSON), body and error, masked unless `reveal`."""
    shown = {
        "sender": inbound.sender,
        "payload": json.dumps(inbound.payload, ensure_ascii=False, indent=2) if inbound.payload is not None else "",
        "body": inbound.raw_text,
        "error": inbound.error,
    }
    if reveal:
        return shown
    return {key: redact_contacts(value) for key, value in shown.items()}
