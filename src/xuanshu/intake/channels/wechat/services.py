"""Writers of the WeChat channel: account settings, and receiving a message (raw first, its reference in the same transaction)."""
import hashlib
import logging
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuanshu.campaigns.models import Campaign
from xuanshu.core.errors import DomainError
from xuanshu.core.services import record_activity
from xuanshu.intake.channels.wechat import conf
from xuanshu.intake.channels.wechat.content import external_id_of, keyword_text, media_to_fetch, sender_of, stored_message
from xuanshu.intake.channels.wechat.media import refuse_media
from xuanshu.intake.channels.wechat.models import MAX_FOLLOW_UP_MINUTES, MAX_SKEW_LIMIT_SECONDS, WechatAccount
from xuanshu.intake.channels.wechat.protocol import PLAINTEXT, SAFE, Envelope
from xuanshu.intake.channels.wechat.selectors import account_of
from xuanshu.intake.enums import Channel, FileRefusal, InboundStatus
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import Receipt, receive_inbound, set_inbound_status
from xuanshu.nominations.extraction import mentions_keyword

logger = logging.getLogger("xuanshu.intake.wechat")

# The callback's query parameters worth keeping with the raw record (none of them is a secret).
KEPT_QUERY = ("signature", "timestamp", "nonce", "openid", "encrypt_type", "msg_signature")

