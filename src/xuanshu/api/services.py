"""Writers of the partner API: partners' credentials, and receiving a tip into the raw inbound store."""
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuanshu.api import conf, partner_keys
from xuanshu.api.idempotency import external_id_for, form_fingerprint, json_fingerprint, stored_fingerprint
from xuanshu.api.models import Partner
from xuanshu.api.selectors import active_partner_by_name, api_inbound
from xuanshu.campaigns.models import Campaign
from xuanshu.core.errors import DomainError
from xuanshu.core.services import record_activity
from xuanshu.intake.channels.api.record import TipRecord, is_nomination, read_tip
from xuanshu.intake.channels.webform.forms import IMAGE_ERRORS
from xuanshu.intake.enums import Channel
from xuanshu.intake.images import ImageRejected, ReencodedImage, reencode_image
from xuanshu.intake.interpretation import held_because
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import receive_inbound
from xuanshu.public.links import lookup_path, public_status_url, status_path


class TipRefused(DomainError):
    """A tip the API will not store; `details` point at what to fix."""

    def __init__(self, message: str, *, code: str, details: Sequence[dict] = ()):
        super().__init__(message, code=code)
        self.details = list(details)


@dataclass(frozen=True)
class IssuedCredentials:
    partner: Partner
    key: str
    secret: str  # shown once, never stored in clear


def add_partner(*, name: str, campaign: Campaign | None = None, rate_limit_per_minute: int | None = None) -> IssuedCredentials:
    """Issue a key and a signing secret for a new partner; the secret is stored only encrypted."""
    secret = partner_keys.new_secret()
    partner = Partner(
        name=name, key=partner_keys.new_key(), secret_ciphertext=partner_keys.encrypt_secret(secret), campaign=campaign,
        rate_limit_per_minute=rate_limit_per_minute or conf.default_rate_limit_per_minute(),
    )
    try:
        partner.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise DomainError("; ".join(error.messages), code="invalid_partner") from None
    try:
        with transaction.atomic():
            partner.save()
            record_activity(actor=None, actor_label="cli", action="partner.add", subject=partner,
                            new_value={"name": name, "key": partner.key, "campaign": campaign.slug if campaign else None,
                                       "rate_limit_per_minute": partner.rate_limit_per_minute})
    except IntegrityError:
        raise DomainError(_("A partner named “%(name)s” already exists.") % {"name": name}, code="partner_exists") from None
    return IssuedCredentials(partner=partner, key=partner.key, secret=secret)


def revoke_partner(*, name: str) -> Partner:
    """Stop accepting the partner's key at once; its tips and its row stay."""
    with transaction.atomic():
        partner = active_partner_by_name(name)
        if partner is None:
            raise DomainError(_("No active partner named “%(name)s”.") % {"name": name}, code="no_such_partner")
        partner.revoked_at = timezone.now()
        partner.save(update_fields=["revoked_at"])
        record_activity(actor=None, actor_label="cli", action="partner.revoke", subject=partner,
                        old_value={"revoked_at": None}, new_value={"revoked_at": partner.revoked_at.isoformat()})
    return partner


@dataclass(frozen=True)
class IncomingTip:
    """A tip as the HTTP layer parsed and validated it, with the raw record to keep."""

    record: TipRecord
    raw_body: bytes | None = None  # a JSON tip: the body exactly as received
    form_fields: dict | None = None  # a multipart tip: its fields as received
    uploads: Sequence[UploadedFile] = field(default_factory=tuple)


@dataclass(frozen=True)
class TipOutcome:
    inbound: InboundMessage
    created: bool

    @property
    def is_nomination(self) -> bool:
        return self.inbound.reference is not None

    @property
    def held_because(self) -> str | None:
        """Why a tip that nominates is kept as a tip: nominations were closed, or not yet open (None otherwise)."""
        campaign = self.inbound.campaign
        if self.is_nomination or campaign is None or not is_nomination(read_tip(self.inbound), campaign):
            return None
        return held_because(campaign, self.inbound.received_at)

    @property
    def status_path(self) -> str | None:
        """The status lookup page (reference and phone digits)."""
        if not self.is_nomination:
            return None
        return lookup_path(self.inbound.campaign)

    @property
    def status_link_path(self) -> str | None:
        """The nomination's own signed status page: deterministic, so a retry gets the same one."""
        if not self.is_nomination:
            return None
        return status_path(self.inbound.campaign, self.inbound.reference)

    @property
    def status_url(self) -> str | None:
        """That page under the public origin; None when no origin is configured."""
        if not self.is_nomination:
            return None
        return public_status_url(self.inbound.campaign, self.inbound.reference) or None


