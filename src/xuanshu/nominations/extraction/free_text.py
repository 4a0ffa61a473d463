"""A first draft from free text: the whole message as the deeds, contacts found with phonenumbers.

Names, categories and places stay empty for an editor (or, after issue 4, the extractor) to fill in.
"""
import re
import unicodedata

import phonenumbers

from xuanshu.core.phones import parse_cn_phone, to_e164
from xuanshu.nominations.services import NominationDraft

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def first_cn_phone(text: str) -> str:
    """The first valid Chinese mobile or area-coded landline in the text, as E.164, or ''."""
    normalised = unicodedata.normalize("NFKC", text or "")
    for match in phonenumbers.PhoneNumberMatcher(normalised, "CN", leniency=phonenumbers.Leniency.VALID):
        number = parse_cn_phone(match.raw_string)
        if number is not None:
            return to_e164(number)
    return ""


def draft_from_text(*, text: str, sender_name: str = "", sender_phone: str = "", sender_email: str = "") -> NominationDraft:
    """The draft a free-text nomination starts as; the sender's own contact wins over one found in the text."""
    cleaned = (text or "").strip()
    phone = ""
    if sender_phone:
        number = parse_cn_phone(sender_phone)
        phone = to_e164(number) if number else ""
    email_match = _EMAIL.search(unicodedata.normalize("NFKC", cleaned))
    return NominationDraft(
        nominee_name="",
        nominee_kind="individual",
        deeds=cleaned,
        nominator_name=sender_name.strip()[:100],
        nominator_phone=phone or first_cn_phone(cleaned),
        nominator_email=(sender_email or (email_match.group() if email_match else "")).strip()[:254],
    )
