"""What voters read after each outcome: English msgids, rendered in zh-hans on the public pages."""
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from xuanshu.voting.enums import Reason, VoteStatus

OUTCOME_MESSAGES = {
    VoteStatus.ACCEPTED: _("Thank you, your vote has been counted."),
    VoteStatus.QUARANTINED: _("Your vote is being verified."),
    Reason.OUTSIDE_WINDOW: _("Voting is not open at this time."),
    Reason.IDENTITY_REQUIRED: _("Please verify your identity before voting."),
    Reason.EMPTY_BALLOT: _("Please choose at least one candidate."),
    Reason.UNKNOWN_CANDIDATE: _("Please choose candidates from this ballot."),
    Reason.DUPLICATE_CANDIDATE: _("Please choose candidates from this ballot."),
    Reason.TOO_FEW_CANDIDATES: _("Please choose more candidates on one ballot."),
    Reason.RATE_LIMITED: _("Too many attempts. Please try again in a minute."),
    Reason.QUOTA_TOTAL: _("You have used all your votes for today. Come back tomorrow."),
    Reason.QUOTA_CANDIDATE: _("You have already voted for this candidate today."),
    Reason.VOTER_BLOCKED: _("Voting with this identity has been suspended."),
    Reason.DUPLICATE: _("This ballot has already been received."),
}

# A quota_total refusal while votes remain: the ballot chose more candidates than the voter has votes left.
QUOTA_LEFT = "quota_left"
# Messages that name a number (the votes left): their key travels with it, as "key.number".
COUNTED_MESSAGES = {
    QUOTA_LEFT: ngettext_lazy(
        "You have %(count)d vote left today: please choose at most %(count)d candidate.",
        "You have %(count)d votes left today: please choose at most %(count)d candidates.", "count"),
}

# A quota_candidate refusal of a ballot of several candidates names the ones voted for today, so the voter knows
# which to untick: their ids travel in the reference ("quota_candidate.12_15"), and whoever shows the message
# looks their names up in the campaign's candidates (`message_text`).
SPENT_NAMED = _("You have already voted for %(names)s today. Please untick them and send again.")
NAME_SEPARATOR = pgettext_lazy("between the names in a list", ", ")
MAX_REF = 200  # a longer reference is not one of ours (a spent list that long names no candidate)

OTP_MESSAGES = {
    "sent": _("A code has been sent to your phone. It is valid for 5 minutes."),
    "invalid_phone": _("Enter a valid mainland mobile number."),
    "phone_wait": _("Please wait a minute before asking for another code."),
    "phone_day": _("This number has asked for too many codes today."),
    # Past an address's free codes (AddressLimits.free_per_address): many people share it, so each proves with a picture.
    "captcha_needed": _("Many people on your network are asking for codes. Type the characters in the picture, "
                        "then send the code again."),
    "captcha_failed": _("The characters did not match the picture, so no code was sent. Type the characters in "
                        "the new picture and try again."),
    "address_cap": _("Too many codes have been requested from your network in the past hour. Please try again "
                     "later, or on another network (mobile data instead of Wi-Fi, or the other way round)."),
    "global_limit": _("Many people are voting right now. Please try again in a minute."),
    "vendor_error": _("The text message could not be sent. Please try again later."),
    "verified": _("Verified. You can vote now."),
    "wrong_code": _("The code is not right. Please check the text message and enter it again."),
    "code_expired": _("The code has expired (codes are valid for 5 minutes). Please enter your number to get a new one."),
    "code_used_up": _("The code was entered wrongly too many times. Please enter your number to get a new one."),
    "captcha_limit": _("Too many picture checks from your network right now. Please try again in a few minutes."),
    "captcha_wrong": _("The characters did not match the picture. Please try again."),
    "wechat_failed": _("WeChat authorisation did not complete. Please try again."),
    # A picture-check voter who has voted today keeps that identity until tomorrow: verifying again would give
    # the same person a second day's votes.
    "weaker_voted_today_sms": _("You have voted today after the picture check. You can verify by text message "
                                "from tomorrow."),
    "weaker_voted_today_wechat": _("You have voted today after the picture check. You can verify with WeChat "
                                   "from tomorrow."),
}


def outcome_key(outcome) -> str:
    """The message key of a ballot's outcome: the rejection reason (quota_left when a quota_total refusal leaves
    votes), else quarantined if any vote is, else accepted."""
    if outcome.reason == Reason.QUOTA_TOTAL and (outcome.remaining_today or 0) > 0:
        return QUOTA_LEFT
    if outcome.reason:
        return outcome.reason
    return VoteStatus.QUARANTINED if VoteStatus.QUARANTINED in outcome.statuses else VoteStatus.ACCEPTED


def message_ref(key: str, count: int | None = None) -> str:
    """A message as a short reference ("accepted", "quota_left.2") that `message_text` turns back into text."""
    return f"{key}.{count}" if key in COUNTED_MESSAGES and count is not None else key


def spent_ref(spent) -> str:
    """The reference of a quota_candidate refusal that names the spent candidates (ids), or the plain one."""
    ref = f"{Reason.QUOTA_CANDIDATE.value}.{'_'.join(str(c) for c in spent)}"
    return ref if spent and len(ref) <= MAX_REF else Reason.QUOTA_CANDIDATE.value


def message_text(ref: str, names: dict[int, str] | None = None) -> str:
    """The text of a message reference in the active language; "" for anything that is not one of ours.
    `names` (the campaign's candidates' names by id) fills in a reference that names candidates."""
    if len(ref or "") > MAX_REF:
        return ""
    key, _dot, number = (ref or "").partition(".")
    if key == Reason.QUOTA_CANDIDATE and number:
        return _spent_text(number, names or {})
    if key in COUNTED_MESSAGES:
        if not (number.isascii() and number.isdigit()) or not 0 < int(number) <= 10_000:
            return ""
        return str(COUNTED_MESSAGES[key] % {"count": int(number)})
    if number:
        return ""
    message = OUTCOME_MESSAGES.get(key) or OTP_MESSAGES.get(key)
    return str(message) if message else ""


def _spent_text(ids: str, names: dict[int, str]) -> str:
    parts = ids.split("_")
    if not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in parts):
        return ""
    found = [names.get(int(part)) for part in parts]
    if not all(found):  # a candidate withdrawn since, or no names to hand: the message without names
        return str(OUTCOME_MESSAGES[Reason.QUOTA_CANDIDATE])
    return str(SPENT_NAMED % {"names": str(NAME_SEPARATOR).join(found)})
