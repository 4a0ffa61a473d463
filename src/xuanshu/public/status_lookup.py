"""The public status lookup (reference number and phone digits): guessing stays infeasible, the owner is never locked out.

Wrong answers are counted per reference and address, so one address gets only a few guesses and affects nobody else;
they are also counted per reference from every address, and past that cap four digits are no longer checked for that
reference: only the whole phone number works (or the signed status link, which needs no digits and is not limited).
A right answer is never counted, so a citizen who looks up often spends nothing.

Right after sending, the task worker may not have read the message into its nomination yet. The lookup then checks
the digits against the phone the raw record holds, where the channel stores it as typed in a field of its own (web
form, hotline, the partner app's contact): a match says it was received (as the status link does), and is not
counted; a wrong answer counts like any other. Where the phone is only read out of free text later (WeChat, e-mail,
a partner tip without its contact phone), nothing can be checked yet: the answer is that it is being processed, with
nothing about it, and the try is not counted, since it told nothing about the digits. That tells anyone that this
reference was given, and not yet read: references are sequential, so that a reference exists is no secret, and the
answer says nothing of whose it is, what it says or its phone.
"""
import enum
import unicodedata
from dataclasses import dataclass

from xuanshu.campaigns.models import Campaign
from xuanshu.core.phones import last_four_digits, parse_cn_phone, to_e164
from xuanshu.core.ratelimit import hit, refund
from xuanshu.intake.channels import sender_contact
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.selectors import nomination_not_read_yet
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.references import read_typed_reference
from xuanshu.nominations.selectors import nomination_for_status_lookup

# All lookups from one address: generous for a family or an office, tight enough to stop a script walking through
# the (sequential) reference numbers.
LOOKUPS_PER_ADDRESS = 20
LOOKUPS_WINDOW_SECONDS = 10 * 60
# Wrong answers for one reference from one address: a citizen's typos rarely reach five, and a guesser there gets
# 5 of the 10,000 four-digit answers an hour.
FAILURES_PER_REFERENCE_AND_ADDRESS = 5
FAILURES_WINDOW_SECONDS = 60 * 60
# Wrong four-digit answers for one reference from all addresses together: guessers spread over many addresses get at
# most a 1-in-1,000 chance a month (1-in-500 across a window's turn); past it only the whole number (about 10^9
# possibilities) is checked, which the owner knows.
FOUR_DIGIT_FAILURES_PER_REFERENCE = 10
FOUR_DIGIT_WINDOW_SECONDS = 30 * 24 * 60 * 60


class Outcome(enum.Enum):
    FOUND = "found"
    NO_MATCH = "no_match"
    INVALID = "invalid"  # not a reference and four digits or a whole number: nothing was checked
    TOO_MANY_LOOKUPS = "too_many_lookups"  # from this address, whatever the reference
    TOO_MANY_FAILURES = "too_many_failures"  # for this reference from this address
    WHOLE_NUMBER_NEEDED = "whole_number_needed"  # four digits are no longer checked for this reference
    RECEIVED = "received"  # not read into its nomination yet; the phone in its raw record matches
    PROCESSING = "processing"  # not read yet, and its raw record holds no phone to check: nothing was checked


@dataclass(frozen=True)
class Lookup:
    outcome: Outcome
    nomination: Nomination | None = None
    inbound: InboundMessage | None = None  # RECEIVED: the message not read yet


@dataclass(frozen=True)
class TypedPhone:
    last4: str = ""
    e164: str = ""


def read_typed_phone(value: str) -> TypedPhone | None:
    """Four digits, or a whole mainland number (a mobile, or a landline with its area code), as a phone types them
    (full-width digits, spaces, dashes); None for anything else."""
    digits = "".join(unicodedata.normalize("NFKC", value[:40]).split())
    if len(digits) == 4 and digits.isascii() and digits.isdigit():
        return TypedPhone(last4=digits)
    number = parse_cn_phone(value[:40])
    return TypedPhone(e164=to_e164(number)) if number is not None else None


# A reference's number has six digits (CCLC2024-000123: intake.services).
REFERENCE_NUMBER_DIGITS = 6


def read_lookup_reference(value: str, *, campaign: Campaign) -> str:
    """The reference typed in the lookup form, read as `read_typed_reference` reads it; the number alone ("123",
    "000123"), as a phone's number pad types it, is the campaign's reference with that number."""
    reference = read_typed_reference(value, prefix=campaign.reference_prefix)
    if reference.isascii() and reference.isdigit() and len(reference) <= REFERENCE_NUMBER_DIGITS:
        return f"{campaign.reference_prefix}-{int(reference):0{REFERENCE_NUMBER_DIGITS}d}"
    return reference


