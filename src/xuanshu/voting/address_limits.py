"""How many text-message codes and pictures one network may have: the per-address and per-subnet limits of
`otp.request_code` and of `captcha`, with the same layering as the anti-brushing thresholds (`engine.thresholds`).

They are not part of `engine.Thresholds`, which the vote's Redis script takes positionally: these limits are
read by the identity pages only. An organiser who sees honest voters behind one carrier address meet a cap on
campaign night (or an attack) changes them in the campaign file and loads it again, without a deploy.
"""
import functools
import json
import os
from dataclasses import dataclass, fields

from django.conf import settings


@dataclass(frozen=True)
class AddressLimits:
    """Per address (an IPv4 address, an IPv6 /64) and per subnet (its /24, its /48). Codes are counted over an
    hour (`otp.ADDRESS_WINDOW_SECONDS`), pictures and answers over ten minutes (`captcha.WINDOW_SECONDS`)."""

    # Codes sent without a picture: a household or a small office never meets one.
    free_per_address: int = 10
    # The same for the subnet, so a flood spread over a rented block gets no more free codes than a few households.
    free_per_subnet: int = 100
    # Each behind a solved picture up to here: a school or a carrier's NAT address at a push (ten a minute) stays
    # under it, while a picture-solving flood from one address is stopped.
    max_per_address: int = 600
    # A flood rotating through the addresses of one block stops here: a hundred a minute, a sixth of the global
    # ceiling, so no one block can take the whole campaign's text messages.
    max_per_subnet: int = 6000
    # New pictures: one gains an attacker nothing (drawn once, in about 4 ms, its answer taken once), so this
    # bounds CPU only.
    pictures_per_address: int = 600
    # Answers to the device check, each of which makes a (weak) voter: a school hall verifying at once stays under
    # this, a solving farm behind one address is held to one voter every two seconds, each still facing the vote's
    # checks.
    answers_per_address: int = 300


# Each free allowance and the cap above it: a file that sets the free one above its cap is refused on load.
FREE_AND_CAP = (("free_per_address", "max_per_address"), ("free_per_subnet", "max_per_subnet"))
NAMES = tuple(f.name for f in fields(AddressLimits))


def address_limits(campaign: dict | None = None) -> AddressLimits:
    """The defaults, overridden by the campaign file's `[voting.sms_limits]`, then by settings.VOTING_SMS_LIMITS
    and last by the VOTING_SMS_LIMITS environment variable (JSON): the operator's word, for every campaign."""
    configured = getattr(settings, "VOTING_SMS_LIMITS", None)
    return _address_limits(tuple(sorted((campaign or {}).items())),
                           tuple(sorted(configured.items())) if configured else (),
                           os.environ.get("VOTING_SMS_LIMITS", ""))


@functools.lru_cache(maxsize=32)
def _address_limits(from_campaign: tuple, from_settings: tuple, from_env: str) -> AddressLimits:
    return AddressLimits(**{**dict(from_campaign), **dict(from_settings), **(json.loads(from_env) if from_env else {})})

