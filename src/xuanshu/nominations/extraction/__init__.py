"""Understanding free-text Chinese nominations. Channels call `draft_from_text` and `mentions_keyword`;
the extraction behind them can grow without the channels changing.

This package is also a Django app (label `extraction`), so nothing here may import models at load time.
"""
from xuanshu.nominations.extraction.keyword import mentions_keyword, normalise_for_matching


def draft_from_text(**kwargs):
    """See free_text.draft_from_text (imported late: it needs the app registry)."""
    from xuanshu.nominations.extraction.free_text import draft_from_text as build

    return build(**kwargs)


__all__ = ["draft_from_text", "mentions_keyword", "normalise_for_matching"]