def look_up_status(*, campaign: Campaign, reference: str, typed_phone: str, address: str) -> Lookup:
    """The nomination of `campaign` with this reference whose nominator phone matches what was typed, within the
    limits above; only wrong answers count against them."""
    if not hit("status-ip", address, limit=LOOKUPS_PER_ADDRESS, window_seconds=LOOKUPS_WINDOW_SECONDS):
        return Lookup(Outcome.TOO_MANY_LOOKUPS)
    phone = read_typed_phone(typed_phone)
    if not reference or phone is None:
        return Lookup(Outcome.INVALID)
    # Each try is counted before it is checked, and taken back when it was right: parallel tries cannot slip past.
    here = f"{reference}|{address}"
    if not hit("status-fail", here, limit=FAILURES_PER_REFERENCE_AND_ADDRESS, window_seconds=FAILURES_WINDOW_SECONDS):
        return Lookup(Outcome.TOO_MANY_FAILURES)
    four_digits = bool(phone.last4)
    if four_digits and not hit("status-fail-4", reference, limit=FOUR_DIGIT_FAILURES_PER_REFERENCE,
                               window_seconds=FOUR_DIGIT_WINDOW_SECONDS):
        refund("status-fail", here, window_seconds=FAILURES_WINDOW_SECONDS)  # nothing was checked
        return Lookup(Outcome.WHOLE_NUMBER_NEEDED)
    nomination = nomination_for_status_lookup(reference=reference, phone_last4=phone.last4, phone_e164=phone.e164)
    if nomination is None:
        return _look_up_not_read_yet(campaign=campaign, reference=reference, phone=phone, here=here)
    if nomination.campaign_id != campaign.pk:
        return Lookup(Outcome.NO_MATCH)
    _take_back_the_try(here, reference, four_digits=four_digits)
    return Lookup(Outcome.FOUND, nomination)


def _look_up_not_read_yet(*, campaign: Campaign, reference: str, phone: TypedPhone, here: str) -> Lookup:
    inbound = nomination_not_read_yet(reference=reference, campaign_id=campaign.pk)
    if inbound is None:
        return Lookup(Outcome.NO_MATCH)
    given = phone_in_raw_record(inbound)
    if given is None:
        _take_back_the_try(here, reference, four_digits=bool(phone.last4))  # nothing was checked
        return Lookup(Outcome.PROCESSING)
    if not _same_phone(given, phone):
        return Lookup(Outcome.NO_MATCH)
    _take_back_the_try(here, reference, four_digits=bool(phone.last4))
    return Lookup(Outcome.RECEIVED, inbound=inbound)


def _take_back_the_try(here: str, reference: str, *, four_digits: bool) -> None:
    refund("status-fail", here, window_seconds=FAILURES_WINDOW_SECONDS)
    if four_digits:
        refund("status-fail-4", reference, window_seconds=FOUR_DIGIT_WINDOW_SECONDS)


def _same_phone(e164: str, typed: TypedPhone) -> bool:
    """As `nomination_for_status_lookup` compares them: the whole number, or its last four digits."""
    if not e164:
        return False
    return e164 == typed.e164 if typed.e164 else last_four_digits(e164) == typed.last4


# Channels whose raw record holds the nominator's phone in a field of its own (the form, the hotline desk, the
# app's contact); elsewhere the number is read out of free text, later.
_PHONE_FIELD_CHANNELS = {Channel.WEBFORM, Channel.HOTLINE, Channel.API}


def phone_in_raw_record(inbound: InboundMessage) -> str | None:
    """The nominator phone (E.164) the nomination read from `inbound` will have, as its channel gives it
    (`sender_contact`): '' when none was given; None when the raw record cannot tell, because the number is read out
    of free text (WeChat, e-mail, a partner tip without a contact phone)."""
    if inbound.channel not in _PHONE_FIELD_CHANNELS:
        return None
    try:
        number = parse_cn_phone(sender_contact(inbound).phone or "")
    except (ValueError, KeyError, TypeError, AttributeError):  # a record its interpreter cannot read either
        return None
    if number is None:
        return None if inbound.channel == Channel.API else ""  # the app's tip without one: the text may hold it
    return to_e164(number)
