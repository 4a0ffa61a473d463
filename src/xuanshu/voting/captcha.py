"""The device check: a picture captcha (the `captcha` library draws it) that binds a device token as a voter.

This is the weakest identity: it proves one browser and one solved picture, not one person. Reports label
it as weaker, and campaigns can leave it out of `identity` in their file.
"""
import io
import secrets

from captcha.image import ImageCaptcha

from xuanshu.voting import throttle
from xuanshu.voting.identity import keyed_hash

_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no look-alikes: 0/O, 1/I, 2/Z, 5/S, 8/B
CAPTCHA_TTL = 300


def new_challenge() -> tuple[str, str]:
    """(challenge id, answer); the answer is kept server-side for five minutes, to be taken once."""
    challenge_id = secrets.token_urlsafe(12)
    answer = "".join(secrets.choice(_ALPHABET) for _ in range(5))
    throttle.put_once(f"captcha:{challenge_id}", keyed_hash("captcha", answer), ttl_seconds=CAPTCHA_TTL)
    throttle.put_once(f"captcha-image:{challenge_id}", answer, ttl_seconds=CAPTCHA_TTL)
    return challenge_id, answer


def image_png(challenge_id: str) -> bytes | None:
    """The picture for a challenge, drawable once (a refresh asks for a new challenge)."""
    answer = throttle.take_once(f"captcha-image:{challenge_id[:40]}")
    if answer is None:
        return None
    out = io.BytesIO()
    ImageCaptcha(width=200, height=70).write(answer, out, format="png")
    return out.getvalue()


def solved(challenge_id: str, attempt: str) -> bool:
    expected = throttle.take_once(f"captcha:{challenge_id[:40]}")
    return expected is not None and expected == keyed_hash("captcha", (attempt or "").strip().upper()[:10])
