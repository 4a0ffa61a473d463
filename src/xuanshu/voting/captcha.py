"""A picture captcha (the `captcha` library draws it): the device check, which binds a device token as a voter,
and the proof asked before a text message once an address has had its free codes (`otp.request_code`).

The device check is the weakest identity: it proves one browser and one solved picture, not one person.
Reports label it as weaker, and campaigns can leave it out of `identity` in their file.
"""
import io
import secrets

from captcha.image import ImageCaptcha

from xuanshu.voting import throttle
from xuanshu.voting.address_limits import AddressLimits
from xuanshu.voting.identity import keyed_hash

_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no look-alikes: 0/O, 1/I, 2/Z, 5/S, 8/B
CAPTCHA_TTL = 300
# Counted per address (throttle.address_keys) over ten minutes, well above what a carrier's NAT, an office or a
# school produces at a campaign push: thousands of phones can stand behind one address. How many pictures and
# answers are the campaign's `[voting.sms_limits]` (address_limits.AddressLimits).
WINDOW_SECONDS = 600


def new_challenge() -> tuple[str, str]:
    """(challenge id, answer); the answer is kept server-side for five minutes, to be taken once."""
    challenge_id = secrets.token_urlsafe(12)
    answer = "".join(secrets.choice(_ALPHABET) for _ in range(5))
    throttle.put_once(f"captcha:{challenge_id}", keyed_hash("captcha", answer), ttl_seconds=CAPTCHA_TTL)
    throttle.put_once(f"captcha-image:{challenge_id}", answer, ttl_seconds=CAPTCHA_TTL)
    return challenge_id, answer


def new_challenge_for(ip: str, *, limits: AddressLimits) -> str:
    """A new challenge for a client at `ip`, or "" when its address has had its pictures for now."""
    address, _subnet = throttle.address_keys(ip)
    if not throttle.take("captcha-new-ip", address, limit=limits.pictures_per_address, window_seconds=WINDOW_SECONDS):
        return ""
    return new_challenge()[0]


def may_answer(ip: str, *, limits: AddressLimits) -> bool:
    """Count one answer to the device check from `ip`; False once its address has given too many for now."""
    address, _subnet = throttle.address_keys(ip)
    return throttle.take("captcha-ip", address, limit=limits.answers_per_address, window_seconds=WINDOW_SECONDS)


def image_png(challenge_id: str) -> bytes | None:
    """The picture for a challenge, drawable once (a refresh asks for a new challenge)."""
    answer = throttle.take_once(f"captcha-image:{challenge_id[:40]}")
    if answer is None:
        return None
    out = io.BytesIO()
    ImageCaptcha(width=200, height=70).write(answer, out, format="png")
    return out.getvalue()


def solved(challenge_id: str, attempt: str) -> bool:
    """Whether `attempt` is the challenge's answer; either way the challenge is used up."""
    expected = throttle.take_once(f"captcha:{challenge_id[:40]}")
    return expected is not None and expected == keyed_hash("captcha", (attempt or "").strip().upper()[:10])
