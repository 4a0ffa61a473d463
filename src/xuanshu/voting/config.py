"""A per-process snapshot of what the vote path needs about a campaign, refreshed every few seconds.

The vote path must not query the database for the rules or the candidate list on every request: those change
rarely (the list is frozen when the ballot opens), so each process keeps them for `REFRESH_SECONDS`.
"""
import asyncio
import datetime as dt
import functools
import threading
import time
import zoneinfo
from dataclasses import dataclass, field

from django.db import connection

from xuanshu.campaigns.models import Campaign, Stage
from xuanshu.voting.address_limits import AddressLimits, address_limits
from xuanshu.voting.engine import Thresholds, thresholds
from xuanshu.voting.models import Candidate, VotingRules

REFRESH_SECONDS = 5.0
VOTING_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")  # the window and the quota day are Beijing time


@dataclass(frozen=True)
class VoteConfig:
    campaign_id: int
    slug: str
    tz: zoneinfo.ZoneInfo
    starts_at: float | None  # Unix time of schedule.voting
    ends_at: float | None
    identity_methods: tuple[str, ...]
    votes_per_day: int
    votes_per_candidate_per_day: int
    min_candidates: int
    count_display: str
    count_rounding: int
    candidate_ids: frozenset[int]
    thresholds: Thresholds
    # The campaign file's `[voting.sms_limits]` as sorted (key, value) pairs; `sms_limits` adds the operator's word.
    sms_limits_file: tuple[tuple[str, int], ...]
    # id -> display name of the active candidates: a refusal names the candidates the voter has voted for today.
    candidate_names: dict[int, str] = field(default_factory=dict, compare=False)

    @functools.cached_property
    def sms_limits(self) -> AddressLimits:
        """Per address and subnet: text-message codes, pictures and device-check answers. Resolved on first use,
        not with the snapshot: a mistyped VOTING_SMS_LIMITS then fails the identity pages, never the vote."""
        return address_limits(dict(self.sms_limits_file))

    def window_open(self, t: float) -> bool:
        return self.starts_at is not None and self.starts_at <= t < self.ends_at

    def local_day_and_hour(self, t: float) -> tuple[int, int]:
        """The local day number and hour in the campaign's time zone: quotas reset at local midnight."""
        # Every UTC offset is a whole number of quarter hours, so day and hour hold for each quarter.
        quarter = int(t // 900)
        known = _day_and_hour.get((self.tz, quarter))
        if known is None:
            local = dt.datetime.fromtimestamp(quarter * 900, self.tz)
            offset = local.utcoffset().total_seconds()
            known = _day_and_hour[(self.tz, quarter)] = (int((quarter * 900 + offset) // 86400), local.hour)
            if len(_day_and_hour) > 1000:
                _day_and_hour.clear()
        return known


_day_and_hour: dict[tuple, tuple[int, int]] = {}


_cache: dict[str, tuple[float, VoteConfig | None]] = {}
_lock = threading.Lock()


def vote_config(slug: str, *, fresh: bool = False) -> VoteConfig | None:
    """The campaign's voting snapshot, or None when it has no vote (no `[voting]` table or no open ballot)."""
    now = time.monotonic()
    cached = _cache.get(slug)
    if cached and not fresh and now - cached[0] < REFRESH_SECONDS:
        return cached[1]
    config = _load(slug)
    with _lock:
        _cache[slug] = (now, config)
    return config


def forget(slug: str | None = None) -> None:
    """Drop cached snapshots (after loading the campaign file or opening a ballot, in tests after moving the
    window); other processes pick the change up within `REFRESH_SECONDS`."""
    with _lock:
        if slug is None:
            _cache.clear()
        else:
            _cache.pop(slug, None)


def _load(slug: str) -> VoteConfig | None:
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        return None
    rules = VotingRules.objects.filter(campaign=campaign).first()
    if rules is None or not hasattr(campaign, "ballot"):
        return None
    stage = Stage.objects.filter(campaign=campaign, kind="voting").first()
    names = dict(Candidate.objects.filter(campaign=campaign, is_active=True).values_list("id", "display_name"))
    return VoteConfig(
        campaign_id=campaign.pk,
        slug=slug,
        tz=VOTING_TZ,
        starts_at=stage.starts_at.timestamp() if stage else None,
        ends_at=stage.ends_at.timestamp() if stage else None,
        identity_methods=tuple(rules.identity_methods),
        votes_per_day=rules.votes_per_day,
        votes_per_candidate_per_day=rules.votes_per_candidate_per_day,
        min_candidates=rules.min_candidates_per_ballot,
        count_display=rules.count_display,
        count_rounding=rules.count_rounding,
        candidate_ids=frozenset(names),
        thresholds=thresholds(rules.thresholds),
        sms_limits_file=tuple(sorted(rules.sms_limits.items())),
        candidate_names=names,
    )


async def vote_config_async(slug: str) -> VoteConfig | None:
    """`vote_config` on an event loop: the snapshot from memory, or loaded in a thread when it is stale
    (the database must not be queried on the loop)."""
    cached = _cache.get(slug)
    if cached and time.monotonic() - cached[0] < REFRESH_SECONDS:
        return cached[1]
    return await asyncio.get_running_loop().run_in_executor(None, _load_in_thread, slug)


def _load_in_thread(slug: str) -> VoteConfig | None:
    try:
        return vote_config(slug)
    finally:
        connection.close()  # a pool thread that refreshes once every few seconds keeps no connection open
