"""The campaign file: the seed campaign loads faithfully, loading is idempotent, bad files name key and line."""
import datetime as dt
import os
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.conftest import REPO_ROOT, SEED_CAMPAIGN_FILE
from xuanshu.campaigns.loader import _TOP_KEYS, CampaignFileError, locate_keys, parse_campaign
from xuanshu.campaigns.models import Campaign, Category, Stage
from xuanshu.core.models import ActivityLog
from xuanshu.voting.engine import Thresholds

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


SEED_NAME = "chucai-liaocheng-2024“出彩聊城人 2024年度网络人物（团体）”"


def test_loading_twice_is_idempotent(db, capsys):
    with translation.override("zh-hans"):
        call_command("campaign", "load", str(SEED_CAMPAIGN_FILE))
    assert capsys.readouterr().out == f"已创建活动 {SEED_NAME}：4 个类别，12 个地区，6 个阶段\n"
    snapshot = (
        list(Campaign.objects.values()), list(Category.objects.values()), list(Stage.objects.values()),
        ActivityLog.objects.count(),
    )
    with translation.override("zh-hans"):
        call_command("campaign", "load", str(SEED_CAMPAIGN_FILE))
    assert capsys.readouterr().out == f"活动 {SEED_NAME}没有变化\n"
    assert snapshot == (
        list(Campaign.objects.values()), list(Category.objects.values()), list(Stage.objects.values()),
        ActivityLog.objects.count(),
    )
    assert Campaign.objects.count() == 1 and Category.objects.count() == 4 and Stage.objects.count() == 6


def test_changed_file_updates_and_audits(db, tmp_path, capsys):
    call_command("campaign", "load", str(SEED_CAMPAIGN_FILE))
    changed = tmp_path / "c.toml"
    changed.write_text(SEED_TEXT.replace("deeds_min_length = 30", "deeds_min_length = 50"), encoding="utf-8")
    capsys.readouterr()
    with translation.override("zh-hans"):
        call_command("campaign", "load", str(changed))
    assert capsys.readouterr().out == f"已更新活动 {SEED_NAME}：1 处改动：deeds_min_length\n"
    campaign = Campaign.objects.get()
    row = ActivityLog.objects.filter(action="campaign.update").get()
    assert campaign.deeds_min_length == 50
    assert row.new_value == {"deeds_min_length": {"old": 30, "new": 50}, "source_sha256": row.new_value["source_sha256"]}


def test_a_file_edited_only_in_its_comments_says_the_settings_are_unchanged(db, tmp_path, capsys):
    call_command("campaign", "load", str(SEED_CAMPAIGN_FILE))
    commented = tmp_path / "c.toml"
    commented.write_text("# 2024 年的文件，加了一行注释\n" + SEED_TEXT, encoding="utf-8")
    capsys.readouterr()
    with translation.override("zh-hans"):
        call_command("campaign", "load", str(commented))
    assert capsys.readouterr().out == f"活动 {SEED_NAME}：文件有改动，但活动设置没有变化\n"


def test_rehearsal_load_says_when_nomination_opens(db, capsys):
    with translation.override("zh-hans"):
        call_command("campaign", "load", "--rehearsal", str(SEED_CAMPAIGN_FILE))
    today = dt.datetime.now(SHANGHAI).date()
    assert capsys.readouterr().out.splitlines() == [
        f"已创建活动 {SEED_NAME}：4 个类别，12 个地区，6 个阶段",
        f"演练模式：日程已整体平移，提名自 {today:%Y-%m-%d} 开始；每个页面都会标明是演示数据。",
    ]


def test_check_of_a_good_file_reads_in_chinese_with_its_counts_and_stores_nothing(db, tmp_path):
    """`campaign check` as the organiser runs it, in the site's language with no language set."""
    done = _run_cli("campaign", "check", str(SEED_CAMPAIGN_FILE), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, f"{SEED_CAMPAIGN_FILE}：活动文件无误：{SEED_NAME}，4 个类别，12 个地区，6 个阶段\n")
    assert Campaign.objects.count() == 0


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


TOP_KEYS = ", ".join(sorted(_TOP_KEYS))
THRESHOLD_KEYS = ", ".join(sorted(Thresholds.__dataclass_fields__))

