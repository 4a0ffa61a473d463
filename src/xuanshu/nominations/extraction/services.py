"""Writers of this app's records: the extraction of a free-text nomination and its screening."""
from django.db import transaction
from django.utils import timezone

from xuanshu.nominations.extraction.extractor import EXTRACTOR_VERSION, extract_fields
from xuanshu.nominations.extraction.models import Extraction, Screening
from xuanshu.nominations.extraction.profile import profile_for_campaign
from xuanshu.nominations.extraction.screening import find_sensitive, word_list
from xuanshu.nominations.models import Nomination

# The fields of a nomination that may be shown publicly, in the order they are screened.
PUBLIC_FIELDS = ("nominee_name", "place_detail", "deeds")


def record_extraction(*, nomination: Nomination, text: str) -> Extraction:
    """Run the extractor on the message a free-text nomination was read from, and keep its result."""
    result = extract_fields(text, profile_for_campaign(nomination.campaign))
    with transaction.atomic():
        extraction, _created = Extraction.objects.update_or_create(
            nomination=nomination, defaults={"text": text, "result": result, "version": EXTRACTOR_VERSION},
        )
    return extraction


def public_text_hits(nomination: Nomination) -> list[dict]:
    """Sensitive words in the nomination's public fields as they are now."""
    words = word_list()
    hits = []
    for field in PUBLIC_FIELDS:
        for hit in find_sensitive(getattr(nomination, field) or "", words):
            hits.append({"word": hit.word, "category": hit.category, "field": field, "start": hit.start, "end": hit.end})
    return hits


def screen_nomination(*, nomination: Nomination) -> Screening:
    """Screen the nomination's public text against the word list and keep the flag for editors."""
    hits = public_text_hits(nomination)
    with transaction.atomic():
        screening, _created = Screening.objects.update_or_create(
            nomination=nomination,
            defaults={"flagged": bool(hits), "matches": hits, "word_list": word_list().digest, "screened_at": timezone.now()},
        )
    return screening
