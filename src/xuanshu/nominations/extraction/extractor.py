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
EXTRACTOR_VERSION = "rules-6"
SUMMARY_LENGTH = 120

_DEEDS_LABEL = re.compile(r"(?:主要事迹|个人事迹|事迹简介|先进事迹|事迹|推荐理由)\s*[:：]?\s*")
_CONTACT_CLAUSE = re.compile(
    rf"(?:(?<!被)推荐人|联系人|报名人|联系电话|联系方式|电话|手机|邮箱|微信)[^。!！?？\n]*?(?=[。!！?？\n]|$)"
    rf"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+|\+?\d[\d -]{{6,}}\d|(?:被推荐人|推荐对象|姓名|性别|年龄)[^{CJK}]*[{CJK}]{{0,12}}"
)


_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
# Punctuation the cleaned text made half-width, given back its Chinese form next to Chinese text. Brackets are given
# back as written instead (see _summary_source), a pair in one width.
_FULL_WIDTH_PUNCTUATION = re.compile(rf"(?<=[{CJK}，；：！？（）)])[,;:!?]|[,;:!?](?=[{CJK}（）])")
# What a keyword is wrapped in (#推荐出彩聊城人#, 【推荐出彩聊城人】), in the cleaned text: its closing marks.
_KEYWORD_WRAPPERS = dict(zip("#【[《〔〖「『“", "#】]》〕〗」』”")) | {"(": ")）", "（": ")）"}
_HORIZONTAL_SPACE = " \t\u3000"
# Marks of the cleaned text (NFKC made most of them half-width) that would meet where a keyword was taken out.
_WEAK_MARKS, _END_MARKS = ",，、;；:：", "。!！?？"
# Pairs of brackets and quotes, by closing mark: the opening marks it closes. Dropped when they hold nothing (【 】,
# （）: a keyword or a contact was all they held).
_CLOSES = {")": "(（", "）": "(（", "】": "【", "]": "[", "》": "《", "〕": "〔", "〗": "〖", "」": "「", "』": "『", "”": "“"}
_OPENS = set("".join(_CLOSES.values()))
_OPENING, _CLOSING = "(（", ")）"


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


def _summary_source(view: TextView, cleaned: str, keyword_spans: list[tuple[int, int]]) -> str:
    """The cleaned text as the summary reads it: brackets as written (NFKC made （1/3） half-width), and each keyword
    gone with what wraps it (#…#, 【…】, a hashtag's #) and the spaces beside it."""
    chars = list(cleaned)
    for index, ch in enumerate(chars):
        if ch in "()" and view.original[view.origin[index]] in "（）":
            chars[index] = view.original[view.origin[index]]
    removed = [False] * len(chars)
    for start, end in keyword_spans:
        removed[start:end] = [True] * (end - start)
    for start, end in keyword_spans:
        while True:
            before, after = start - 1, end
            while before >= 0 and chars[before] in _HORIZONTAL_SPACE and not removed[before]:
                before -= 1
            while after < len(chars) and chars[after] in _HORIZONTAL_SPACE and not removed[after]:
                after += 1
            # a mark already taken out belongs to another keyword (#推荐出彩聊城人##推荐出彩聊城人#)
            opening = chars[before] if before >= 0 and not removed[before] else ""
            closing = chars[after] if after < len(chars) and not removed[after] else ""
            if opening in _KEYWORD_WRAPPERS and closing and closing in _KEYWORD_WRAPPERS[opening]:
                removed[before] = removed[after] = True  # the spaces between go with them (_close_up)
                start, end = before, after + 1
                continue
            if "#" in (opening, closing):  # a hashtag's mark alone: #推荐出彩聊城人 王秀兰…
                removed[before if opening == "#" else after] = True
            break
    return _close_up(chars, removed)


def _close_up(chars: list[str], removed: list[bool]) -> str:
    """The text without the removed characters and the spaces beside them; one space stays between Latin letters or
    digits."""
    kept: list[str] = []
    index = 0
    while index < len(chars):
        if not removed[index]:
            kept.append(chars[index])
            index += 1
            continue
        while kept and kept[-1] in _HORIZONTAL_SPACE:
            kept.pop()
        while index < len(chars) and (removed[index] or chars[index] in _HORIZONTAL_SPACE):
            index += 1
        following = chars[index] if index < len(chars) else ""
        if kept and following and following in _WEAK_MARKS + _END_MARKS:
            if kept[-1] in _WEAK_MARKS:
                kept.pop()  # 二十年，推荐出彩聊城人。: not 二十年，。
            elif kept[-1] in _END_MARKS:
                index += 1  # 好！推荐出彩聊城人！王秀兰…: not 好！！
        if kept and index < len(chars) and _is_latin_or_digit(kept[-1]) and _is_latin_or_digit(chars[index]):
            kept.append(" ")
    return "".join(kept)


def _is_latin_or_digit(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _drop_empty_pairs(text: str) -> str:
    """The text without pairs of brackets or quotes that hold nothing but spaces (【 】, （）, 【（）】), in one pass."""
    kept: list[str] = []
    open_pairs: list[list] = []  # [where the opening mark is in kept, whether anything but spaces follows it]
    for ch in text:
        if ch in _CLOSES and open_pairs and kept[open_pairs[-1][0]] in _CLOSES[ch]:
            start, filled = open_pairs.pop()
            if not filled:
                del kept[start:]
                continue
            if open_pairs:
                open_pairs[-1][1] = True
        elif ch in _OPENS:
            open_pairs.append([len(kept), False])
        elif open_pairs and not ch.isspace():
            open_pairs[-1][1] = True
        kept.append(ch)
    return "".join(kept)


def _one_width_per_pair(text: str) -> str:
    """Each pair of round brackets in one width: as written when both are, full-width when written mixed (（1/3))."""
    chars, open_at = list(text), []
    for index, ch in enumerate(chars):
        if ch in _OPENING:
            open_at.append(index)
        elif ch in _CLOSING and open_at:
            opening = open_at.pop()
            if _OPENING.index(chars[opening]) != _CLOSING.index(ch):
                chars[opening], chars[index] = "（", "）"
    return "".join(chars)


def _summary(text: str) -> str:
    label = _DEEDS_LABEL.search(text)
    body = text[label.end():] if label else text
    if label:
        line_end = body.find("\n")
        body = body if line_end < 0 else body[:line_end]
    body = _drop_empty_pairs(_CONTACT_CLAUSE.sub("", body))
    body = re.sub(r"\s+", " ", body).strip(" ,，;；:：-—")
    body = re.sub(r"^[。!！,，、\s]+", "", body)
    body = _FULL_WIDTH_PUNCTUATION.sub(lambda m: _FULL_WIDTH[m.group()], body)
    body = _one_width_per_pair(body)
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
        "summary": _summary(_summary_source(view, cleaned, keyword_spans)),
        "confidence": {
            "nominees": round(min((p.confidence for p in people.nominees), default=0.0), 2),
            "category": category.confidence,
            "place": place.confidence if county else 0.0,
            "nominator": people.nominator.confidence if people.nominator else 0.0,
            "phones": 0.99 if phones else 0.0,
        },
        "spans": spans,
    }
