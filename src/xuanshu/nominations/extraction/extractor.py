"""One message in, structured fields out, each with its confidence and its evidence in the original text.

    extract_fields(text, profile) -> dict   (the JSON `python -m xuanshu extract` prints)

Pure and offline: rules over the shipped gazetteer and lexicons, opencc for traditional script and
phonenumbers for phones. No model is downloaded, nothing is written.
"""
import re

from xuanshu.nominations.extraction.categories import guess_category
from xuanshu.nominations.extraction.contacts import find_emails, find_phones, find_wechat_ids, hotline_e164
from xuanshu.nominations.extraction.keyword import mentions_keyword
from xuanshu.nominations.extraction.people import find_people
from xuanshu.nominations.extraction.places import resolve_place
from xuanshu.nominations.extraction.profile import CampaignProfile, default_profile
from xuanshu.nominations.extraction.text import CJK, TextView, build_view

# Bump when the rules change: stored extractions say which rules produced them.
EXTRACTOR_VERSION = "rules-5"
SUMMARY_LENGTH = 120

_DEEDS_LABEL = re.compile(r"(?:主要事迹|个人事迹|事迹简介|先进事迹|事迹|推荐理由)\s*[:：]?\s*")
_CONTACT_CLAUSE = re.compile(
    rf"(?:(?<!被)推荐人|联系人|报名人|联系电话|联系方式|电话|手机|邮箱|微信)[^。!！?？\n]*?(?=[。!！?？\n]|$)"
    rf"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+|\+?\d[\d -]{{6,}}\d|(?:被推荐人|推荐对象|姓名|性别|年龄)[^{CJK}]*[{CJK}]{{0,12}}"
)


_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
# Punctuation the cleaned text made half-width, given back its Chinese form next to Chinese text.
_FULL_WIDTH_PUNCTUATION = re.compile(rf"(?<=[{CJK}，；：！？（）)])[,;:!?()]|[,;:!?()](?=[{CJK}（）])")


def _blank_keyword(view: TextView, profile: CampaignProfile) -> tuple[str, list[tuple[int, int]]]:
    """The cleaned text with the campaign keyword replaced by spaces (it is not part of any field)."""
    text, spans = view.text, []
    for keyword in sorted({profile.keyword, *profile.keyword_variants}, key=len, reverse=True):
        core = re.sub(r"[^\w]|_", "", keyword)
        if not core:
            continue
        pattern = re.compile(r"\s*".join(re.escape(ch) for ch in core))
        for match in pattern.finditer(text):
            spans.append((match.start(), match.end()))
            text = text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]
    return text, spans


def _summary(text: str) -> str:
    label = _DEEDS_LABEL.search(text)
    body = text[label.end():] if label else text
    if label:
        line_end = body.find("\n")
        body = body if line_end < 0 else body[:line_end]
    body = _CONTACT_CLAUSE.sub("", body)
    body = re.sub(r"\s+", " ", body).strip(" ,，;；:：-—")
    body = re.sub(r"^[。!！,，、\s]+", "", body)
    body = _FULL_WIDTH_PUNCTUATION.sub(lambda m: _FULL_WIDTH[m.group()], body)
    if len(body) <= SUMMARY_LENGTH:
        return body
    cut = max(body.rfind(mark, 0, SUMMARY_LENGTH) for mark in "。!！?？；;")
    return body[:cut + 1] if cut >= 40 else body[:SUMMARY_LENGTH - 1] + "…"


def extract_fields(text: str, profile: CampaignProfile | None = None) -> dict:
    """The structured reading of one nomination message (see the module docstring)."""
    profile = profile or default_profile()
    view = build_view(text or "")
    cleaned, keyword_spans = _blank_keyword(view, profile)
    spans: list[dict] = []

    def add_span(field: str, start: int, end: int) -> None:
        first, last = view.span(start, end)
        if last > first:
            spans.append({"field": field, "start": first, "end": last, "text": view.original[first:last]})

    for start, end in keyword_spans:
        add_span("keyword", start, end)

    phones = find_phones(cleaned, exclude=hotline_e164(profile.hotline))
    emails = find_emails(cleaned)
    wechat_ids = find_wechat_ids(cleaned)
    people = find_people(cleaned, phone_starts=[phone.start for phone in phones], keyword_spans=keyword_spans)
    place = resolve_place(cleaned)
    county = profile.area_code(place.county)
    category = guess_category(cleaned, profile.categories, outside=place.county == "outside")

    nominees = []
    for index, person in enumerate(people.nominees):
        add_span(f"nominees[{index}].name", person.start, person.end)
        for member_index, (_name, start, end) in enumerate(person.members):
            add_span(f"nominees[{index}].members[{member_index}]", start, end)
        nominees.append({"name": person.name, "is_group": person.is_group, "members": [m[0] for m in person.members]})
    if people.nominator:
        add_span("nominator.name", people.nominator.start, people.nominator.end)
    for index, phone in enumerate(phones):
        add_span(f"nominator.phones[{index}]", phone.start, phone.end)
    for index, email in enumerate(emails):
        add_span(f"nominator.emails[{index}]", email.start, email.end)
    for index, wechat in enumerate(wechat_ids):
        add_span(f"nominator.wechat_ids[{index}]", wechat.start, wechat.end)
    for start, end, what in place.spans:
        add_span(f"place.{what}", start, end)
    for start, end in category.evidence[:6]:
        add_span("category", start, end)
    spans.sort(key=lambda span: (span["start"], span["end"]))

    return {
        "version": EXTRACTOR_VERSION,
        "keyword_found": bool(keyword_spans) or mentions_keyword(text, keyword=profile.keyword, variants=profile.keyword_variants),
        "nominees": nominees,
        "category": category.code,
        "place": {
            "county": county,
            "county_name": profile.area_name(county) if county else None,
            "administrative_county": profile.area_code(place.administrative_county),
            "zone": place.zone,
            "town": place.town,
            "village": place.village,
            "text": place.text,
            "hometown": profile.area_code(place.hometown),
        },
        "nominator": {
            "name": people.nominator.name if people.nominator else None,
            "phones": [{"e164": phone.value, "display": phone.display} for phone in phones],
            "emails": [email.value for email in emails],
            "wechat_ids": [wechat.value for wechat in wechat_ids],
        },
        "summary": _summary(cleaned),
        "confidence": {
            "nominees": round(min((p.confidence for p in people.nominees), default=0.0), 2),
            "category": category.confidence,
            "place": place.confidence if county else 0.0,
            "nominator": people.nominator.confidence if people.nominator else 0.0,
            "phones": 0.99 if phones else 0.0,
        },
        "spans": spans,
    }
