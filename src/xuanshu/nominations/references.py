"""Reference numbers (CCLC2024-000123) as people type them: on a phone, in a Chinese input method, off a receipt."""
import re
import unicodedata

# Dashes a phone's keyboard or a Chinese input method may give instead of "-" (NFKC already maps the full-width one).
_DASHES_AND_SPACES = re.compile(r"[\s\u2010-\u2015\u2212\u30fc_-]+")
TYPED_REFERENCE_MAX_CHARS = 64


def read_typed_reference(value: str, *, prefix: str) -> str:
    """The reference as typed, read the way it was meant: full-width characters (a Chinese input method in full-width
    mode), any dash or a space between prefix and number, lower case, no dash at all after the campaign's `prefix`, or
    the prefix itself split in groups as it is read out over the phone (CCLC 2024 000123)."""
    text = _DASHES_AND_SPACES.sub("-", unicodedata.normalize("NFKC", value[:TYPED_REFERENCE_MAX_CHARS]).upper())
    text = text.strip("-")[:32]
    compact = text.replace("-", "")  # a prefix is letters and digits only (campaigns.loader)
    if prefix and compact.startswith(prefix) and compact[len(prefix):].isdigit():
        text = f"{prefix}-{compact[len(prefix):]}"
    return text
