from django.db import models
from django.utils.translation import gettext_lazy as _


class NominationState(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("In review")
    NEEDS_INFO = "needs_info", _("Needs information")
    VERIFIED = "verified", _("Verified")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = NominationState

# The allowed moves. Rejected and duplicate can be reopened (editors make mistakes);
# a withdrawal is the nominator's wish and is final.
TRANSITIONS: dict[str, set[str]] = {
    S.RECEIVED: {S.IN_REVIEW, S.REJECTED, S.DUPLICATE, S.WITHDRAWN},
    S.IN_REVIEW: {S.NEEDS_INFO, S.VERIFIED, S.REJECTED, S.DUPLICATE, S.WITHDRAWN},
    S.NEEDS_INFO: {S.IN_REVIEW, S.REJECTED, S.DUPLICATE, S.WITHDRAWN},
    S.VERIFIED: {S.SHORTLISTED, S.IN_REVIEW, S.REJECTED, S.DUPLICATE, S.WITHDRAWN},
    S.SHORTLISTED: {S.VERIFIED, S.WITHDRAWN},
    S.REJECTED: {S.IN_REVIEW},
    S.DUPLICATE: {S.IN_REVIEW},
    S.WITHDRAWN: set(),
}

# States in which no editor has acted on a nomination yet: only here may the pipeline still fill it in (the text of its
# follow-up messages, extraction.services.absorb_follow_ups). Every other state is reached by an editor's move, and
# from then on the fields are theirs.
UNREVIEWED_STATES = frozenset({S.RECEIVED})

# Moves that must say why, so the nominator and the organiser can be told.
REASON_REQUIRED = {S.NEEDS_INFO, S.REJECTED, S.DUPLICATE, S.WITHDRAWN}

# What a nominator sees on the public status page: internal steps collapse into plain words.
PUBLIC_STATE_LABELS = {
    S.RECEIVED: _("Received, waiting for review"),
    S.IN_REVIEW: _("Being reviewed by editors"),
    S.NEEDS_INFO: _("Editors need more information; they will contact you"),
    S.VERIFIED: _("Verified"),
    S.SHORTLISTED: _("Shortlisted"),
    S.REJECTED: _("Not accepted"),
    S.DUPLICATE: _("Merged with an earlier nomination of the same person"),
    S.WITHDRAWN: _("Withdrawn"),
}
