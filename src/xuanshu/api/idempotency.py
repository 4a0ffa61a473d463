"""Which stored tip a request repeats, and whether it repeats it exactly.

A retry is recognised by the inbound store's unique (channel, external_id): the external id is the
partner's key with its Idempotency-Key, or, without one, with its own tip id. A retry must carry the
same request content; its fingerprint is recomputed from the raw record, so nothing extra is stored.
"""
import hashlib
import json
import uuid
from collections.abc import Sequence

from xuanshu.api.models import Partner
from xuanshu.intake.models import InboundMessage


def external_id_for(*, partner: Partner, idempotency_key: str | None, tip_id: str) -> str:
    if idempotency_key:
        return f"{partner.key}/key/{idempotency_key}"
    if tip_id:
        return f"{partner.key}/tip/{tip_id}"
    return f"{partner.key}/once/{uuid.uuid4().hex}"  # nothing to recognise a retry by


def json_fingerprint(body: bytes) -> str:
    return "json:" + hashlib.sha256(body).hexdigest()


def form_fingerprint(fields: dict, image_digests: Sequence[str]) -> str:
    """Multipart boundaries change on every send, so the fields and the images' digests are compared."""
    canonical = json.dumps({"fields": fields, "images": list(image_digests)}, sort_keys=True, ensure_ascii=False)
    return "form:" + hashlib.sha256(canonical.encode()).hexdigest()


def stored_fingerprint(inbound: InboundMessage) -> str:
    if inbound.raw_body is not None:
        return json_fingerprint(bytes(inbound.raw_body))
    payload = inbound.payload or {}
    return form_fingerprint(payload.get("fields", {}), [image["original_sha256"] for image in payload.get("images", [])])
