"""SMS one-time codes: request (throttled per phone, per address and globally) and verify.

An SMS endpoint is an attack gateway (SMS bombing, paid-route abuse), so a code is sent only within every
limit: one per phone a minute and five a day, and a global ceiling per minute. Per address the limit escalates
rather than refuses, because thousands of honest phones can share one address behind a carrier's NAT, an
office or a school: the first codes of the hour from an address (and its subnet) are sent at once; past them,
each code waits for a solved picture captcha; only far above what a crowd produces does the address stop.
Codes are kept as keyed hashes, expire after five minutes and allow five tries.
"""
import datetime as dt
import functools
import hmac
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from phonenumbers import PhoneNumberType, number_type

from xuanshu.core.masking import mask_phone
from xuanshu.core.phones import parse_cn_phone, to_e164
from xuanshu.voting import captcha, throttle
from xuanshu.voting.address_limits import AddressLimits, address_limits
from xuanshu.voting.config import vote_config
from xuanshu.voting.enums import IdentityMethod
from xuanshu.voting.identity import keyed_hash
from xuanshu.voting.models import OtpChallenge, Voter
from xuanshu.voting.sms import SmsError, get_sender

# A mainland mobile in E.164: 1, a second digit 3-9, nine more. Beijing's landlines (+86 10…) also start "+861".
_MOBILE_E164 = re.compile(r"\+861[3-9]\d{9}")
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
CODE_TTL = dt.timedelta(minutes=5)
MAX_TRIES = 5
# Verification results after which the code cannot be used any more: the voter starts again with a number.
NEEDS_NEW_CODE = {"code_expired", "code_used_up"}
# Request results after which the next request for a code must come with a solved picture.
NEEDS_PICTURE = {"captcha_needed", "captcha_failed"}

# Per address and per subnet, codes are counted over an hour. How many are sent at once, and how many behind a
# solved picture, are the campaign's `[voting.sms_limits]` (address_limits.AddressLimits).
ADDRESS_WINDOW_SECONDS = 3600


def global_limit_per_minute() -> int:
    return int(os.environ.get("VOTING_OTP_GLOBAL_PER_MINUTE", "600"))


@dataclass(frozen=True)
class OtpResult:
    ok: bool
    # sent, invalid_phone, captcha_needed (the address has had its free codes: solve a picture first),
    # captcha_failed (the picture was not solved: nothing sent), phone_wait, phone_day, address_cap (the
    # address or subnet has had all its codes this hour), global_limit, vendor_error, verified, wrong_code,
    # and the two that need a new code: code_expired (none live: expired, used or never sent), code_used_up
    code: str
    phone: str = ""
    voter: Voter | None = None


def mobile_or_none(text: str) -> str:
    """The mainland mobile number in `text` in E.164, or "": a code needs a mobile, not a landline."""
    number = parse_cn_phone(text)
    if number is None or number_type(number) not in _MOBILE_TYPES:
        return ""
    e164 = to_e164(number)
    return e164 if _MOBILE_E164.fullmatch(e164) else ""


def limits_for(campaign) -> AddressLimits:
    """The campaign's per-address limits, from its vote snapshot: a reloaded campaign file takes effect as the
    snapshot refreshes, with no restart. Without an open ballot, the defaults with the operator's settings."""
    config = vote_config(campaign.slug)
    return config.sms_limits if config is not None else address_limits()


