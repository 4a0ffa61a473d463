"""Reads for other apps: may a nomination's text be shown publicly, and what the console shows as evidence."""
from xuanshu.nominations.extraction.services import public_text_hits


def is_publicly_showable(nomination) -> bool:
    """True when none of the nomination's public fields, as they are now, holds a word from the sensitive list.

    Screened live, so an editor's correction of the text clears it and a newly listed word holds it back.
    """
    return not public_text_hits(nomination)
