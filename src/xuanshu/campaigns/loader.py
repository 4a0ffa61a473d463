"""Read and validate a campaign TOML file into a plain `CampaignSpec`.

Every refusal names the offending key and the line it stands on, so an editor can fix the file
without reading code. Writing the spec to the database is `services.load_campaign`'s job.
"""
import datetime as dt
import difflib
import functools
import json
import re
import tomllib
import zoneinfo
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xuanshu.campaigns.enums import AreaKind, NomineeKind, StageKind


class CampaignFileError(Exception):
    """A refused campaign file: the key, its line and the problem, worded in the active language (zh-hans on the
    CLI unless LANGUAGE_CODE says otherwise), because the organiser who edits the file reads it."""

    def __init__(self, key: str, line: int | None, problem: str, path: str = ""):
        self.key, self.line, self.problem, self.path = key, line, problem, path
        where = f"{path}:{line}" if line else (path or _("campaign file"))
        if key:
            message = _("%(where)s: key '%(key)s': %(problem)s") % {"where": where, "key": key, "problem": problem}
        else:
            message = _("%(where)s: %(problem)s") % {"where": where, "problem": problem}
        super().__init__(message)
        self.errors = [self]

    @classmethod
    def of_all(cls, errors: list["CampaignFileError"]) -> "CampaignFileError":
        """Every problem found, in file order: the first one's key, line and problem, and all of them in the text."""
        errors = sorted(errors, key=lambda error: (error.line is None, error.line or 0))  # no line: a missing key
        first = errors[0]
        combined = cls(first.key, first.line, first.problem, first.path)
        combined.errors = errors
        combined.args = ("\n".join(str(error) for error in errors),)
        return combined


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    description: str


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class VotingSpec:
    """The `[voting]` table: who may vote and how much; the window is `schedule.voting`."""

    identity_methods: list[str]
    votes_per_day: int
    votes_per_candidate_per_day: int
    min_candidates_per_ballot: int
    count_display: str
    count_rounding: int
    thresholds: dict = field(default_factory=dict)  # `[voting.thresholds]`: anti-brushing limits that differ from the defaults
    # `[voting.sms_limits]`: per-address limits on text-message codes and pictures that differ from the defaults
    sms_limits: dict = field(default_factory=dict)


VOTING_IDENTITY_METHODS = ["wechat_oauth", "sms", "device"]
VOTING_COUNT_DISPLAYS = ["shown", "hidden", "rounded"]


@dataclass(frozen=True)
class StageSpec:
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass
class CampaignSpec:
    slug: str
    name: str
    year: int
    edition: str
    organiser: str
    undertaker: str
    reference_prefix: str
    timezone: str
    eligibility: str
    privacy_notice: str
    keyword: str
    keyword_variants: list[str]
    nominee_kinds: list[str]
    deeds_min_length: int
    max_photos: int
    max_photo_bytes: int
    wechat_account: str
    mailbox: str
    hotline: str
    public_site: str = ""  # the citizen site's origin (https://host), for status links sent without a request
    categories: list[CategorySpec] = field(default_factory=list)
    areas: list[AreaSpec] = field(default_factory=list)
    stages: list[StageSpec] = field(default_factory=list)
    voting: VotingSpec | None = None


