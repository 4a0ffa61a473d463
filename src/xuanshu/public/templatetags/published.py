from functools import lru_cache

from django import template
from django.utils.text import Truncator

from xuanshu.core.redaction import redact_addresses

register = template.Library()


@register.filter
def published(value) -> str:
    """Text a citizen wrote, as a public page may show it: phone numbers, e-mail addresses, resident ID, bank card,
    WeChat and QQ numbers and IP addresses masked (there is no reveal in public). Auto-escaped like any other text;
    mask before truncating, so that a cut never leaves a number too short to be recognised."""
    return _published(str(value or ""))


@register.filter
def published_excerpt(value, length=60) -> str:
    """`published` text on one line, cut to `length` characters with an ellipsis: a share card's description."""
    return Truncator(" ".join(_published(str(value or "")).split())).chars(int(length))


# The ballot and the gallery are hot pages showing every candidate's summary, which is fixed once the ballot opens:
# each text is masked once per process (about 0.2 ms for 500 characters), not once per candidate per page view.
@lru_cache(maxsize=2048)
def _published(text: str) -> str:
    return redact_addresses(text)