def submit_tip(*, partner: Partner, tip: IncomingTip, idempotency_key: str | None) -> TipOutcome:
    """Store a partner's tip raw, with its reference when it nominates; a retry returns the first outcome."""
    external_id = external_id_for(partner=partner, idempotency_key=idempotency_key, tip_id=tip.record.tip_id)
    digests = [_sha256(upload) for upload in tip.uploads]
    fingerprint = json_fingerprint(tip.raw_body) if tip.raw_body is not None else form_fingerprint(tip.form_fields or {}, digests)
    earlier = api_inbound(external_id)
    if earlier is not None:
        return _repeat(earlier, fingerprint)
    campaign = _campaign_for(partner, tip.record.campaign_slug)
    images = _reencoded_images(campaign, tip.uploads)
    payload = None
    if tip.raw_body is None:
        payload = {
            "fields": tip.form_fields,
            "images": [{"name": name, "original_sha256": image.original_sha256, "original_size": image.original_size}
                       for name, image in images],
        }
    receipt = receive_inbound(
        channel=Channel.API,
        external_id=external_id,
        campaign=campaign,
        sender=partner.name + (f"/{tip.record.app_user_id}" if tip.record.app_user_id else ""),
        payload=payload,
        raw_body=tip.raw_body,
        images=images,
        wants_reference=is_nomination(tip.record, campaign),
    )
    if not receipt.created:  # a concurrent retry stored it first
        return _repeat(receipt.inbound, fingerprint)
    return TipOutcome(inbound=receipt.inbound, created=True)


def _repeat(earlier: InboundMessage, fingerprint: str) -> TipOutcome:
    if stored_fingerprint(earlier) != fingerprint:
        raise TipRefused(
            _("This Idempotency-Key (or tip_id) was already used for a different request. Use a new key for a new tip."),
            code="idempotency_key_reused",
        )
    return TipOutcome(inbound=earlier, created=False)


def _campaign_for(partner: Partner, slug: str) -> Campaign:
    if not slug:
        if partner.campaign is None:
            raise TipRefused(_("Name the campaign: this partner key is not bound to one."), code="campaign_required",
                             details=[{"loc": ["campaign"], "code": "missing"}])
        return partner.campaign
    if partner.campaign is not None and partner.campaign.slug != slug:
        raise TipRefused(_("This partner key may only send tips to campaign “%(slug)s”.") % {"slug": partner.campaign.slug},
                         code="campaign_not_allowed", details=[{"loc": ["campaign"], "code": "not_allowed"}])
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise TipRefused(_("There is no campaign “%(slug)s”.") % {"slug": slug}, code="unknown_campaign",
                         details=[{"loc": ["campaign"], "code": "unknown"}])
    return campaign


def _reencoded_images(campaign: Campaign, uploads: Sequence[UploadedFile]) -> list[tuple[str, ReencodedImage]]:
    if len(uploads) > campaign.max_photos:
        raise TipRefused(_("At most %(count)s photos.") % {"count": campaign.max_photos}, code="too_many_images",
                         details=[{"loc": ["images"], "code": "too_many"}])
    images, problems = [], []
    mb = campaign.max_photo_bytes // (1024 * 1024)
    for position, upload in enumerate(uploads):
        try:
            if upload.size > campaign.max_photo_bytes:
                raise ImageRejected("too_large")
            upload.seek(0)
            images.append((upload.name or "", reencode_image(upload.read(), max_bytes=campaign.max_photo_bytes)))
        except ImageRejected as rejection:
            problems.append({"loc": ["images", position], "code": rejection.code,
                             "message": IMAGE_ERRORS[rejection.code] % {"name": upload.name, "mb": mb}})
    if problems:
        raise TipRefused(_("Some images were refused; nothing was stored."), code="image_rejected", details=problems)
    return images


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()