# ---------------------------------------------------------------------------------------------
# Where each key stands in the file
# ---------------------------------------------------------------------------------------------
_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\- ]+?)\s*\]\s*(#.*)?$")
_ARRAY_TABLE = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\- ]+?)\s*\]\]\s*(#.*)?$")
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")
_INLINE_KEY = re.compile(r"[{,]\s*([A-Za-z0-9_\-]+)\s*=")


def locate_keys(text: str) -> dict[str, int]:
    """Map each dotted key path (`categories[1].name`, `schedule.voting.starts`) to its line number."""
    lines: dict[str, int] = {}
    for path, number in _key_lines(text):
        lines.setdefault(path, number)
    return lines


def _key_lines(text: str):
    """Each key path (tables too) with the line it is written on, in file order, repeats included; tolerant of
    files TOML refuses, so a syntax error can name the key on its line."""
    table: list[str] = []
    array_counts: dict[str, int] = {}
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        if match := _ARRAY_TABLE.match(line):
            name = match.group(1).strip()
            index = array_counts.get(name, 0)
            array_counts[name] = index + 1
            table = [f"{name}[{index}]"]
            yield name, number
            yield table[0], number
            continue
        if match := _TABLE.match(line):
            table = [part.strip() for part in match.group(1).split(".")]
            yield ".".join(table), number
            continue
        if match := _ASSIGNMENT.match(line):
            key_parts = [part.strip().strip("\"'") for part in match.group(1).split(".")]
            path = ".".join(table + key_parts)
            yield path, number
            for inline in _INLINE_KEY.findall(line):
                yield f"{path}.{inline}", number
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_multiline = quote


def _line_of(lines: dict[str, int], key: str) -> int | None:
    """The line of `key`, or of its nearest enclosing key when it has none of its own."""
    probe = key
    while probe:
        if probe in lines:
            return lines[probe]
        probe = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", probe) if ("." in probe or "[" in probe) else ""
    return None


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
def _shown(value: Any) -> str:
    """A value as the organiser wrote it in TOML (`true`, `"600"`), not as Python prints it (`True`, `'600'`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_shown(item)}" for key, item in value.items()) + " }"
    return str(value)


def _closest(word: str, candidates) -> str | None:
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


# Human descriptions of the text patterns, so a refusal says what to write instead of printing a regex.
_SLUG = r"[a-z0-9][a-z0-9\-]{1,78}"
_CODE = r"[a-z][a-z0-9_\-]{0,49}"
_PATTERN_HINTS = {
    _SLUG: _lazy("2 to 79 lower-case letters, digits or '-', such as chucai-liaocheng-2024"),
    _CODE: _lazy("a lower-case letter, then lower-case letters, digits, '_' or '-' (at most 50), such as good-conduct"),
    r"[A-Z][A-Z0-9]{1,19}": _lazy("an upper-case letter, then 1 to 19 upper-case letters or digits, such as CCLC2024"),
    r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}": _lazy("an e-mail address, such as qlwblc@163.com"),
    r"[0-9\-+ ]{5,30}": _lazy("5 to 30 digits, '-', '+' or spaces, such as 0635-8451234"),
}


class _Skip(Exception):
    """One value was refused (and recorded); the reader goes on with the next, so one run reports every mistake."""


def _lenient(default):
    """A reading that, once it has recorded its problem, gives `default` so the rest of the file is still read."""
    def wrap(method):
        @functools.wraps(method)
        def read(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except _Skip:
                return default() if callable(default) else default
        return read
    return wrap


class _Reader:
    def __init__(self, data: dict, text: str, path: str):
        self.lines = locate_keys(text)
        self.path = path
        self.data = data
        self.errors: list[CampaignFileError] = []

    def fail(self, key: str, problem: str):
        """Record the problem with `key`, unless it follows from one already recorded (a key inside a refused
        table), and skip the rest of this value."""
        if not any(key == done.key or key.startswith((f"{done.key}.", f"{done.key}[")) for done in self.errors):
            self.errors.append(CampaignFileError(key, _line_of(self.lines, key), problem, self.path))
        raise _Skip

    def each(self, items, read) -> None:
        """`read(item)` for every item; a refused one does not stop the others."""
        for item in items:
            try:
                read(item)
            except _Skip:
                pass

    @_lenient(dict)
    def table(self, parent: dict, key: str, allowed: set[str], prefix: str = "") -> dict:
        full = f"{prefix}{key}"
        value = parent.get(key)
        if value is None:
            self.fail(full, _("is required: add a [%(table)s] table") % {"table": full})
        if not isinstance(value, dict):
            self.fail(full, _("must be a table ([%(table)s]), not %(value)s") % {"table": full, "value": _shown(value)})
        self.only(value, allowed, f"{full}.")
        return value

    def only(self, table: dict, allowed, prefix: str) -> None:
        self.each([key for key in table if key not in allowed],
                  lambda key: self.unknown(f"{prefix}{key}", key, sorted(allowed)))

    def unknown(self, full: str, key: str, allowed: list[str]) -> None:
        keys = ", ".join(allowed)
        if suggestion := _closest(key, allowed):
            self.fail(full, _("unknown key; did you mean '%(suggestion)s'? Allowed: %(keys)s") % {
                "suggestion": suggestion, "keys": keys})
        self.fail(full, _("unknown key; allowed: %(keys)s") % {"keys": keys})

    def required(self, full: str) -> None:
        self.fail(full, _("is required but missing"))

    @_lenient("")
    def text(self, table: dict, key: str, prefix: str = "", *, required=True, max_length=10_000, pattern=None) -> str:
        full = f"{prefix}{key}"
        value = table.get(key)
        if value is None:
            if required:
                self.required(full)
            return ""
        if not isinstance(value, str):
            self.fail(full, _('must be text in double quotes ("…"), not %(value)s') % {"value": _shown(value)})
        value = value.strip()
        if required and not value:
            self.fail(full, _("must not be empty"))
        if len(value) > max_length:
            self.fail(full, _("must be at most %(max)s characters long, not %(length)s") % {
                "max": max_length, "length": len(value)})
        if pattern and value and not re.fullmatch(pattern, value):
            hint = _PATTERN_HINTS.get(pattern, pattern)
            self.fail(full, _("%(value)s is not valid: write %(hint)s") % {"value": _shown(value), "hint": str(hint)})
        return value

    @_lenient(None)
    def integer(self, table: dict, key: str, prefix: str = "", *, minimum: int, maximum: int, default=None) -> int:
        full = f"{prefix}{key}"
        value = table.get(key, default)
        if value is None:
            self.required(full)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(full, _("must be a whole number, not %(value)s") % {"value": _shown(value)})
        if not minimum <= value <= maximum:
            self.fail(full, _("must be between %(minimum)s and %(maximum)s, not %(value)s") % {
                "minimum": minimum, "maximum": maximum, "value": value})
        return value

    def choice(self, full: str, value: str, choices) -> None:
        if value in choices:
            return
        names = ", ".join(choices)
        if suggestion := _closest(value, choices):
            self.fail(full, _("%(value)s is not one of: %(choices)s; did you mean %(suggestion)s?") % {
                "value": _shown(value), "choices": names, "suggestion": _shown(suggestion)})
        self.fail(full, _("%(value)s is not one of: %(choices)s") % {"value": _shown(value), "choices": names})

    @_lenient(list)
    def strings(self, table: dict, key: str, prefix: str = "", *, choices=None, required=True) -> list[str]:
        full = f"{prefix}{key}"
        value = table.get(key)
        if value is None and not required:
            return []
        if value is None:
            self.required(full)
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            self.fail(full, _('must be a list of non-empty texts, such as ["a", "b"], not %(value)s') % {
                "value": _shown(value)})
        if required and not value:
            self.fail(full, _("must not be empty"))
        for item in value:
            if choices:
                self.choice(full, item, choices)
        for index, item in enumerate(value):
            if value.index(item) != index:
                self.fail(full, _("lists %(value)s twice") % {"value": _shown(item)})
        return [item.strip() for item in value]

    @_lenient(None)
    def moment(self, table: dict, key: str, prefix: str, tz: zoneinfo.ZoneInfo) -> dt.datetime:
        full = f"{prefix}{key}"
        value = table.get(key)
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=tz)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time.min, tzinfo=tz)
        if value is None:
            self.fail(full, _("is required: a date (2024-12-01) or local date-time (2024-12-01T08:00:00)"))
        if isinstance(value, dt.time):
            self.fail(full, _("%(value)s is a time without a date; write 2024-12-01T%(value)s") % {
                "value": _shown(value)})
        if isinstance(value, str) and _parses_as_moment(value):
            self.fail(full, _("write the date without quotes: %(bare)s, not %(value)s") % {
                "bare": value.strip(), "value": _shown(value)})
        self.fail(full, _("must be a date (2024-12-01) or local date-time (2024-12-01T08:00:00), not %(value)s") % {
            "value": _shown(value)})


def _parses_as_moment(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def _local(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S")


_TOP_KEYS = {
    "slug", "name", "year", "edition", "organiser", "undertaker", "reference_prefix", "timezone",
    "eligibility", "privacy_notice", "nomination", "contacts", "categories", "areas", "schedule",
    "voting",
}


def parse_campaign(text: str, path: str = "") -> CampaignSpec:
    """Parse and validate campaign TOML text; raises CampaignFileError naming key and line of every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(text, str(error), path) from None
    r = _Reader(data, text, path)
    r.only(data, _TOP_KEYS, "")

    tz_name = r.text(data, "timezone", required=False) or "Asia/Shanghai"
    try:
        tz = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        tz = zoneinfo.ZoneInfo("Asia/Shanghai")  # to go on reading the schedule; the file is refused anyway
        r.each([tz_name], lambda name: r.fail("timezone", _(
            "unknown time zone %(name)s; write one such as \"Asia/Shanghai\"") % {"name": _shown(name)}))

    nomination = r.table(data, "nomination", {
        "keyword", "keyword_variants", "nominee_kinds", "deeds_min_length", "max_photos", "max_photo_mb",
    })
    contacts = r.table(data, "contacts", {"wechat_account", "mailbox", "hotline", "public_site"})
    spec = CampaignSpec(
        slug=r.text(data, "slug", pattern=_SLUG),
        name=r.text(data, "name", max_length=200),
        year=r.integer(data, "year", minimum=2000, maximum=2100),
        edition=r.text(data, "edition", max_length=100),
        organiser=r.text(data, "organiser", max_length=200),
        undertaker=r.text(data, "undertaker", max_length=200),
        reference_prefix=r.text(data, "reference_prefix", pattern=r"[A-Z][A-Z0-9]{1,19}"),
        timezone=tz_name,
        eligibility=r.text(data, "eligibility"),
        privacy_notice=r.text(data, "privacy_notice"),
        keyword=r.text(nomination, "keyword", "nomination.", max_length=100),
        keyword_variants=r.strings(nomination, "keyword_variants", "nomination.", required=False),
        nominee_kinds=r.strings(nomination, "nominee_kinds", "nomination.", choices=NomineeKind.values),
        deeds_min_length=r.integer(nomination, "deeds_min_length", "nomination.", minimum=1, maximum=2000, default=30),
        max_photos=r.integer(nomination, "max_photos", "nomination.", minimum=0, maximum=9, default=9),
        max_photo_bytes=(r.integer(nomination, "max_photo_mb", "nomination.", minimum=1, maximum=10, default=10) or 0)
        * 1024 * 1024,
        wechat_account=r.text(contacts, "wechat_account", "contacts.", required=False, max_length=100),
        mailbox=r.text(contacts, "mailbox", "contacts.", required=False, pattern=r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"),
        hotline=r.text(contacts, "hotline", "contacts.", required=False, pattern=r"[0-9\-+ ]{5,30}"),
        public_site=_public_site(r, contacts),
    )

    spec.categories = _read_list(r, data, "categories", {"id", "name", "description"}, lambda item, p: CategorySpec(
        code=r.text(item, "id", p, pattern=_CODE),
        name=r.text(item, "name", p, max_length=100),
        description=r.text(item, "description", p),
    ))
    spec.areas = _read_list(r, data, "areas", {"id", "name", "kind"}, lambda item, p: AreaSpec(
        code=r.text(item, "id", p, pattern=_CODE),
        name=r.text(item, "name", p, max_length=100),
        kind=_choice_in(r, item, "kind", p, AreaKind.values),
    ))

    schedule = r.table(data, "schedule", set(StageKind.values))
    r.each(StageKind.values, lambda kind: _read_stage(r, schedule, kind, tz, spec.stages))
    r.each(zip(spec.stages, spec.stages[1:]), lambda pair: _check_order(r, *pair, tz))
    if "voting" in data:
        spec.voting = _read_voting(r, data)
    if r.errors:
        raise CampaignFileError.of_all(r.errors)
    return spec


def _read_stage(r: _Reader, schedule: dict, kind: str, tz: zoneinfo.ZoneInfo, stages: list[StageSpec]) -> None:
    stage = schedule.get(kind)
    prefix = f"schedule.{kind}."
    if stage is None:
        r.fail(f"schedule.{kind}", _("is required: add %(kind)s = { starts = 2024-12-10, ends = 2025-01-10 }") % {
            "kind": kind})
    if not isinstance(stage, dict):
        r.fail(f"schedule.{kind}", _("must be a table with starts and ends, such as "
                                     "{ starts = 2024-12-10, ends = 2025-01-10 }, not %(value)s") % {
            "value": _shown(stage)})
    r.only(stage, {"starts", "ends"}, prefix)
    starts, ends = r.moment(stage, "starts", prefix, tz), r.moment(stage, "ends", prefix, tz)
    if starts is None or ends is None:
        return
    if ends <= starts:
        r.fail(f"{prefix}ends", _("must be after starts (%(starts)s), not %(ends)s") % {
            "starts": _local(starts, tz), "ends": _local(ends, tz)})
    stages.append(StageSpec(kind=kind, starts_at=starts, ends_at=ends))


def _check_order(r: _Reader, earlier: StageSpec, later: StageSpec, tz: zoneinfo.ZoneInfo) -> None:
    if later.starts_at < earlier.starts_at:
        r.fail(f"schedule.{later.kind}.starts", _(
            "must not be before the %(stage)s stage starts (schedule.%(stage)s.starts = %(earlier)s), not %(starts)s")
            % {"stage": earlier.kind, "earlier": _local(earlier.starts_at, tz), "starts": _local(later.starts_at, tz)})


def _read_voting(r: _Reader, data: dict) -> VotingSpec:
    p = "voting."
    voting = r.table(data, "voting", {
        "identity", "votes_per_day", "votes_per_candidate_per_day", "min_candidates_per_ballot",
        "count_display", "count_rounding", "thresholds", "sms_limits",
    })
    spec = VotingSpec(
        identity_methods=r.strings(voting, "identity", p, choices=VOTING_IDENTITY_METHODS),
        votes_per_day=r.integer(voting, "votes_per_day", p, minimum=1, maximum=100),
        votes_per_candidate_per_day=r.integer(voting, "votes_per_candidate_per_day", p, minimum=1, maximum=100),
        min_candidates_per_ballot=r.integer(voting, "min_candidates_per_ballot", p, minimum=0, maximum=100, default=0),
        count_display=_choice_in(r, voting, "count_display", p, VOTING_COUNT_DISPLAYS),
        count_rounding=r.integer(voting, "count_rounding", p, minimum=1, maximum=1_000_000, default=100),
        thresholds=_read_thresholds(r, voting) if "thresholds" in voting else {},
        sms_limits=_read_sms_limits(r, voting) if "sms_limits" in voting else {},
    )
    def at_most_votes_per_day(key: str) -> None:
        value = getattr(spec, key)
        if value is not None and spec.votes_per_day is not None and value > spec.votes_per_day:
            r.fail(f"{p}{key}", _("must not exceed %(other)s (%(limit)s), not %(value)s") % {
                "other": "votes_per_day", "limit": spec.votes_per_day, "value": value})

    r.each(("votes_per_candidate_per_day", "min_candidates_per_ballot"), at_most_votes_per_day)
    return spec


def _read_thresholds(r: _Reader, voting: dict) -> dict:
    """`[voting.thresholds]`: any of the anti-brushing limits (xuanshu.voting.engine.Thresholds), as numbers."""
    from xuanshu.voting.engine import Thresholds  # the voting app owns the names and the defaults

    defaults = Thresholds()
    table = r.table(voting, "thresholds", set(defaults.__dataclass_fields__), prefix="voting.")
    values = {}

    def read(key: str) -> None:
        value, full, default = table[key], f"voting.thresholds.{key}", getattr(defaults, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            r.fail(full, _("must be a number, not %(value)s") % {"value": _shown(value)})
        if isinstance(default, int) and not isinstance(value, int):
            r.fail(full, _("must be a whole number, not %(value)s") % {"value": _shown(value)})
        if value < 0:
            r.fail(full, _("must not be negative, not %(value)s") % {"value": value})
        values[key] = value

    r.each([key for key in table if key in defaults.__dataclass_fields__], read)
    return values


def _read_sms_limits(r: _Reader, voting: dict) -> dict:
    """`[voting.sms_limits]`: any of the per-address limits (xuanshu.voting.address_limits.AddressLimits), as
    positive whole numbers, no free allowance above its cap."""
    from xuanshu.voting.address_limits import FREE_AND_CAP, NAMES, AddressLimits  # the voting app owns them

    prefix = "voting.sms_limits."
    table = voting["sms_limits"]
    if not isinstance(table, dict):
        r.each([table], lambda value: r.fail("voting.sms_limits", _("must be a table ([%(table)s]), not %(value)s") % {
            "table": "voting.sms_limits", "value": _shown(value)}))
        return {}
    good = {}

    def read(key: str) -> None:
        value = table[key]
        if key not in NAMES:
            r.unknown(f"{prefix}{key}", key, list(NAMES))
        if isinstance(value, bool) or not isinstance(value, int):
            r.fail(f"{prefix}{key}", _("must be a whole number, not %(value)s") % {"value": _shown(value)})
        if value <= 0:
            r.fail(f"{prefix}{key}", _("must be greater than 0, not %(value)s") % {"value": value})
        good[key] = value

    def check(free: str, cap: str) -> None:
        if merged[free] > merged[cap]:
            r.fail(f"{prefix}{free if free in table else cap}",
                   _("%(free)s (%(free_value)s) must not exceed %(cap)s (%(cap_value)s)") % {
                       "free": free, "free_value": merged[free], "cap": cap, "cap_value": merged[cap]})

    r.each(table, read)
    merged = {**asdict(AddressLimits()), **good}
    r.each(FREE_AND_CAP, lambda pair: check(*pair))
    return dict(table)


@_lenient("")
def _public_site(r: _Reader, contacts: dict) -> str:
    """`contacts.public_site`: the origin status links are made under, checked like XUANSHU_PUBLIC_BASE_URL."""
    from xuanshu.public.links import InvalidOrigin, clean_public_origin  # the public app owns what a link may be

    value = r.text(contacts, "public_site", "contacts.", required=False, max_length=200)
    if not value:
        return ""
    try:
        return clean_public_origin(value)
    except InvalidOrigin as error:
        r.fail("contacts.public_site", str(error))


@_lenient("")
def _choice_in(r: _Reader, table: dict, key: str, prefix: str, choices) -> str:
    value = r.text(table, key, prefix)
    r.choice(f"{prefix}{key}", value, choices)
    return value


@_lenient(list)
def _read_list(r: _Reader, data: dict, key: str, allowed: set[str], build) -> list[Any]:
    items = data.get(key)
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        r.fail(key, _("needs at least one [[%(table)s]] table") % {"table": key})
    built = []
    for index, item in enumerate(items):
        prefix = f"{key}[{index}]."
        r.only(item, allowed, prefix)
        built.append(build(item, prefix))
    codes = [entry.code for entry in built]

    def unique(index: int) -> None:
        if (first := codes.index(codes[index])) != index:
            r.fail(f"{key}[{index}].id", _("%(code)s is already the id of %(other)s (line %(line)s)") % {
                "code": _shown(codes[index]), "other": f"{key}[{first}]",
                "line": _line_of(r.lines, f"{key}[{first}].id")})

    r.each(range(len(codes)), unique)
    return built


# ---------------------------------------------------------------------------------------------
# TOML syntax errors, explained
# ---------------------------------------------------------------------------------------------
_POSITION = re.compile(r"\s*\(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\)\s*$")

# tomllib's messages (Python 3.11 to 3.13; 3.14 words them the same) and what they mean for the person editing.
_SYNTAX_EXPLANATIONS = [
    (r"Invalid statement", _lazy(
        "this line is not a valid statement; write key = value, [table] or [[table]]")),
    (r"Expected newline or end of document after a statement", _lazy(
        "unexpected text after the value; write one key = value per line, and put text in double quotes")),
    (r"Expected '=' after a key in a key/value pair", _lazy("an '=' is missing after the key")),
    (r"Invalid initial character for a key part", _lazy(
        "a key must start with a letter, a digit, '_', '-' or a quote")),
    (r"Expected '\]' at the end of a table declaration", _lazy("the table name must end with ']'")),
    (r"Expected '\]\]' at the end of an array declaration", _lazy("the table name must end with ']]'")),
    (r"Cannot declare (?P<name>.+) twice", _lazy("the table [%(name)s] is declared twice")),
    (r"Cannot overwrite a value", _lazy("this key is given a value twice")),
    (r"Cannot mutate immutable namespace (?P<name>.+)", _lazy(
        "%(name)s is already complete (an inline table or a value) and cannot be extended here")),
    (r"Cannot redefine namespace (?P<name>.+)", _lazy("%(name)s is already defined elsewhere")),
    (r"Duplicate inline table key '?(?P<name>[^']+)'?", _lazy("the key %(name)s appears twice in the { … } table")),
    (r"Unclosed array", _lazy("the list is not closed with ']', or a comma between its items is missing")),
    (r"Unclosed inline table", _lazy(
        "the { … } table is not closed with '}' on the same line, or a comma between its entries is missing")),
    (r"Unterminated string", _lazy("the text is not closed: a closing quote is missing")),
    (r"Illegal character '\\n'", _lazy("the text is not closed on this line: a closing quote is missing")),
    (r"Illegal character (?P<name>.+)", _lazy("the character %(name)s is not allowed in text")),
    (r"Found invalid character (?P<name>.+)", _lazy("the character %(name)s is not allowed here")),
    (r"Expected (?P<name>'.+')", _lazy("%(name)s is missing: the text or comment is not closed")),
    (r"Unescaped '\\' in a string", _lazy(
        "a backslash (\\) in text must be doubled (\\\\), or use single quotes '…'")),
    (r"Invalid hex value|Escaped character is not a Unicode scalar value", _lazy(
        "the \\u or \\U escape is not a valid character code")),
    (r"Invalid date or datetime", _lazy(
        "not a real date or time; write 2024-12-01 or 2024-12-01T08:00:00 (month 01-12, day 01-31, hour 00-23)")),
    (r"Invalid value", _lazy(
        "not a valid value; text needs double quotes (\"…\"), dates look like 2024-12-01, and true/false are "
        "lower-case")),
]


_SYNTAX_EXPLANATIONS_BY_MESSAGE = dict(_SYNTAX_EXPLANATIONS)
_DATE_TOKEN = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{1,2}(?::\d{1,2})?)?")


def _date_like_at(line: str, column: int) -> bool:
    """Whether the parser stopped inside something written like a date (`2025-13-24`): TOML then reads a number
    and complains about what follows, so the real problem is the date."""
    return any(token.start() < column <= token.end() + 1 for token in _DATE_TOKEN.finditer(line))


def _syntax_error(text: str, message: str, path: str) -> CampaignFileError:
    """The parser's complaint as a CampaignFileError: its line, the key on that line if any, and an explanation."""
    position = _POSITION.search(message)
    detail = message[: position.start()] if position else message
    if position and position.group("line"):
        line, column = int(position.group("line")), int(position.group("column"))
    else:
        line, column = (text.count("\n") + (0 if text.endswith("\n") else 1)) or 1, None
    explanation = None
    for pattern, wording in _SYNTAX_EXPLANATIONS:
        if match := re.fullmatch(pattern, detail):
            explanation = str(wording) % {"name": _toml_name(match.groupdict().get("name") or "")}
            break
    if column is not None and _date_like_at(text.splitlines()[line - 1], column):
        explanation = str(_SYNTAX_EXPLANATIONS_BY_MESSAGE["Invalid date or datetime"])
    if explanation is None:
        explanation = detail
    if column is None:
        problem = _("TOML syntax error at the end of the file: %(explanation)s") % {"explanation": explanation}
    else:
        problem = _("TOML syntax error at column %(column)s: %(explanation)s") % {
            "column": column, "explanation": explanation}
    return CampaignFileError(_key_on_line(text, line, column), line, problem, path)


def _toml_name(name: str) -> str:
    """tomllib names a table by its Python tuple (`('voting', 'thresholds')`); the file says `voting.thresholds`."""
    parts = re.findall(r"'([^']*)'", name) if name.startswith("(") else []
    return ".".join(parts) if parts else name


def _key_on_line(text: str, line: int, column: int | None) -> str:
    """The key (or table) written on `line`, so a syntax error names it too: in an inline table, the entry the
    parser stopped in; empty when the line has no key."""
    on_line = [key for key, number in _key_lines(text) if number == line]
    if not on_line:
        return ""
    content = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
    best, best_at = min(on_line, key=len), -1
    for key in on_line:
        name = re.split(r"[.\]]", key)[-1]
        for found in re.finditer(rf"(?<![A-Za-z0-9_\-]){re.escape(name)}\s*=", content):
            if best_at < found.start() < (column or 0) - 1:
                best, best_at = key, found.start()
    return best
