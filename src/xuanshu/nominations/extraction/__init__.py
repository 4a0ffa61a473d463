"""Understanding free-text Chinese nominations. Issue 4 grows this into full extraction; channels call
`draft_from_text` and `mentions_keyword`, so the seam stays the same."""
from xuanshu.nominations.extraction.free_text import draft_from_text
from xuanshu.nominations.extraction.keyword import mentions_keyword, normalise_for_matching

__all__ = ["draft_from_text", "mentions_keyword", "normalise_for_matching"]
