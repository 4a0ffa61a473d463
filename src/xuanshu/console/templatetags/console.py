import json

from django import template

from xuanshu.console.redaction import inbound_problem as explain_inbound_problem
from xuanshu.core.redaction import redact_personal_data

register = template.Library()


@register.filter
def as_json(value) -> str:
    """An audit value as compact JSON for reading (auto-escaped like any other text)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def masked_contacts(value) -> str:
    """Text with phone numbers, e-mail addresses, resident ID, bank card, WeChat and QQ numbers masked (auto-escaped
    like any other text)."""
    return redact_personal_data(str(value or ""))


@register.filter
def masked_unless(value, revealed) -> str:
    """Text with contacts and identifiers masked (`masked_contacts`) unless `revealed` (the page shows them after a
    logged reveal)."""
    text = str(value or "")
    return text if revealed else redact_personal_data(text)


@register.filter
def inbound_problem(inbound, technical) -> str:
    """Why `inbound` is not processed, in the editors' language, then `technical` (its stored error as the page shows
    it); '' when nothing is wrong."""
    return explain_inbound_problem(inbound, str(technical or ""))
