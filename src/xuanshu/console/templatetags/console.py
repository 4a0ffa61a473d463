import json

from django import template

from xuanshu.core.redaction import redact_contacts

register = template.Library()


@register.filter
def as_json(value) -> str:
    """An audit value as compact JSON for reading (auto-escaped like any other text)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def masked_contacts(value) -> str:
    """Text with phone numbers and e-mail addresses masked (auto-escaped like any other text)."""
    return redact_contacts(str(value or ""))


@register.filter
def masked_unless(value, revealed) -> str:
    """Text with contacts masked unless `revealed` (the page shows contacts after a logged reveal)."""
    text = str(value or "")
    return text if revealed else redact_contacts(text)
