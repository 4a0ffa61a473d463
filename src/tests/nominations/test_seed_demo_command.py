"""`python -m xuanshu seed_demo` speaks to the operator in Chinese: its summary and its refusals."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.conftest import SEED_CAMPAIGN_FILE
from xuanshu.campaigns.loader import parse_campaign
from xuanshu.campaigns.services import load_campaign

SLUG = "chucai-liaocheng-2024"


def seed(capsys, *arguments) -> str:
    with translation.override("zh-hans"):
        call_command("seed_demo", "--campaign", SLUG, *arguments)
    return capsys.readouterr().out


def test_the_summary_is_in_chinese_and_counts_what_was_already_there(campaign, capsys):
    assert seed(capsys, "--count", "3") == f"{SLUG} 的演示推荐：新建 3 条，已有 0 条。\n"
    assert seed(capsys, "--count", "5") == f"{SLUG} 的演示推荐：新建 2 条，已有 3 条。\n"


def test_a_missing_campaign_is_refused_in_chinese(db):
    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--campaign", "no-such-campaign")
    assert str(refused.value) == "没有活动 no-such-campaign：请先用 `campaign load FILE --rehearsal` 载入。"


def test_a_live_campaign_is_refused_in_chinese(db):
    text = SEED_CAMPAIGN_FILE.read_text(encoding="utf-8")
    load_campaign(spec=parse_campaign(text, str(SEED_CAMPAIGN_FILE)), source_text=text, rehearsal=False)
    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--campaign", SLUG)
    assert str(refused.value) == f"活动 {SLUG} 是正式活动，不是演练：演示数据只能写入演练活动。"