_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
_TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")
_AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")
_APPID = re.compile(r"^wx[A-Za-z0-9]{16}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_SECRET_FIELDS = {"token", "encoding_aes_key", "previous_encoding_aes_key"}


@dataclass(frozen=True)
class AccountChange:
    account: WechatAccount
    created: bool
    changed: list[str]


def set_wechat_account(
    *,
    slug: str,
    token: str | None = None,
    encoding_aes_key: str | None = None,
    appid: str | None = None,
    secret_env: str | None = None,
    max_skew_seconds: int | None = None,
    follow_up_minutes: int | None = None,
    campaign_slug: str | None = None,
    actor=None,
) -> AccountChange:
    """Create or update an account (idempotent). None keeps the current value; '' clears an optional one."""
    errors, campaign = _validate(locals()), None
    if campaign_slug:
        campaign = Campaign.objects.filter(slug=campaign_slug).first()
        if campaign is None:
            errors.append(_("No campaign “%(slug)s”. Load it first with: python -m xuanshu campaign load FILE") % {"slug": campaign_slug})
    with transaction.atomic():
        account = WechatAccount.objects.select_for_update().filter(slug=slug).first() if not errors else None
        created = account is None
        if created and not errors and not (token and appid):
            errors.append(_("A new account needs a token and an AppID."))
        if errors:
            raise DomainError("\n".join(errors), code="invalid_wechat_account")
        account = account or WechatAccount(slug=slug)
        wanted = {
            "token": token, "encoding_aes_key": encoding_aes_key, "appid": appid, "secret_env": secret_env,
            "max_skew_seconds": max_skew_seconds, "follow_up_minutes": follow_up_minutes,
            "campaign": campaign if campaign_slug is not None else None,
        }
        changed = []
        for name, value in wanted.items():
            if value is None and not (name == "campaign" and campaign_slug == ""):
                continue
            if getattr(account, name) != value:
                if name == "encoding_aes_key" and account.encoding_aes_key:
                    # Tencent: keep the previous key and try it when the current one fails, while WeChat switches over.
                    account.previous_encoding_aes_key = account.encoding_aes_key
                    changed.append("previous_encoding_aes_key")
                setattr(account, name, value)
                changed.append(name)
        if created or changed:
            account.full_clean()
            account.save()
            record_activity(
                actor=actor, actor_label="" if actor else "cli", subject=account,
                action="wechat_account.create" if created else "wechat_account.update",
                new_value={name: ("(changed)" if name in _SECRET_FIELDS else _plain(getattr(account, name))) for name in changed},
            )
    return AccountChange(account=account, created=created, changed=[] if created else changed)


def _plain(value):
    return getattr(value, "slug", value)


def _validate(given: dict) -> list[str]:
    errors = []
    if not _SLUG.match(given["slug"] or ""):
        errors.append(_("The account name (slug) may contain only letters, digits, hyphens and underscores, at most 50 characters."))
    if given["token"] is not None and not _TOKEN.match(given["token"]):
        errors.append(_("The token must be 3 to 32 letters or digits, as entered on the WeChat platform."))
    if given["encoding_aes_key"] and not _AES_KEY.match(given["encoding_aes_key"]):
        errors.append(_("The EncodingAESKey must be exactly 43 letters or digits."))
    if given["appid"] is not None and not _APPID.match(given["appid"]):
        errors.append(_("The AppID must be “wx” followed by 16 letters or digits."))
    if given["secret_env"] and not _ENV_NAME.match(given["secret_env"]):
        errors.append(_("The AppSecret option takes the name of an environment variable, such as WECHAT_APP_SECRET, not the secret itself."))
    skew = given["max_skew_seconds"]
    if skew is not None and not 0 <= skew <= MAX_SKEW_LIMIT_SECONDS:
        errors.append(_("The timestamp window must be between 0 and %(max)s seconds (0 turns the check off).") % {"max": MAX_SKEW_LIMIT_SECONDS})
    minutes = given["follow_up_minutes"]
    if minutes is not None and not 1 <= minutes <= MAX_FOLLOW_UP_MINUTES:
        errors.append(_("The follow-up window must be between 1 and %(max)s minutes.") % {"max": MAX_FOLLOW_UP_MINUTES})
    return errors


def opens_nomination(envelope: Envelope, campaign: Campaign | None) -> bool:
    """A text (or recognised voice) message with the campaign keyword, in any of its spellings, opens a nomination."""
    if campaign is None:
        return False
    return mentions_keyword(keyword_text(envelope.message), keyword=campaign.keyword, variants=campaign.keyword_variants)


def receive_wechat_message(*, account: WechatAccount, envelope: Envelope, raw_body: bytes, query) -> Receipt:
    """Store an accepted message unchanged; a nomination gets its reference in the same transaction.

    Idempotent on MsgId: WeChat's retries get the first receipt. Processing is enqueued after commit
    by receive_inbound; a photo, voice message or video is fetched from WeChat's media API by a task
    (which records the file as refused when the worker has no AppSecret for the account).
    """
    message = envelope.message
    receipt = receive_inbound(
        channel=Channel.WECHAT,
        external_id=external_id_of(message),
        campaign=account.campaign,
        sender=sender_of(message),
        payload=_payload(account, envelope.mode, query, xml=None if envelope.mode == PLAINTEXT else envelope.xml),
        raw_body=raw_body,
        wants_reference=opens_nomination(envelope, account.campaign),
    )
    if receipt.created and media_to_fetch(message):
        transaction.on_commit(lambda inbound_id=receipt.inbound.pk: _enqueue_media_fetch(inbound_id))
    return receipt


def keep_undecryptable_message(*, account: WechatAccount, raw_body: bytes, query, reason: str) -> Receipt:
    """Keep an authentic message we cannot decrypt (missing or wrong key), flagged failed; re-run it once the key is set
    (`inbound reprocess --failed`). Its kind is unknown until then: a photo's, voice message's or video's media fetch is
    queued as it becomes processed (fetch_media_read_late).

    Stored and flagged in one transaction: a crash in between must not leave it pending, where nothing picks it up.
    """
    with transaction.atomic():
        receipt = receive_inbound(
            channel=Channel.WECHAT,
            external_id=f"undecryptable:{hashlib.sha256(raw_body).hexdigest()}",
            campaign=account.campaign,
            sender=query.get("openid", ""),
            payload=_payload(account, SAFE, query, undecryptable=reason),
            raw_body=raw_body,
            wants_reference=False,
            enqueue_processing=False,
        )
        if receipt.created:
            set_inbound_status(inbound=receipt.inbound, status=InboundStatus.FAILED, error=f"cannot decrypt: {reason}")
    if receipt.created:
        logger.error("wechat %s: kept an encrypted message we cannot read (%s); inbound %s", account.slug, reason, receipt.inbound.pk)
    return receipt


def fetch_media_read_late(*, inbound: InboundMessage) -> None:
    """Queue the media fetch of a photo, voice or video message kept undecryptable at receipt (where nothing could be
    queued), now that it is read; call it as the message becomes processed, which happens once (intake.services).

    A message read at receipt had its fetch queued then, and one whose file is kept or refused is done. Past the three
    days WeChat keeps media the file is gone: it is recorded as refused right away, without asking WeChat, as not
    fetched because the account was not set up (it lacked the key), with the console's notice that it is gone.
    """
    if not (inbound.payload or {}).get("undecryptable"):
        return
    wanted = media_to_fetch(stored_message(inbound, account_of(inbound)))
    if wanted is None or inbound.attachments.exists() or inbound.files.exists() or inbound.refused_files.exists():
        return
    kind, media_id = wanted
    if inbound.received_at + conf.MEDIA_KEPT_BY_WECHAT <= timezone.now():
        logger.warning("wechat inbound %s: %s %s read only after WeChat's %s days; gone there, recorded as refused",
                       inbound.pk, kind, media_id, conf.MEDIA_KEPT_BY_WECHAT.days)
        refuse_media(inbound, media_id, FileRefusal.NOT_CONFIGURED)
        return
    transaction.on_commit(lambda inbound_id=inbound.pk: _enqueue_media_fetch(inbound_id))


def _payload(account: WechatAccount, mode: str, query, **extra) -> dict:
    payload = {"account": account.slug, "mode": mode, "query": {key: query[key] for key in KEPT_QUERY if key in query}}
    payload.update({key: value for key, value in extra.items() if value is not None})
    return payload


def _enqueue_media_fetch(inbound_id: int) -> None:
    from xuanshu.intake.channels.wechat.tasks import fetch_wechat_media_task

    fetch_wechat_media_task(inbound_id)
