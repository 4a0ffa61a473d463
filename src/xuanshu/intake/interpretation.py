"""What a channel's `interpret(inbound)` may return; `services.process_inbound` acts on each kind.

- NominationDraft: a new nomination (the message carries the campaign keyword, or is a form post).
- ReaderTipText: no keyword; keep it as a reader tip for editors.
- FollowUpTo: adds to the sender's open nomination (photo, voice, text within the follow-up window).
- NothingToDo: an event that needs no record beyond the raw one (e.g. unsubscribe), with the reason.
"""
from dataclasses import dataclass

from xuanshu.nominations.services import NominationDraft


@dataclass(frozen=True)
class ReaderTipText:
    text: str


@dataclass(frozen=True)
class FollowUpTo:
    nomination_id: int
    text: str = ""


@dataclass(frozen=True)
class NothingToDo:
    reason: str


Interpretation = NominationDraft | ReaderTipText | FollowUpTo | NothingToDo

__all__ = ["FollowUpTo", "Interpretation", "NominationDraft", "NothingToDo", "ReaderTipText"]
