"""Extraction fixtures: free-text nominations made the way a channel makes them (raw inbound first, then the
draft from `draft_from_text`), with the after-commit hook run."""
import itertools

import pytest

from xuanshu.intake.services import apply_interpretation, receive_inbound
from xuanshu.nominations.extraction import draft_from_text

_counter = itertools.count(1)


@pytest.fixture
def free_text_nomination(campaign, django_capture_on_commit_callbacks):
    """A nomination from a free-text message, processed as the pipeline does (hook included)."""

    def make(text: str, *, channel: str = "api", **sender):
        receipt = receive_inbound(
            channel=channel, external_id=f"extraction-test-{next(_counter)}", campaign=campaign,
            raw_body=text.encode("utf-8"), enqueue_processing=False,
        )
        with django_capture_on_commit_callbacks(execute=True):
            apply_interpretation(inbound=receipt.inbound, interpretation=draft_from_text(text=text, **sender))
        return receipt.inbound.nomination

    return make
