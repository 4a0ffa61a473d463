"""Read and validate a campaign TOML file into a plain `CampaignSpec`.

Every refusal names the offending key and the line it stands on, so an editor can fix the file
without reading code. Writing the spec to the database is `services.load_campaign`'s job.
"""
import datetime as dt
import re
import tomllib
import zoneinfo
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from xuanshu.campaigns.enums import AreaKind, NomineeKind, StageKind


class CampaignFileError(Exception):
    def __init__(self, key: str, line: int | None, problem: str, path: str = ""):
        self.key, self.line, self.problem, self.path = key, line, problem, path
        where = f"{path}:{line}" if line else (path or "campaign file")
        super().__init__(f"{where}: key '{key}': {problem}")


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
            lines.setdefault(name, number)
            lines[table[0]] = number
            continue
        if match := _TABLE.match(line):
            table = [part.strip() for part in match.group(1).split(".")]
            lines.setdefault(".".join(table), number)
            continue
        if match := _ASSIGNMENT.match(line):
            key_parts = [part.strip().strip("\"'") for part in match.group(1).split(".")]
            path = ".".join(table + key_parts)
            lines.setdefault(path, number)
            for inline in _INLINE_KEY.findall(line):
                lines.setdefault(f"{path}.{inline}", number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_multiline = quote
    return lines


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
class _Reader:
    def __init__(self, data: dict, text: str, path: str):
        self.lines = locate_keys(text)
        self.path = path
        self.data = data

    def fail(self, key: str, problem: str):
        raise CampaignFileError(key, _line_of(self.lines, key), problem, self.path)

    def table(self, parent: dict, key: str, allowed: set[str], prefix: str = "") -> dict:
        full = f"{prefix}{key}"
        value = parent.get(key)
        if not isinstance(value, dict):
            self.fail(full, "missing table" if value is None else "must be a table")
        self.only(value, allowed, f"{full}.")
        return value

    def only(self, table: dict, allowed: set[str], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                self.fail(f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def text(self, table: dict, key: str, prefix: str = "", *, required=True, max_length=10_000, pattern=None) -> str:
        full = f"{prefix}{key}"
        value = table.get(key)
        if value is None:
            if required:
                self.fail(full, "is required")
            return ""
        if not isinstance(value, str):
            self.fail(full, f"must be a string, not {type(value).__name__}")
        value = value.strip()
        if required and not value:
            self.fail(full, "must not be empty")
        if len(value) > max_length:
            self.fail(full, f"is longer than {max_length} characters")
        if pattern and value and not re.fullmatch(pattern, value):
            self.fail(full, f"'{value}' does not match {pattern}")
        return value

    def integer(self, table: dict, key: str, prefix: str = "", *, minimum: int, maximum: int, default=None) -> int:
        full = f"{prefix}{key}"
        value = table.get(key, default)
        if value is None:
            self.fail(full, "is required")
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(full, f"must be a whole number, not {value!r}")
        if not minimum <= value <= maximum:
            self.fail(full, f"must be between {minimum} and {maximum}, not {value}")
        return value

    def strings(self, table: dict, key: str, prefix: str = "", *, choices=None, required=True) -> list[str]:
        full = f"{prefix}{key}"
        value = table.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            self.fail(full, "must be a list of non-empty strings")
        if required and not value:
            self.fail(full, "must not be empty")
        for item in value:
            if choices and item not in choices:
                self.fail(full, f"'{item}' is not one of: {', '.join(choices)}")
        if len(set(value)) != len(value):
            self.fail(full, "has repeated entries")
        return [item.strip() for item in value]

    def moment(self, table: dict, key: str, prefix: str, tz: zoneinfo.ZoneInfo) -> dt.datetime:
        full = f"{prefix}{key}"
        value = table.get(key)
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=tz)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time.min, tzinfo=tz)
        self.fail(full, "must be a date (2024-12-01) or local date-time (2024-12-01T08:00:00)")


_TOP_KEYS = {
    "slug", "name", "year", "edition", "organiser", "undertaker", "reference_prefix", "timezone",
    "eligibility", "privacy_notice", "nomination", "contacts", "categories", "areas", "schedule",
    "voting",
}
_SLUG = r"[a-z0-9][a-z0-9\-]{1,78}"


def parse_campaign(text: str, path: str = "") -> CampaignSpec:
    """Parse and validate campaign TOML text; raises CampaignFileError naming key and line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or _line_from_message(str(error))
        raise CampaignFileError("(syntax)", line, str(error), path) from None
    r = _Reader(data, text, path)
    r.only(data, _TOP_KEYS, "")

    tz_name = r.text(data, "timezone", required=False) or "Asia/Shanghai"
    try:
        tz = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        r.fail("timezone", f"unknown time zone '{tz_name}'")

    nomination = r.table(data, "nomination", {
        "keyword", "keyword_variants", "nominee_kinds", "deeds_min_length", "max_photos", "max_photo_mb",
    })
    contacts = r.table(data, "contacts", {"wechat_account", "mailbox", "hotline"})
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
        max_photo_bytes=r.integer(nomination, "max_photo_mb", "nomination.", minimum=1, maximum=10, default=10) * 1024 * 1024,
        wechat_account=r.text(contacts, "wechat_account", "contacts.", required=False, max_length=100),
        mailbox=r.text(contacts, "mailbox", "contacts.", required=False, pattern=r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"),
        hotline=r.text(contacts, "hotline", "contacts.", required=False, pattern=r"[0-9\-+ ]{5,30}"),
    )

    spec.categories = _read_list(r, data, "categories", {"id", "name", "description"}, lambda item, p: CategorySpec(
        code=r.text(item, "id", p, pattern=r"[a-z][a-z0-9_\-]{0,49}"),
        name=r.text(item, "name", p, max_length=100),
        description=r.text(item, "description", p),
    ))
    spec.areas = _read_list(r, data, "areas", {"id", "name", "kind"}, lambda item, p: AreaSpec(
        code=r.text(item, "id", p, pattern=r"[a-z][a-z0-9_\-]{0,49}"),
        name=r.text(item, "name", p, max_length=100),
        kind=_choice(r, item, "kind", p, AreaKind.values),
    ))

    schedule = r.table(data, "schedule", set(StageKind.values))
    for kind in StageKind.values:
        stage = schedule.get(kind)
        prefix = f"schedule.{kind}."
        if stage is None:
            r.fail(f"schedule.{kind}", "is required")
        if not isinstance(stage, dict):
            r.fail(f"schedule.{kind}", "must be a table with starts and ends")
        r.only(stage, {"starts", "ends"}, prefix)
        starts, ends = r.moment(stage, "starts", prefix, tz), r.moment(stage, "ends", prefix, tz)
        if ends <= starts:
            r.fail(f"{prefix}ends", "must be after starts")
        spec.stages.append(StageSpec(kind=kind, starts_at=starts, ends_at=ends))
    for earlier, later in zip(spec.stages, spec.stages[1:]):
        if later.starts_at < earlier.starts_at:
            r.fail(f"schedule.{later.kind}.starts", f"must not start before the {earlier.kind} stage")
    if "voting" in data:
        spec.voting = _read_voting(r, data)
    return spec


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
        count_display=_choice(r, voting, "count_display", p, VOTING_COUNT_DISPLAYS),
        count_rounding=r.integer(voting, "count_rounding", p, minimum=1, maximum=1_000_000, default=100),
        thresholds=_read_thresholds(r, voting) if "thresholds" in voting else {},
        sms_limits=_read_sms_limits(r, voting) if "sms_limits" in voting else {},
    )
    if spec.votes_per_candidate_per_day > spec.votes_per_day:
        r.fail(f"{p}votes_per_candidate_per_day", "must not exceed votes_per_day")
    if spec.min_candidates_per_ballot > spec.votes_per_day:
        r.fail(f"{p}min_candidates_per_ballot", "must not exceed votes_per_day")
    return spec


def _read_thresholds(r: _Reader, voting: dict) -> dict:
    """`[voting.thresholds]`: any of the anti-brushing limits (xuanshu.voting.engine.Thresholds), as numbers."""
    from xuanshu.voting.engine import Thresholds  # the voting app owns the names and the defaults

    defaults = Thresholds()
    table = r.table(voting, "thresholds", set(defaults.__dataclass_fields__), prefix="voting.")
    values = {}
    for key, value in table.items():
        full = f"voting.thresholds.{key}"
        default = getattr(defaults, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            r.fail(full, f"must be a number, not {value!r}")
        if isinstance(default, int) and not isinstance(value, int):
            r.fail(full, f"must be a whole number, not {value!r}")
        if value < 0:
            r.fail(full, "must not be negative")
        values[key] = value
    return values


def _read_sms_limits(r: _Reader, voting: dict) -> dict:
    """`[voting.sms_limits]`: any of the per-address limits (xuanshu.voting.address_limits.AddressLimits), as
    positive whole numbers, no free allowance above its cap. The problems are in Chinese: the organiser who
    edits this table on campaign night reads them."""
    from xuanshu.voting.address_limits import FREE_AND_CAP, NAMES, AddressLimits  # the voting app owns them

    prefix = "voting.sms_limits."
    table = voting["sms_limits"]
    if not isinstance(table, dict):
        r.fail("voting.sms_limits", _("must be a table ([voting.sms_limits])"))
    for key, value in table.items():
        if key not in NAMES:
            r.fail(f"{prefix}{key}", _("unknown key; allowed: %(keys)s") % {"keys": ", ".join(NAMES)})
        if isinstance(value, bool) or not isinstance(value, int):
            r.fail(f"{prefix}{key}", _("must be a whole number, not %(value)s") % {"value": repr(value)})
        if value <= 0:
            r.fail(f"{prefix}{key}", _("must be greater than 0, not %(value)s") % {"value": value})
    merged = {**asdict(AddressLimits()), **table}
    for free, cap in FREE_AND_CAP:
        if merged[free] > merged[cap]:
            r.fail(f"{prefix}{free if free in table else cap}",
                   _("%(free)s (%(free_value)s) must not exceed %(cap)s (%(cap_value)s)") % {
                       "free": free, "free_value": merged[free], "cap": cap, "cap_value": merged[cap]})
    return dict(table)


def _choice(r: _Reader, table: dict, key: str, prefix: str, choices) -> str:
    value = r.text(table, key, prefix)
    if value not in choices:
        r.fail(f"{prefix}{key}", f"'{value}' is not one of: {', '.join(choices)}")
    return value


def _read_list(r: _Reader, data: dict, key: str, allowed: set[str], build) -> list[Any]:
    items = data.get(key)
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        r.fail(key, f"needs at least one [[{key}]] table")
    built = []
    for index, item in enumerate(items):
        prefix = f"{key}[{index}]."
        r.only(item, allowed, prefix)
        built.append(build(item, prefix))
    codes = [entry.code for entry in built]
    for index, code in enumerate(codes):
        if codes.index(code) != index:
            r.fail(f"{key}[{index}].id", f"'{code}' is used twice")
    return built


def _line_from_message(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None
