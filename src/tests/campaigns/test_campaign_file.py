"""The campaign file: the seed campaign loads faithfully, loading is idempotent, bad files name key and line."""
import datetime as dt
import re
import zoneinfo

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import SEED_CAMPAIGN_FILE
from xuanshu.campaigns.loader import CampaignFileError, locate_keys, parse_campaign
from xuanshu.campaigns.models import Campaign, Category, Stage
from xuanshu.core.models import ActivityLog

SEED_TEXT = SEED_CAMPAIGN_FILE.read_text(encoding="utf-8")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_seed_campaign_encodes_the_announcement():
    spec = parse_campaign(SEED_TEXT)
    assert (spec.organiser, spec.undertaker, spec.keyword) == ("中共聊城市委网信办", "齐鲁晚报·齐鲁壹点聊城融媒中心", "推荐出彩聊城人")
    assert (spec.mailbox, spec.wechat_account, spec.hotline) == ("qlwblc@163.com", "qlwblcrm", "0635-8451234")
    assert [c.code for c in spec.categories] == ["development", "athletes", "hometown", "good-conduct"]
    descriptions = "".join(c.description for c in spec.categories)
    for words in ["企业家", "科技工作者", "体育健儿", "聊城籍", "热心公益", "关爱城市", "见义勇为", "关爱他人"]:
        assert words in descriptions
    assert spec.nominee_kinds == ["individual", "group"]
    assert "推薦出彩聊城人" in spec.keyword_variants
    assert [s.kind for s in spec.stages] == ["nomination", "review", "voting", "judging", "publicity", "announced"]
    assert spec.stages[0].starts_at == dt.datetime(2024, 12, 10, tzinfo=SHANGHAI)
    assert {"茌平区", "临清市", "东昌府区", "江北水城旅游度假区"} <= {a.name for a in spec.areas}
    assert spec.privacy_notice and spec.eligibility


def test_loading_twice_is_idempotent(db, capsys):
    call_command("campaign", "load", str(SEED_CAMPAIGN_FILE))
    snapshot = (
        list(Campaign.objects.values()), list(Category.objects.values()), list(Stage.objects.values()),
        ActivityLog.objects.count(),
    )
    call_command("campaign", "load", str(SEED_CAMPAIGN_FILE))
    assert "unchanged" in capsys.readouterr().out
    assert snapshot == (
        list(Campaign.objects.values()), list(Category.objects.values()), list(Stage.objects.values()),
        ActivityLog.objects.count(),
    )
    assert Campaign.objects.count() == 1 and Category.objects.count() == 4 and Stage.objects.count() == 6


def test_changed_file_updates_and_audits(db, tmp_path):
    call_command("campaign", "load", str(SEED_CAMPAIGN_FILE))
    changed = tmp_path / "c.toml"
    changed.write_text(SEED_TEXT.replace("deeds_min_length = 30", "deeds_min_length = 50"), encoding="utf-8")
    call_command("campaign", "load", str(changed))
    campaign = Campaign.objects.get()
    row = ActivityLog.objects.filter(action="campaign.update").get()
    assert campaign.deeds_min_length == 50
    assert row.new_value == {"deeds_min_length": {"old": 30, "new": 50}, "source_sha256": row.new_value["source_sha256"]}


def test_category_dropped_from_the_file_is_retired_not_deleted(db, tmp_path):
    call_command("campaign", "load", str(SEED_CAMPAIGN_FILE))
    block = '[[categories]]\nid = "athletes"\nname = "为国争光体育健儿"\ndescription = "在国内外赛场为国争光、为聊城添彩的体育健儿。"\n'
    assert block in SEED_TEXT
    changed = tmp_path / "c.toml"
    changed.write_text(SEED_TEXT.replace(block, ""), encoding="utf-8")
    call_command("campaign", "load", str(changed))
    assert list(Category.objects.order_by("sort_order", "id").values_list("code", "is_active")) == [
        ("development", True), ("athletes", False), ("hometown", True), ("good-conduct", True),
    ]


def test_rehearsal_opens_nomination_today_and_keeps_the_durations(db):
    call_command("campaign", "load", "--rehearsal", str(SEED_CAMPAIGN_FILE))
    campaign = Campaign.objects.get()
    stages = {s.kind: s for s in campaign.stages.all()}
    assert campaign.is_demo and campaign.stage_open("nomination")
    assert stages["nomination"].ends_at - stages["nomination"].starts_at == dt.timedelta(days=31)
    assert stages["voting"].starts_at - stages["nomination"].starts_at == dt.timedelta(days=38, hours=9)


