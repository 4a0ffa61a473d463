"""What a channel's `interpret(inbound)` may return; `services.process_inbound` acts on each kind.

- NominationDraft: a new nomination (the message carries the campaign keyword, or is a form post).
- ReaderTipText: no keyword; keep it as a reader tip for editors.
- FollowUpTo: adds to the sender's open nomination (photo, voice, text within the follow-up window); its `part_text`,
  more of the nomination's own text, is read into the nomination while no editor has reviewed it.
- NothingToDo: an event that needs no record beyond the raw one (e.g. unsubscribe), with the reason.

An interpreter raises NotReadyYet when the message depends on another one that is not processed yet.

The nomination stage rule lives here too (`nomination_window`): a draft from a message received outside the
campaign's nomination stage is kept as a reader tip, whatever the channel.
"""
import datetime as dt
from dataclasses import dataclass

from xuanshu.campaigns.enums import StageKind
from xuanshu.intake.enums import NominationWindow
from xuanshu.nominations.services import NominationDraft


@dataclass(frozen=True)
class ReaderTipText:
    text: str


@dataclass(frozen=True)
class FollowUpTo:
    nomination_id: int
    text: str = ""
    # What the message adds to the nomination's own text (a text message's words, an e-mail reply without the mail it
    # quotes), read into it while it is unreviewed; '' for a photo, voice message or video.
    part_text: str = ""


@dataclass(frozen=True)
class NothingToDo:
    reason: str


Interpretation = NominationDraft | ReaderTipText | FollowUpTo | NothingToDo


class NotReadyYet(Exception):
    """The message depends on another (`inbound_id`) that is not processed yet; processing waits for it."""

    def __init__(self, message: str, *, inbound_id: int):
        super().__init__(message)
        self.inbound_id = inbound_id


def nomination_window(campaign, at: dt.datetime) -> NominationWindow:
    """Where `at` (a message's receipt time) falls against the campaign's nomination stage.

    Decided on the stored receipt time, so receipt, reply and any re-run of processing agree.
    A campaign without a nomination stage has not opened nominations.
    """
    stages = [stage for stage in campaign.stages.all() if stage.kind == StageKind.NOMINATION]
    if any(stage.starts_at <= at < stage.ends_at for stage in stages):
        return NominationWindow.OPEN
    if any(stage.ends_at <= at for stage in stages):
        return NominationWindow.CLOSED
    return NominationWindow.NOT_YET_OPEN


def held_because(campaign, at: dt.datetime) -> NominationWindow | None:
    """Why a nomination received at `at` is kept as a reader tip instead, or None while nominations are open."""
    window = nomination_window(campaign, at)
    return None if window == NominationWindow.OPEN else window


__all__ = [
    "FollowUpTo", "Interpretation", "NominationDraft", "NotReadyYet", "NothingToDo", "ReaderTipText",
    "held_because", "nomination_window",
]
