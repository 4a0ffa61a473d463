"""Phone numbers as citizens write them: CN mobiles and landlines with area code, normalised to E.164."""
import unicodedata

import phonenumbers
from phonenumbers import PhoneNumberType

_ACCEPTED_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse_cn_phone(text: str) -> phonenumbers.PhoneNumber | None:
    """A valid Chinese mobile or area-coded landline number, or None."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if not cleaned or len(cleaned) > 40:
        return None
    try:
        number = phonenumbers.parse(cleaned, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _ACCEPTED_TYPES:
        return None
    return number


def to_e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """National display form: 138 1234 5678 or 0635 845 1234."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "CN")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def last_four_digits(e164: str) -> str:
    return "".join(ch for ch in e164 if ch.isdigit())[-4:]
