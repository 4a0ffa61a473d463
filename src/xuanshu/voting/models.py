"""Voting: rules, the frozen candidate list, voters, the hash-chained ledger, decisions and tallies."""
from django.conf import settings
from django.db import models

from xuanshu.voting.chain import GENESIS_HASH
from xuanshu.voting.enums import WEAKER_METHODS, CountDisplay, DecisionAction, IdentityMethod, VoterState, VoteStatus


class VotingRules(models.Model):
    """The campaign file's `[voting]` table, written by `campaigns.services.load_campaign`."""

    campaign = models.OneToOneField("campaigns.Campaign", on_delete=models.CASCADE, related_name="voting_rules")
    identity_methods = models.JSONField(default=list)
    votes_per_day = models.PositiveSmallIntegerField()
    votes_per_candidate_per_day = models.PositiveSmallIntegerField()
    min_candidates_per_ballot = models.PositiveSmallIntegerField(default=0)
    count_display = models.CharField(max_length=10, choices=CountDisplay.choices)
    count_rounding = models.PositiveIntegerField(default=100)
    thresholds = models.JSONField(default=dict, blank=True, help_text="anti-brushing limits that differ from the defaults")
    sms_limits = models.JSONField(default=dict, blank=True,
                                  help_text="per-address limits on text-message codes and pictures that differ from the defaults")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "voting rules"

    def __str__(self) -> str:
        return f"voting rules of {self.campaign_id}"


class Ballot(models.Model):
    """The moment a campaign's vote opened and its candidate list froze; one per campaign."""

    campaign = models.OneToOneField("campaigns.Campaign", on_delete=models.PROTECT, related_name="ballot")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return f"ballot of {self.campaign_id}"


class Candidate(models.Model):
    """A shortlisted nomination frozen onto the ballot, with what the public page shows."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="candidates")
    number = models.PositiveSmallIntegerField(help_text="Ballot number shown to voters, 1, 2, 3 …")
    # Where the candidate came from. A later step links a Nominee instead; nothing else depends on this column.
    nomination = models.ForeignKey("nominations.Nomination", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="candidacies")
    display_name = models.CharField(max_length=100)
    category = models.ForeignKey("campaigns.Category", null=True, blank=True, on_delete=models.PROTECT)
    summary = models.TextField(blank=True)
    photo_ref = models.CharField(max_length=200, blank=True, help_text="attachment:<id> of the nomination's first photo")
    is_active = models.BooleanField(default=True, help_text="False once withdrawn: no new votes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="candidate_number_unique_per_campaign"),
            models.UniqueConstraint(fields=["campaign", "nomination"], name="candidate_nomination_unique_per_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.display_name}"


class Voter(models.Model):
    """A verified identity, known only by its keyed hash; the unit editors mark as fraud (弊)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="voters", db_index=False)
    voter_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=20, choices=IdentityMethod.choices)
    label = models.CharField(max_length=40, blank=True, help_text="Masked hint for editors: 138****1234, wx…a1b2")
    state = models.CharField(max_length=10, choices=VoterState.choices, default=VoterState.OK)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "voter_hash"], name="voter_hash_unique_per_campaign")]

    def __str__(self) -> str:
        return f"{self.method}:{self.voter_hash[:12]}"


class LedgerHead(models.Model):
    """The end of each hash chain; locking this row serialises writers of the campaign's ledger."""

    campaign = models.OneToOneField("campaigns.Campaign", on_delete=models.PROTECT, primary_key=True, related_name="+")
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_decision_seq = models.BigIntegerField(default=0)
    last_decision_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_stream_id = models.CharField(max_length=40, blank=True, help_text="Last Redis stream entry written to the ledger")