# (label, text to replace, replacement, which line of the replacement holds the bad key, key, problem)
BAD_FILES = [
    ("unknown top key", "organiser = ", 'organizer = "x"\norganiser = ', 0, "organizer", "unknown key"),
    ("typo inside a category", 'id = "athletes"\nname = ', 'id = "athletes"\nnmae = "x"\nname = ', 1, "categories[1].nmae", "unknown key"),
    ("value out of range", "max_photos = 9", "max_photos = 12", 0, "nomination.max_photos", "between 0 and 9"),
    ("wrong type", "year = 2024", 'year = "2024"', 0, "year", "whole number"),
    ("bad area kind", 'name = "莘县"\nkind = "county"', 'name = "莘县"\nkind = "prefecture"', 1, "areas[4].kind", "not one of"),
    ("stage ends before it starts", "judging = { starts = 2025-01-24T18:00:00, ends = 2025-02-01T00:00:00 }",
     "judging = { starts = 2025-01-24T18:00:00, ends = 2025-01-20T00:00:00 }", 0, "schedule.judging.ends", "after starts"),
    ("bad mailbox", 'mailbox = "qlwblc@163.com"', 'mailbox = "qlwblc at 163"', 0, "contacts.mailbox", "does not match"),
    ("duplicate category id", 'id = "hometown"', 'id = "athletes"', 0, "categories[2].id", "used twice"),
    ("unknown nominee kind", 'nominee_kinds = ["individual", "group"]', 'nominee_kinds = ["individual", "family"]', 0,
     "nomination.nominee_kinds", "not one of"),
    ("unknown anti-brushing threshold", "cluster_max_voters = 15", "cluster_max_voter = 15", 0,
     "voting.thresholds.cluster_max_voter", "unknown key"),
    ("threshold of the wrong type", "per_ip_per_minute = 120", 'per_ip_per_minute = "120"', 0,
     "voting.thresholds.per_ip_per_minute", "must be a number"),
    ("fractional count threshold", "device_max_voters = 5", "device_max_voters = 5.5", 0,
     "voting.thresholds.device_max_voters", "whole number"),
    ("negative threshold", "night_end_hour = 5", "night_end_hour = -5", 0, "voting.thresholds.night_end_hour", "negative"),
]


@pytest.mark.parametrize(("label", "old", "new", "line_in_new", "key", "problem"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_refused_naming_key_and_line(db, tmp_path, label, old, new, line_in_new, key, problem):
    assert SEED_TEXT.count(old) == 1
    text = SEED_TEXT.replace(old, new)
    expected_line = SEED_TEXT[: SEED_TEXT.index(old)].count("\n") + 1 + line_in_new
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignFileError) as raised:
        parse_campaign(text, str(path))
    assert (raised.value.key, raised.value.line) == (key, expected_line)
    assert problem in raised.value.problem
    with pytest.raises(CommandError, match=re.escape(f"bad.toml:{expected_line}: key '{key}'")):
        call_command("campaign", "load", str(path))
    assert Campaign.objects.count() == 0


def test_voting_thresholds_reach_the_vote_snapshot_over_the_defaults(db, tmp_path, settings):
    from xuanshu.voting.engine import Thresholds, thresholds

    spec = parse_campaign(SEED_TEXT, "seed.toml")
    assert spec.voting.thresholds["per_device_per_minute"] == 20
    text = SEED_TEXT.replace("per_device_per_minute = 20", "per_device_per_minute = 3")
    changed = parse_campaign(text, "c.toml").voting.thresholds
    assert thresholds(changed).per_device_per_minute == 3
    assert thresholds(changed).gap_cv_max == Thresholds().gap_cv_max  # not in the file: the default
    settings.VOTING_THRESHOLDS = {"per_device_per_minute": 7}  # the operator's setting wins over the file
    assert thresholds(changed).per_device_per_minute == 7


def test_syntax_error_names_the_line(db):
    text = SEED_TEXT.replace("year = 2024", "year = 2024 2025")
    with pytest.raises(CampaignFileError) as raised:
        parse_campaign(text, "x.toml")
    assert raised.value.line == SEED_TEXT[: SEED_TEXT.index("year = 2024")].count("\n") + 1


def test_locate_keys_handles_tables_arrays_inline_tables_and_multiline_strings():
    text = 'a = 1\ns = """\nb = 2\n"""\n[t]\nc = 3\n[[arr]]\nd = 4\n[[arr]]\nd = 5\n[sched]\nv = { starts = 1, ends = 2 }\n'
    assert locate_keys(text) == {
        "a": 1, "s": 2, "t": 5, "t.c": 6, "arr": 7, "arr[0]": 7, "arr[0].d": 8, "arr[1]": 9, "arr[1].d": 10,
        "sched": 11, "sched.v": 12, "sched.v.starts": 12, "sched.v.ends": 12,
    }