# (label, text to replace, replacement, which line of the replacement holds the bad key (or, for a missing key,
#  the seed's line that starts its table, or None at the top), key, problem in Chinese)
BAD_FILES = [
    ("unknown top key", "organiser = ", 'organizer = "x"\norganiser = ', 0, "organizer",
     f"未知的键；是不是要写 'organiser'？可用的键：{TOP_KEYS}"),
    ("typo inside a category", 'id = "athletes"\nname = ', 'id = "athletes"\nnmae = "x"\nname = ', 1, "categories[1].nmae",
     "未知的键；是不是要写 'name'？可用的键：description, id, name"),
    ("value out of range", "max_photos = 9", "max_photos = 12", 0, "nomination.max_photos", "必须在 0 到 9 之间，而不是 12"),
    ("wrong type", "year = 2024", 'year = "2024"', 0, "year", '必须是整数，而不是 "2024"'),
    ("bad area kind", 'name = "莘县"\nkind = "county"', 'name = "莘县"\nkind = "prefecture"', 1, "areas[4].kind",
     '"prefecture" 不是可选值；可选值：district, county, city, zone, outside'),
    ("stage ends before it starts", "judging = { starts = 2025-01-24T18:00:00, ends = 2025-02-01T00:00:00 }",
     "judging = { starts = 2025-01-24T18:00:00, ends = 2025-01-20T00:00:00 }", 0, "schedule.judging.ends",
     "必须晚于开始时间 starts（2025-01-24T18:00:00），而不是 2025-01-20T00:00:00"),
    ("date in quotes", "judging = { starts = 2025-01-24T18:00:00,", 'judging = { starts = "2025-01-24T18:00:00",', 0,
     "schedule.judging.starts", '日期不要加引号：应写 2025-01-24T18:00:00，而不是 "2025-01-24T18:00:00"'),
    ("stage missing", "judging = { starts = 2025-01-24T18:00:00, ends = 2025-02-01T00:00:00 }\n", "", "[schedule]",
     "schedule.judging", "是必填项：请添加 judging = { starts = 2024-12-10, ends = 2025-01-10 }"),
    ("required key missing", 'edition = "2024年度网络人物（团体）"\n', "", None, "edition", "是必填项，但文件中没有"),
    ("unknown time zone", 'timezone = "Asia/Shanghai"', 'timezone = "Asia"', 0, "timezone",
     '未知的时区 "Asia"；请写成 "Asia/Shanghai" 这样的时区名'),
    ("bad mailbox", 'mailbox = "qlwblc@163.com"', 'mailbox = "qlwblc at 163"', 0, "contacts.mailbox",
     '"qlwblc at 163" 的格式不对：应为电子邮箱地址，例如 qlwblc@163.com'),
    ("duplicate category id", 'id = "hometown"', 'id = "athletes"', 0, "categories[2].id",
     '"athletes" 已是 categories[1]（第 51 行）的 id，不能重复'),
    ("unknown nominee kind", 'nominee_kinds = ["individual", "group"]', 'nominee_kinds = ["individual", "family"]', 0,
     "nomination.nominee_kinds", '"family" 不是可选值；可选值：individual, group'),
    ("unknown anti-brushing threshold", "cluster_max_voters = 15", "cluster_max_voter = 15", 0,
     "voting.thresholds.cluster_max_voter", f"未知的键；是不是要写 'cluster_max_voters'？可用的键：{THRESHOLD_KEYS}"),
    ("threshold of the wrong type", "per_ip_per_minute = 120", 'per_ip_per_minute = "120"', 0,
     "voting.thresholds.per_ip_per_minute", '必须是数字，而不是 "120"'),
    ("fractional count threshold", "device_max_voters = 5", "device_max_voters = 5.5", 0,
     "voting.thresholds.device_max_voters", "必须是整数，而不是 5.5"),
    ("negative threshold", "night_end_hour = 5", "night_end_hour = -5", 0, "voting.thresholds.night_end_hour",
     "不能为负数，而不是 -5"),
    ("syntax: two values", "year = 2024", "year = 2024 2025", 0, "year",
     "TOML 语法错误（第 13 列）：值的后面有多余的内容；每行只写一个 键 = 值，文本要用英文双引号括起来"),
    ("syntax: no such month", "judging = { starts = 2025-01-24T18:00:00,", "judging = { starts = 2025-13-24T18:00:00,", 0,
     "schedule.judging.starts", "TOML 语法错误（第 26 列）：不是有效的日期或时间；请写成 2024-12-01 或 2024-12-01T08:00:00"
                                "（月 01-12，日 01-31，时 00-23）"),
]