class LedgerEntry(models.Model):
    """One candidate-vote of one attempt, accepted, quarantined or rejected: append-only and hash-chained.

    `row_hash` covers every column except `status` (where later decisions leave the vote), `ip`, `subnet` and
    `user_agent`; those three are covered through their keyed hashes. `status` is replayed from the initial
    `decision` and the chained decisions by `votes verify`.
    """

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+", db_index=False)
    seq = models.BigIntegerField()
    # Which candidate-vote of which ballot this is. Flushing is made exactly-once by the head's last_stream_id,
    # written in the same transaction as the rows, so this column needs no index on the write path.
    attempt_key = models.CharField(max_length=48, help_text="ballot id and position of the candidate-vote")
    created_at = models.DateTimeField()
    voter_hash = models.CharField(max_length=64, blank=True)
    method = models.CharField(max_length=20, blank=True)
    candidate = models.ForeignKey(Candidate, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    ip = models.GenericIPAddressField(null=True, blank=True)
    subnet = models.CharField(max_length=50, blank=True)
    user_agent = models.CharField(max_length=500, blank=True, help_text="As hashed in ua_hash: up to 500 characters")
    ip_hash = models.CharField(max_length=64, blank=True)
    subnet_hash = models.CharField(max_length=64, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)
    ua_hash = models.CharField(max_length=64, blank=True)
    flags = models.CharField(max_length=200, blank=True, help_text="Rules tripped, comma-separated")
    decision = models.CharField(max_length=20, choices=VoteStatus.choices)
    reason = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=20, choices=VoteStatus.choices)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["campaign", "seq"]
        constraints = [models.UniqueConstraint(fields=["campaign", "seq"], name="ledger_seq_unique_per_campaign")]
        indexes = [
            # Only the few votes under review are indexed by status: the accepted majority skips this index.
            models.Index(fields=["campaign", "status", "candidate"], name="ledger_review",
                         condition=models.Q(status__in=["quarantined", "fraud"])),
            # Only votes through a weaker identity check (the device check): reports label how many were counted.
            models.Index(fields=["campaign", "status", "candidate"], name="ledger_weaker",
                         condition=models.Q(method__in=sorted(WEAKER_METHODS))),
            models.Index(fields=["campaign", "voter_hash"], name="ledger_voter"),
            models.Index(fields=["campaign", "subnet_hash", "status"], name="ledger_subnet"),
            models.Index(fields=["campaign", "device_hash", "status"], name="ledger_device"),
            # The fraud dashboard's clusters: the votes of one status cast within a window (the last day of
            # counted votes by default), without reading the rest of a large ledger.
            models.Index(fields=["campaign", "status", "created_at"], name="ledger_status_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.decision}"


class VoteDecision(models.Model):
    """An editor's (or the sweeper's) decision moving votes between statuses; chained like the ledger."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+", db_index=False)
    seq = models.BigIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=30, choices=DecisionAction.choices)
    reason = models.TextField()
    selection = models.JSONField(default=dict, help_text="What was selected: a cluster, a voter, vote numbers")
    changes = models.JSONField(default=list, help_text="[[ledger seq, old status, new status], …]")
    voter_changes = models.JSONField(default=list, help_text="[[voter hash, old state, new state], …]")
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals")
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["campaign", "-seq"]
        constraints = [models.UniqueConstraint(fields=["campaign", "seq"], name="decision_seq_unique_per_campaign")]

    def __str__(self) -> str:
        return f"decision #{self.seq} {self.action}"


class CandidateTally(models.Model):
    """Live counts per candidate and status; `votes verify` recounts them from the ledger."""

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, primary_key=True, related_name="tally")
    accepted = models.BigIntegerField(default=0)
    quarantined = models.BigIntegerField(default=0)
    fraud = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)


class VotingState(models.Model):
    """Counters, quotas, rate limits and dedupe keys of the database path (Redis holds them when configured)."""

    name = models.CharField(max_length=300, primary_key=True)
    value = models.TextField()
    expires_at = models.BigIntegerField(db_index=True, help_text="Unix time after which the key may be purged")


class OtpChallenge(models.Model):
    """One SMS code sent to a phone, kept as a keyed hash; the phone itself is not stored."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+", db_index=False)
    phone_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    sender = models.CharField(max_length=20)
    vendor_reference = models.CharField(max_length=100, blank=True, help_text="The SMS vendor's request or message id")

    class Meta:
        indexes = [models.Index(fields=["campaign", "phone_hash", "-created_at"], name="otp_phone")]
