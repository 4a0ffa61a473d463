"""States and codes of the vote: identity methods, vote statuses, rejection reasons, rule codes, decisions."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityMethod(models.TextChoices):
    WECHAT_OAUTH = "wechat_oauth", _("WeChat authorisation")
    SMS = "sms", _("SMS code")
    DEVICE = "device", _("Device and captcha (weaker)")


# The device method proves only a browser and a solved captcha: every report labels it.
WEAKER_METHODS = {IdentityMethod.DEVICE}


class CountDisplay(models.TextChoices):
    SHOWN = "shown", _("Shown")
    HIDDEN = "hidden", _("Hidden")
    ROUNDED = "rounded", _("Shown rounded")


class VoteStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    QUARANTINED = "quarantined", _("Quarantined (疑)")
    FRAUD = "fraud", _("Fraud (弊)")
    REJECTED = "rejected", _("Rejected")


# Statuses an editor may move a vote between; a rejected attempt never counted and never will.
DECIDABLE = {VoteStatus.ACCEPTED, VoteStatus.QUARANTINED, VoteStatus.FRAUD}


class VoterState(models.TextChoices):
    OK = "ok", _("In good standing")
    FRAUD = "fraud", _("Fraud (弊): votes excluded, blocked")


class Reason(models.TextChoices):
    """Why an attempt was rejected outright (it never counts and uses no quota)."""

    OUTSIDE_WINDOW = "outside_window", _("Outside the voting window")
    IDENTITY_REQUIRED = "identity_required", _("Identity needed")
    EMPTY_BALLOT = "empty_ballot", _("No candidate chosen")
    UNKNOWN_CANDIDATE = "unknown_candidate", _("Unknown candidate")
    TOO_FEW_CANDIDATES = "too_few_candidates", _("Too few candidates on the ballot")
    DUPLICATE_CANDIDATE = "duplicate_candidate", _("The same candidate twice on one ballot")
    RATE_LIMITED = "rate_limited", _("Too many attempts")
    QUOTA_TOTAL = "quota_total", _("Daily votes used")
    QUOTA_CANDIDATE = "quota_candidate", _("Daily votes for this candidate used")
    VOTER_BLOCKED = "voter_blocked", _("Voter marked as fraud")
    DUPLICATE = "duplicate", _("Same ballot sent twice")


class Rule(models.TextChoices):
    """Anti-brushing rules: a vote that trips any of them is quarantined (疑) with the rule codes as reasons."""

    SPIKE = "spike", _("Votes per minute far above the candidate's baseline and its peers")
    HOURLY_GROWTH = "hourly_growth", _("Hourly votes grew past the cap")
    REGULAR_GAPS = "regular_gaps", _("Machine-regular gaps between votes")
    NIGHT_BURST = "night_burst", _("Burst between 2 and 5 a.m.")
    SHARED_DEVICE = "shared_device", _("Many voters on one device")
    SUBNET_CLUSTER = "subnet_cluster", _("Many voters with one user agent and subnet")
    CLUSTER_SWEEP = "cluster_sweep", _("Earlier vote of a cluster that later tripped a rule")


class DecisionAction(models.TextChoices):
    RELEASE = "release", _("Release (count the votes)")
    QUARANTINE = "quarantine", _("Quarantine (疑)")
    CONFIRM_FRAUD = "confirm_fraud", _("Confirm fraud (弊)")
    MARK_VOTER_FRAUD = "mark_voter_fraud", _("Mark voter as fraud (弊)")
    REVERSE = "reverse", _("Reverse a decision")