def request_code(*, campaign, phone_text: str, ip: str, challenge: str = "", answer: str = "",
                 now: float | None = None) -> OtpResult:
    """Send a code to a mainland mobile within the throttles; past an address's free codes, only with the picture
    `challenge` solved by `answer`."""
    phone = mobile_or_none(phone_text)
    if not phone:
        return OtpResult(False, "invalid_phone")
    phone_hash = keyed_hash("otp-phone", phone)
    address, subnet = throttle.address_keys(ip)
    limits = limits_for(campaign)
    networks = [("otp-ip", address, limits.free_per_address, limits.max_per_address)]
    if subnet:
        networks.append(("otp-subnet", subnet, limits.free_per_subnet, limits.max_per_subnet))
    # Read first, counting nothing: a reached cap, or a picture still to solve, uses up none of the phone's allowance.
    counts = [(throttle.used(scope, key, window_seconds=ADDRESS_WINDOW_SECONDS, now=now), free, cap)
              for scope, key, free, cap in networks]
    if any(count >= cap for count, _free, cap in counts):
        return OtpResult(False, "address_cap", phone)
    if any(count >= free for count, free, _cap in counts):
        if not challenge:
            return OtpResult(False, "captcha_needed", phone)
        if not captcha.solved(challenge, answer):
            return OtpResult(False, "captcha_failed", phone)
    # In order, stopping at the first refusal: a refused request uses up no later allowance. The caps are counted
    # again here, atomically, as many requests may have read the same counts above.
    checks = [
        ("phone_wait", lambda: throttle.take("otp-phone-minute", phone_hash, limit=1, window_seconds=60, now=now)),
        ("phone_day", lambda: throttle.take("otp-phone-day", phone_hash, limit=5, window_seconds=86400, now=now)),
        *[("address_cap", functools.partial(throttle.take, scope, key, limit=cap,
                                            window_seconds=ADDRESS_WINDOW_SECONDS, now=now))
          for scope, key, _free, cap in networks],
        ("global_limit", lambda: throttle.take("otp-global", "all", limit=global_limit_per_minute(), window_seconds=60, now=now)),
    ]
    for code, allowed in checks:
        if not allowed():
            return OtpResult(False, code, phone)
    code = f"{secrets.randbelow(10**6):06d}"
    sender = get_sender()
    try:
        reference = sender.send_code(phone=phone, code=code)
    except SmsError:
        return OtpResult(False, "vendor_error", phone)
    created = timezone.now()
    OtpChallenge.objects.create(
        campaign=campaign, phone_hash=phone_hash, code_hash=keyed_hash("otp-code", f"{phone}:{code}"),
        created_at=created, expires_at=created + CODE_TTL, sender=sender.name, vendor_reference=reference[:100],
    )
    return OtpResult(True, "sent", phone)


def verify_code(*, campaign, phone_text: str, code: str) -> OtpResult:
    """Check the latest code for the phone; on success, the voter for that phone."""
    from xuanshu.voting.services import register_voter

    phone = mobile_or_none(phone_text)
    if not phone:
        return OtpResult(False, "invalid_phone")
    phone_hash = keyed_hash("otp-phone", phone)
    with transaction.atomic():
        challenge = (OtpChallenge.objects.select_for_update()
                     .filter(campaign=campaign, phone_hash=phone_hash, used_at__isnull=True)
                     .order_by("-created_at").first())
        if challenge is None or challenge.expires_at <= timezone.now():
            return OtpResult(False, "code_expired", phone)
        if challenge.attempts >= MAX_TRIES:
            return OtpResult(False, "code_used_up", phone)
        challenge.attempts += 1
        # Full-width digits (１２３４５６), as some Chinese keyboards type them, are the same code.
        typed = unicodedata.normalize("NFKC", code or "").strip()[:6]
        expected = keyed_hash("otp-code", f"{phone}:{typed}")
        if not hmac.compare_digest(expected, challenge.code_hash):
            challenge.save(update_fields=["attempts"])
            return OtpResult(False, "wrong_code" if challenge.attempts < MAX_TRIES else "code_used_up", phone)
        challenge.used_at = timezone.now()
        challenge.save(update_fields=["attempts", "used_at"])
    voter = register_voter(campaign_id=campaign.pk, method=IdentityMethod.SMS, identity_value=phone, label=mask_phone(phone))
    return OtpResult(True, "verified", phone, voter)
