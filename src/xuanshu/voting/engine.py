"""The vote's decision procedure: dedupe, rate limits, quotas and the anti-brushing rules, in constant time.

The same procedure runs in two places and must agree: here, in Python, over the database's key-value table
(`store_db`), and as one atomic Lua script in Redis (`cast.lua`, `store_redis`). Every key it touches is named
by the voter, the candidate, the network or a time window, so a vote's cost does not grow with the number
of candidates or of votes. The replay tests run both against the same traces.
"""
import functools
import json
import math
import os
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings

from xuanshu.voting.enums import IdentityMethod, Reason, Rule, VoteStatus

DAY = 86400
KEY_TTL = 3 * DAY  # windowed keys outlive their window by enough for the day's quotas and the hour's clusters


@dataclass(frozen=True)
class Thresholds:
    """Anti-brushing limits. Rate limits tolerate the shared NATs of offices, schools and mobile carriers:
    hundreds of honest voters can stand behind one address, so an address or /24 is limited only far above
    what a crowd produces, and clusters are judged by shared user agent and candidate, not by address alone."""

    per_ip_per_minute: int = 120
    per_subnet_per_minute: int = 600
    per_device_per_minute: int = 20
    per_identity_per_minute: int = 20
    spike_min_votes: int = 8
    spike_z_own: float = 6.0
    spike_relative: float = 3.0  # times the rest of the field's own growth
    ewma_alpha: float = 0.1
    growth_factor: float = 4.0
    growth_floor: int = 60
    night_start_hour: int = 2
    night_end_hour: int = 5
    night_max_per_hour: int = 20
    gap_count: int = 8
    gap_cv_max: float = 0.1
    gap_mean_max_seconds: int = 900
    device_max_voters: int = 5
    cluster_max_voters: int = 15
    spike_warmup_minutes: int = 30  # a candidate's own baseline means something only after this much history
    night_growth_factor: float = 3.0

    def as_args(self) -> list:
        return [getattr(self, name) for name in self.__dataclass_fields__]

    @functools.cached_property
    def as_json(self) -> str:
        """The thresholds as the Redis script takes them, encoded once per snapshot rather than per vote."""
        return json.dumps(self.as_args(), separators=(",", ":"))


def thresholds(campaign: dict | None = None) -> Thresholds:
    """The defaults, overridden by the campaign file's `[voting.thresholds]`, then by settings.VOTING_THRESHOLDS
    and last by the VOTING_THRESHOLDS environment variable (JSON): the operator's word, e.g. for a load test
    whose every request comes from one loopback address."""
    configured = getattr(settings, "VOTING_THRESHOLDS", None)
    return _thresholds(tuple(sorted((campaign or {}).items())), tuple(sorted(configured.items())) if configured else (),
                       os.environ.get("VOTING_THRESHOLDS", ""))


@functools.lru_cache(maxsize=32)
def _thresholds(from_campaign: tuple, from_settings: tuple, from_env: str) -> Thresholds:
    return Thresholds(**{**dict(from_campaign), **dict(from_settings), **(json.loads(from_env) if from_env else {})})


@dataclass
class Attempt:
    """One ballot as the vote path saw it, before any decision."""

    campaign_id: int
    ballot_id: str
    t: float  # Unix time
    day: int  # local day number (Asia/Shanghai by default): quotas reset at local midnight
    local_hour: int
    voter_hash: str
    method: str
    candidates: list[int]
    votes_per_day: int
    votes_per_candidate_per_day: int
    ip: str
    subnet: str
    ip_hash: str
    subnet_hash: str
    device_hash: str
    ua_hash: str
    user_agent: str = ""
    dedupe_key: str = ""  # the ballot's nonce, unique per voter and local day (a client retries within seconds)
    pre_reason: str = ""  # set when the request was already refused (window, identity, candidate list)
    thresholds: Thresholds | None = None  # the campaign's, from its vote snapshot; None: the defaults and settings


@dataclass
class Outcome:
    """What happened to each candidate-vote of the ballot, and what the voter has left today."""

    decisions: list[tuple[int | None, str, str, list[str]]] = field(default_factory=list)  # (candidate, decision, reason, flags)
    remaining_today: int | None = None
    duplicate: bool = False
    # On a quota_candidate refusal, every chosen candidate whose votes from this voter today are used up, in
    # the ballot's order: the voter is told which to untick. Empty on every other outcome.
    spent: tuple[int, ...] = ()

    @property
    def reason(self) -> str:
        return next((reason for _c, _d, reason, _f in self.decisions if reason), "")

    @property
    def statuses(self) -> set[str]:
        return {decision for _c, decision, _r, _f in self.decisions}


