"""A nomination draft from free text (WeChat, e-mail, partner API, reader tips): the extractor's reading.

Channels call `draft_from_text`; the whole message, contacts masked, becomes the deeds, the extractor fills in the nominee,
kind, place and nominator, and (when the campaign is given) the category and county codes.
"""


from xuanshu.core.phones import parse_cn_phone, to_e164
from xuanshu.core.redaction import redact_contacts_for_storage
from xuanshu.nominations.extraction.extractor import extract_fields
from xuanshu.nominations.extraction.profile import default_profile, profile_for_campaign
from xuanshu.nominations.services import NominationDraft


def draft_from_text(
    *, text: str, sender_name: str = "", sender_phone: str = "", sender_email: str = "", campaign=None,
) -> NominationDraft:
    """The draft a free-text nomination starts as; the sender's own name and contacts win over those in the text.

    Category and county codes are filled only when `campaign` is given, since they must be that campaign's.
    """
    cleaned = (text or "").strip()
    result = extract_fields(cleaned, profile_for_campaign(campaign) if campaign is not None else default_profile())
    phone = ""
    if sender_phone:
        number = parse_cn_phone(sender_phone)
        phone = to_e164(number) if number else ""
    found = result["nominator"]
    first = result["nominees"][0] if result["nominees"] else None
    place = result["place"]
    return NominationDraft(
        nominee_name=(first["name"] if first else "")[:100],
        nominee_kind="group" if first and first["is_group"] else "individual",
        # The deeds may be shown publicly; the contacts in them stay only in the raw message (and the fields).
        deeds=redact_contacts_for_storage(cleaned),
        category_code=result["category"] if campaign is not None else None,
        area_code=place["county"] if campaign is not None else None,
        place_detail=(place["text"] or "")[:200],
        nominator_name=(sender_name.strip() or found["name"] or "")[:100],
        nominator_phone=phone or (found["phones"][0]["e164"] if found["phones"] else ""),
        nominator_email=(sender_email or (found["emails"][0] if found["emails"] else "")).strip()[:254],
        source_text=cleaned,
    )
