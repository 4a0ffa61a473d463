"""What voters read after each outcome: English msgids, rendered in zh-hans on the public pages."""
from django.utils.translation import gettext_lazy as _

from xuanshu.voting.enums import Reason, VoteStatus

OUTCOME_MESSAGES = {
    VoteStatus.ACCEPTED: _("Thank you, your vote has been counted."),
    VoteStatus.QUARANTINED: _("Your vote is being verified."),
    Reason.OUTSIDE_WINDOW: _("Voting is not open at this time."),
    Reason.IDENTITY_REQUIRED: _("Please verify your identity before voting."),
    Reason.UNKNOWN_CANDIDATE: _("Please choose candidates from this ballot."),
    Reason.DUPLICATE_CANDIDATE: _("Please choose candidates from this ballot."),
    Reason.TOO_FEW_CANDIDATES: _("Please choose more candidates on one ballot."),
    Reason.RATE_LIMITED: _("Too many attempts. Please try again in a minute."),
    Reason.QUOTA_TOTAL: _("You have used all your votes for today. Come back tomorrow."),
    Reason.QUOTA_CANDIDATE: _("You have already voted for this candidate today."),
    Reason.VOTER_BLOCKED: _("Voting with this identity has been suspended."),
    Reason.DUPLICATE: _("This ballot has already been received."),
}

OTP_MESSAGES = {
    "sent": _("A code has been sent to your phone. It is valid for 5 minutes."),
    "invalid_phone": _("Enter a valid mainland mobile number."),
    "phone_wait": _("Please wait a minute before asking for another code."),
    "phone_day": _("This number has asked for too many codes today."),
    "address_limit": _("Too many codes requested from your network. Please try again later."),
    "global_limit": _("Many people are voting right now. Please try again in a minute."),
    "vendor_error": _("The text message could not be sent. Please try again later."),
    "verified": _("Verified. You can vote now."),
    "wrong_code": _("The code is wrong or has expired."),
    "captcha_wrong": _("The characters did not match the picture. Please try again."),
    "wechat_failed": _("WeChat authorisation did not complete. Please try again."),
}


def outcome_key(outcome) -> str:
    """The message key of a ballot's outcome: the rejection reason, else quarantined if any vote is, else accepted."""
    if outcome.reason:
        return outcome.reason
    return VoteStatus.QUARANTINED if VoteStatus.QUARANTINED in outcome.statuses else VoteStatus.ACCEPTED