class StateOps(Protocol):
    def incr(self, key: str, by: int = 1) -> int: ...
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: "str | VelocityState") -> None: ...  # stores str(value)
    def add_member(self, key: str, member: str) -> int: ...  # distinct members after adding
    def member_count(self, key: str) -> int: ...


def _num(value: float) -> float:
    """Round as Redis's Lua stores a number (%.14g), so both backends carry the same state."""
    return float(f"{value:.14g}")


def rejected(attempt: Attempt, reason: str, remaining: int | None = None) -> Outcome:
    candidates = attempt.candidates or [None]
    return Outcome([(c, VoteStatus.REJECTED, reason, []) for c in candidates], remaining_today=remaining)


class _Keys:
    """The names of the state one ballot touches: one definition for `decide` and for `reads`.

    A voter's state for the day is named under one prefix, `v<campaign>:q:<voter>:<day>` (votes, votes per
    candidate, ballot nonces, attempts per minute), and so is a device's (`v<campaign>:dv:<device>:<day>`).
    On the database path the names are the table's index: one voter's rows then share a page or two of it,
    where names led by the kind of state scattered a ballot's new rows over a page each, and each dirty page
    is written to the WAL at the commit (see bench/vote_writer.py).
    """

    def __init__(self, a: Attempt):
        self.a, self.p = a, f"v{a.campaign_id}:"
        self.minute, self.hour = int(a.t // 60), int(a.t // 3600)
        self.quota = f"{self.p}q:{a.voter_hash}:{a.day}"
        self.dedupe = f"{self.quota}:n:{a.dedupe_key}" if a.dedupe_key else ""
        device_day = f"{self.p}dv:{a.device_hash}:{a.day}"
        # (scope, key): per address, /24 or /64, device and voter, each per minute
        self.rate_limits = [(scope, f"{self.p}rl:{scope}:{value}:{self.minute}") for scope, value in (
            ("ip", a.ip_hash), ("sn", a.subnet_hash)) if value]
        if a.device_hash:
            self.rate_limits.append(("dev", f"{device_day}:m{self.minute}"))
        if a.voter_hash:
            self.rate_limits.append(("id", f"{self.quota}:m{self.minute}"))
        self.blocked = f"{self.p}blocked:{a.voter_hash}"
        # the voters seen on this device today (not for voters known only by their device)
        self.device = device_day if a.device_hash and a.method != IdentityMethod.DEVICE else ""
        self.field = f"{self.p}tot"

    @property
    def legacy_dedupe(self) -> str:
        """The nonce's name before this layout, still consulted while such rows live (store_db.legacy_dedupe)."""
        return f"{self.p}dd:{self.a.day}:{self.a.dedupe_key}"

    def quota_for(self, c: int) -> str:
        return f"{self.quota}:{c}"

    def gaps(self, c: int) -> str:
        return f"{self.p}gap:{c}:{self.a.subnet_hash}:{self.a.ua_hash}"

    def cluster(self, c: int, hour: int) -> str:
        return f"{self.p}cl:{c}:{self.a.subnet_hash}:{self.a.ua_hash}:{hour}"

    def velocity(self, c: int) -> str:
        return f"{self.p}vel:{c}"


def decide(ops: StateOps, a: Attempt, th: Thresholds, *, legacy_dedupe: bool = False) -> Outcome:
    """Run the whole procedure for one ballot against `ops`; the caller provides atomicity. With
    `legacy_dedupe`, a nonce recorded under its name before the present layout counts as seen too."""
    k = _Keys(a)
    if k.dedupe and (ops.get(k.dedupe) is not None or (legacy_dedupe and ops.get(k.legacy_dedupe) is not None)):
        return Outcome([(c, VoteStatus.REJECTED, Reason.DUPLICATE, []) for c in a.candidates or [None]], duplicate=True)
    limits = {"ip": th.per_ip_per_minute, "sn": th.per_subnet_per_minute, "dev": th.per_device_per_minute,
              "id": th.per_identity_per_minute}
    limited = False
    for scope, key in k.rate_limits:  # every scope is counted, even once another is over its limit
        if ops.incr(key) > limits[scope]:
            limited = True
    if limited:
        return rejected(a, Reason.RATE_LIMITED)
    if a.pre_reason:
        return rejected(a, a.pre_reason)
    if ops.get(k.blocked) is not None:
        return rejected(a, Reason.VOTER_BLOCKED)

    used = int(ops.get(k.quota) or 0)
    if used + len(a.candidates) > a.votes_per_day:
        return rejected(a, Reason.QUOTA_TOTAL, max(a.votes_per_day - used, 0))
    for c in a.candidates:
        if int(ops.get(k.quota_for(c)) or 0) + 1 > a.votes_per_candidate_per_day:
            return _refused_as_spent(ops, a, k, a.votes_per_day - used)
    used = ops.incr(k.quota, len(a.candidates))
    for c in a.candidates:
        ops.incr(k.quota_for(c))

    ballot_flags = []
    if k.device and ops.add_member(k.device, a.voter_hash) > th.device_max_voters:
        ballot_flags.append(Rule.SHARED_DEVICE)

    outcome = Outcome(remaining_today=a.votes_per_day - used)
    for c in a.candidates:
        flags = list(ballot_flags) + _cluster_flags(ops, a, th, k, c)
        # A vote already explained by a cluster is kept out of the candidate's velocity counts, so a farm's
        # votes do not make the honest votes for the same candidate look like a surge.
        if not flags:
            flags, state, field_state = _velocity_flags(ops, a, th, k, c)
            if not flags:
                for counts in (state, field_state):
                    counts[3] += 1  # accepted this minute
                    counts[7] += 1  # accepted this hour
            ops.set(k.velocity(c), VelocityState(state))
            ops.set(k.field, VelocityState(field_state))
        decision = VoteStatus.QUARANTINED if flags else VoteStatus.ACCEPTED
        outcome.decisions.append((c, decision, "", flags))
    if k.dedupe:
        ops.set(k.dedupe, "1")
    return outcome


def _refused_as_spent(ops: StateOps, a: Attempt, k: _Keys, remaining: int) -> Outcome:
    """The quota_candidate refusal, naming every chosen candidate that is spent, not only the first found: only
    a refused ballot reads the rest of its candidates' counts again (on the database path they are prefetched)."""
    outcome = rejected(a, Reason.QUOTA_CANDIDATE, remaining)
    outcome.spent = tuple(c for c in a.candidates
                          if int(ops.get(k.quota_for(c)) or 0) + 1 > a.votes_per_candidate_per_day)
    return outcome


def reads(a: Attempt, *, legacy_dedupe: bool = False) -> tuple[list[str], list[tuple[str, str | None]]]:
    """The state `decide` reads for an attempt that gets past its early refusals: plain keys, and member sets
    as (set, member) pairs, or (set, None) for a count alone. The database path reads a whole batch's state
    in one query with this; a key left out here is still read when `decide` asks for it, one query each."""
    k = _Keys(a)
    keys = [k.dedupe] if k.dedupe else []
    if k.dedupe and legacy_dedupe:
        keys.append(k.legacy_dedupe)
    keys += [key for _scope, key in k.rate_limits]
    if a.pre_reason:
        return keys, []
    keys += [k.blocked, k.quota, *(k.quota_for(c) for c in a.candidates), k.field]
    members: list[tuple[str, str | None]] = [(k.device, a.voter_hash)] if k.device else []
    for c in a.candidates:
        keys += [k.gaps(c), k.velocity(c)]
        members += [(k.cluster(c, k.hour), a.voter_hash), (k.cluster(c, k.hour - 1), None)]
    return keys, members


def _cluster_flags(ops: StateOps, a: Attempt, th: Thresholds, k: _Keys, c: int) -> list[str]:
    flags = []
    # Machine-regular gaps between votes for one candidate from one user agent in one subnet.
    gap_key = k.gaps(c)
    stamps = [int(x) for x in (ops.get(gap_key) or "").split(",") if x]
    stamps = ([int(a.t * 1000)] + stamps)[: th.gap_count + 1]
    ops.set(gap_key, ",".join(str(x) for x in stamps))
    if len(stamps) == th.gap_count + 1:
        gaps = [stamps[i] - stamps[i + 1] for i in range(th.gap_count)]
        mean_gap = sum(gaps) / len(gaps)
        if 0 < mean_gap <= th.gap_mean_max_seconds * 1000:
            sd_gap = math.sqrt(sum((g - mean_gap) ** 2 for g in gaps) / len(gaps))
            if sd_gap / mean_gap < th.gap_cv_max:
                flags.append(Rule.REGULAR_GAPS)
    # Many voters behind one user agent and subnet for one candidate within the hour, or a cluster that was
    # already that big last hour: a farm rotating SIM cards.
    if (ops.add_member(k.cluster(c, k.hour), a.voter_hash) > th.cluster_max_voters
            or ops.member_count(k.cluster(c, k.hour - 1)) > th.cluster_max_voters):
        flags.append(Rule.SUBNET_CLUSTER)
    return flags


def _velocity_flags(ops: StateOps, a: Attempt, th: Thresholds, k: _Keys,
                    c: int) -> tuple[list[str], list[float], list[float]]:
    """Candidate-level rules, and the candidate's velocity state to store once the vote is decided."""
    minute, hour = k.minute, k.hour
    flags = []
    # The votes of the last minute (this minute plus the previous one's overlapping share) against the
    # candidate's own baseline (a moving average of accepted votes per minute, so a surge does not teach the
    # baseline to expect it), and its growth against the rest of the field's. Both must be far out: a rush on
    # every candidate (the vote opens, a newspaper story) is not brushing, nor is one candidate's popularity.
    m, cnt, pc, acc, mu, var, h, hc, phc, sp, age = _roll(ops.get(k.velocity(c)), minute, hour, th.ewma_alpha)
    # The whole field (every candidate's unexplained votes), kept the same way, to tell one candidate's surge
    # from a rush on all of them.
    gm, gcnt, gpc, gacc, gmu, gvar, gh, ghc, gphc, gsp, gage = _roll(ops.get(k.field), minute, hour, th.ewma_alpha)
    cnt += 1
    gcnt += 1
    t_sec = int(a.t * 1000) / 1000  # as the Lua script sees it (milliseconds)
    share = 1 - (t_sec % 60) / 60
    recent, field_recent = cnt + pc * share, gcnt + gpc * share
    if recent >= th.spike_min_votes and age >= th.spike_warmup_minutes:
        z_own = (recent - mu) / max(math.sqrt(var), math.sqrt(mu), 1.0)
        # How many times its usual rate the candidate runs, against how many times theirs the others run.
        own_ratio = recent / max(mu, 1.0)
        others_ratio = (field_recent - recent) / max(gmu - mu, 1.0)
        standing_out = own_ratio >= th.spike_relative * max(others_ratio, 1.0) or sp >= minute - 1
        if z_own >= th.spike_z_own and standing_out:
            flags.append(Rule.SPIKE)
            sp = minute
    # Accepted votes this hour, counting this one, against the last hour's: growth past the cap, and a share of
    # all votes that grew as much (when every candidate grows, as the vote opens or a story runs, none is flagged).
    if hc + 1 > th.growth_factor * max(phc, th.growth_floor):
        if ghc and gphc and (hc + 1) / (ghc + 1) > th.growth_factor * phc / gphc:
            flags.append(Rule.HOURLY_GROWTH)
    if th.night_start_hour <= a.local_hour < th.night_end_hour and hc + 1 > max(th.night_max_per_hour, th.night_growth_factor * phc):
        flags.append(Rule.NIGHT_BURST)
    return flags, [m, cnt, pc, acc, mu, var, h, hc, phc, sp, age], [gm, gcnt, gpc, gacc, gmu, gvar, gh, ghc, gphc, gsp, gage]


class VelocityState(list):
    """A velocity state's eleven numbers, stored as their text (`str()`). A batch on the database path sets a
    hot candidate's state once per ballot and writes it once: kept as numbers until then, it is formatted
    and parsed once per batch instead of once per ballot."""

    def __str__(self) -> str:
        return ",".join(_fmt(x) for x in self)


def _roll(raw: "str | VelocityState | None", minute: int, hour: int, alpha: float) -> list[float]:
    """A velocity state moved on to this minute and hour: the baseline takes in the minutes that passed."""
    if isinstance(raw, VelocityState):
        values = list(raw)
    else:
        values = [float(x) for x in raw.split(",")] if raw else [minute, 0, 0, 0, 0, 0, hour, 0, 0, -2, 0]
    m, cnt, pc, acc, mu, var, h, hc, phc, sp, age = values
    if m != minute:
        mu, var = _fold(mu, var, acc, alpha)
        gap = min(int(minute - m - 1), 60)
        for _ in range(gap):
            mu, var = _fold(mu, var, 0, alpha)
        age = min(age + 1 + max(gap, 0), 1_000_000)
        pc = cnt if minute == m + 1 else 0
        m, cnt, acc = minute, 0, 0
    if h != hour:
        phc = hc if hour == h + 1 else 0
        h, hc = hour, 0
    return [m, cnt, pc, acc, mu, var, h, hc, phc, sp, age]


def _fold(mu: float, var: float, x: float, alpha: float) -> tuple[float, float]:
    diff = x - mu
    return _num(mu + alpha * diff), _num((1 - alpha) * (var + alpha * diff * diff))


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(_num(x))


class DictOps:
    """In-memory state for unit tests of the procedure."""

    def __init__(self):
        self.data: dict[str, str] = {}
        self.members: dict[str, set[str]] = {}

    def incr(self, key: str, by: int = 1) -> int:
        value = int(self.data.get(key, 0)) + by
        self.data[key] = str(value)
        return value

    def get(self, key: str) -> str | None:
        return self.data.get(key)

    def set(self, key: str, value: "str | VelocityState") -> None:
        self.data[key] = str(value)

    def add_member(self, key: str, member: str) -> int:
        self.members.setdefault(key, set()).add(member)
        return len(self.members[key])

    def member_count(self, key: str) -> int:
        return len(self.members.get(key, ()))