@pytest.mark.parametrize(("label", "old", "new", "line_in_new", "key", "problem"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_refused_in_chinese_naming_key_and_line(db, tmp_path, label, old, new, line_in_new, key, problem):
    assert SEED_TEXT.count(old) == 1
    text = SEED_TEXT.replace(old, new)
    if isinstance(line_in_new, int):
        expected_line = SEED_TEXT[: SEED_TEXT.index(old)].count("\n") + 1 + line_in_new
    else:
        expected_line = line_in_new and SEED_TEXT[: SEED_TEXT.index(line_in_new)].count("\n") + 1
    path = tmp_path / "bad.toml"
    where = f"{path}:{expected_line}" if expected_line else str(path)
    path.write_text(text, encoding="utf-8")
    with translation.override("zh-hans"):
        with pytest.raises(CampaignFileError) as raised:
            parse_campaign(text, str(path))
        assert (raised.value.key, raised.value.line, raised.value.problem) == (key, expected_line, problem)
        with pytest.raises(CommandError) as refused:
            call_command("campaign", "load", str(path))
    assert str(refused.value) == f"{where}：键 '{key}'：{problem}"
    assert Campaign.objects.count() == 0


def test_in_english_the_same_refusal_reads_in_english(tmp_path):
    text = SEED_TEXT.replace("max_photos = 9", "max_photos = 12").replace('timezone = "Asia/Shanghai"', 'timezone = "Asia"')
    with translation.override("en"), pytest.raises(CampaignFileError) as raised:
        parse_campaign(text, "bad.toml")
    assert str(raised.value).splitlines() == [
        f"bad.toml:{_line(text, 'timezone =')}: key 'timezone': unknown time zone \"Asia\"; write one such as \"Asia/Shanghai\"",
        f"bad.toml:{_line(text, 'max_photos =')}: key 'nomination.max_photos': must be between 0 and 9, not 12",
    ]


def _line(text: str, start: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def test_check_reports_every_mistake_in_chinese_with_its_key_and_line_and_stores_nothing(db, tmp_path):
    """The organiser's file with several kinds of mistakes: one `campaign check` names each, in file order."""
    text = (SEED_TEXT
            .replace("year = 2024", 'year = "2024"')                                     # wrong type
            .replace('edition = "', 'editon = "')                                        # unknown key, so edition is missing
            .replace("max_photos = 9", "max_photos = 12")                                # out of range
            .replace("judging = { starts = 2025-01-24T18:00:00,", 'judging = { starts = "2025-01-24",')  # quoted date
            .replace("votes_per_day = 5", "votes_per_dya = 5")                           # typo
            .replace("free_per_address = 10", "free_per_address = 0"))                   # out of range
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    done = _run_cli("campaign", "check", str(path), cwd=tmp_path)
    voting_line = _line(text, "[voting]")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-8:] == [
        f"CommandError: {path}:{_line(text, 'year =')}：键 'year'：必须是整数，而不是 \"2024\"",
        f"{path}:{_line(text, 'editon =')}：键 'editon'：未知的键；是不是要写 'edition'？可用的键：{TOP_KEYS}",
        f"{path}:{_line(text, 'max_photos =')}：键 'nomination.max_photos'：必须在 0 到 9 之间，而不是 12",
        f"{path}:{_line(text, 'judging =')}：键 'schedule.judging.starts'：日期不要加引号：应写 2025-01-24，而不是 \"2025-01-24\"",
        f"{path}:{voting_line}：键 'voting.votes_per_day'：是必填项，但文件中没有",
        f"{path}:{_line(text, 'votes_per_dya =')}：键 'voting.votes_per_dya'：未知的键；是不是要写 'votes_per_day'？可用的键："
        "count_display, count_rounding, identity, min_candidates_per_ballot, sms_limits, thresholds, "
        "votes_per_candidate_per_day, votes_per_day",
        f"{path}:{_line(text, 'free_per_address =')}：键 'voting.sms_limits.free_per_address'：必须大于 0，而不是 0",
        f"{path}：键 'edition'：是必填项，但文件中没有",  # a missing key has no line: last
    ]
    assert Campaign.objects.count() == 0


def test_check_explains_a_syntax_error_in_chinese_and_load_stores_nothing(db, tmp_path):
    text = SEED_TEXT.replace('organiser = "中共聊城市委网信办"', 'organiser = "中共聊城市委网信办')
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    line = _line(text, "organiser =")
    for action in ("check", "load"):
        done = _run_cli("campaign", action, str(path), cwd=tmp_path)
        assert (done.returncode, done.stderr.strip().splitlines()[-1]) == (
            1, f"CommandError: {path}:{line}：键 'organiser'：TOML 语法错误（第 23 列）：文本在这一行没有结束：缺少右引号")
    assert Campaign.objects.count() == 0


def _run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m xuanshu ...` as the organiser runs it: no language set, so the site's language, zh-hans."""
    env = {
        **{key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_URL", "TEST_DATABASE", "LANGUAGE_CODE", "LANG", "LC_"))},
        "DJANGO_SETTINGS_MODULE": "xuanshu.settings",
        "XUANSHU_VAR_DIR": str(cwd),
        "PYTHONPATH": str(REPO_ROOT / "src"),
    }
    return subprocess.run([sys.executable, "-m", "xuanshu", *args], capture_output=True, env=env, cwd=cwd, timeout=120,
                          check=False, encoding="utf-8")


def test_voting_thresholds_reach_the_vote_snapshot_over_the_defaults(db, tmp_path, settings):
    from xuanshu.voting.engine import thresholds

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
