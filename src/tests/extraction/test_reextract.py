"""Re-extraction of what an older rules version read (`python -m xuanshu reextract`): raw first, editors'
corrections kept, current extractions untouched, idempotent, and the nominees whose grouping may change named."""
import io

import pytest
from django.core.management import call_command

from xuanshu.core.models import ActivityLog
from xuanshu.nominations.dedup.models import NomineeMembership
from xuanshu.nominations.dedup.services import assign_nominee
from xuanshu.nominations.extraction.extractor import EXTRACTOR_VERSION
from xuanshu.nominations.extraction.models import Extraction
from xuanshu.nominations.extraction.services import reextract_stale
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.services import update_nomination_fields

pytestmark = pytest.mark.django_db

# rules-2 read the head of the clause (修路) as the name: 方 starts 方军, a word in jieba's dictionary.
GLUED = "推荐出彩聊城人方军自费修路，方便冠县清泉街道的村民出行。"
LABELLED = "推荐出彩聊城人 被推荐人：刘秀珍 冠县清泉街道 事迹：收养了三个孤儿。推荐人：张红，13853512345"


def made_by_rules_2(nomination, misread="修路"):
    """What the pipeline stored under rules-2: the extraction's reading, and the nomination's field from it."""
    extraction = Extraction.objects.get(nomination=nomination)
    old = {**extraction.result, "version": "rules-2", "nominees": [{"name": misread, "is_group": False, "members": []}]}
    Extraction.objects.filter(pk=extraction.pk).update(result=old, version="rules-2")
    Nomination.objects.filter(pk=nomination.pk).update(nominee_name=misread)
    return Nomination.objects.get(pk=nomination.pk)


def reextract_audit():
    return list(ActivityLog.objects.filter(action="nomination.reextract").order_by("id")
                .values_list("subject_id", "actor", "actor_label", "old_value", "new_value"))


def test_old_extractions_are_read_again_and_editors_corrections_kept(free_text_nomination, campaign, editor):
    stale = made_by_rules_2(free_text_nomination(GLUED, campaign=campaign))
    corrected = made_by_rules_2(free_text_nomination(GLUED.replace("冠县", "冠县东古城镇"), campaign=campaign))
    update_nomination_fields(nomination=corrected, actor=editor, changes={"nominee_name": "方小军"}, reason="by phone")
    current = free_text_nomination(LABELLED, campaign=campaign)
    current_result = Extraction.objects.get(nomination=current).result

    summary = reextract_stale(batch_size=1)

    assert (summary.checked, summary.reextracted, summary.nominations_changed, summary.fields_changed, summary.kept_for_editors,
            summary.versions) == (2, 2, 1, {"nominee_name": 1}, 1, {"rules-2": 2})
    names = dict(Nomination.objects.values_list("pk", "nominee_name"))
    assert (names[stale.pk], names[corrected.pk], names[current.pk]) == ("方军", "方小军", "刘秀珍")
    extractions = {e.nomination_id: e for e in Extraction.objects.all()}
    assert [extractions[n.pk].version for n in (stale, corrected, current)] == [EXTRACTOR_VERSION] * 3
    assert extractions[corrected.pk].result["nominees"][0]["name"] == "方军"  # the evidence follows the rules
    assert extractions[current.pk].result == current_result
    assert reextract_audit() == [
        (str(stale.pk), None, f"extraction:{EXTRACTOR_VERSION}", {"version": "rules-2", "nominee_name": "修路"},
         {"version": EXTRACTOR_VERSION, "nominee_name": "方军"}),
        (str(corrected.pk), None, f"extraction:{EXTRACTOR_VERSION}", {"version": "rules-2"}, {"version": EXTRACTOR_VERSION}),
    ]
    assert summary.regroup_nominees == {NomineeMembership.objects.get(nomination=stale).nominee_id}

    again = reextract_stale()
    assert (again.checked, again.reextracted, len(reextract_audit())) == (0, 0, 2)


def test_a_web_form_nominations_fields_are_the_citizens(make_nomination, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        nomination = make_nomination(nominee_name="修路", deeds=GLUED)  # what the citizen typed, however odd
    made_by_rules_2(nomination)
    summary = reextract_stale()
    assert (summary.reextracted, summary.nominations_changed, Nomination.objects.get(pk=nomination.pk).nominee_name) == (1, 0, "修路")


def test_a_dry_run_stores_nothing(free_text_nomination, campaign):
    stale = made_by_rules_2(free_text_nomination(GLUED, campaign=campaign))
    summary = reextract_stale(dry_run=True)
    assert (summary.nominations_changed, Nomination.objects.get(pk=stale.pk).nominee_name,
            Extraction.objects.get(nomination=stale).version, reextract_audit()) == (1, "修路", "rules-2", [])


def test_the_command_reports_in_chinese_and_suggests_or_runs_the_rebuild(free_text_nomination, campaign):
    same_story = "推荐出彩聊城人 被推荐人：方军 冠县清泉街道 事迹：自费修路，方便村民出行。"
    first = free_text_nomination(same_story, campaign=campaign)
    stale = made_by_rules_2(free_text_nomination(GLUED, campaign=campaign))
    assign_nominee(nomination_id=stale.pk, reassess=True)  # grouped under rules-2's reading, as it was then
    assert NomineeMembership.objects.get(nomination=stale).nominee_id != NomineeMembership.objects.get(nomination=first).nominee_id
    old_nominee = NomineeMembership.objects.get(nomination=stale).nominee

    out = io.StringIO()
    call_command("reextract", "--batch-size", "10", stdout=out)
    assert out.getvalue().splitlines() == [
        f"有 1 条已保存的抽取结果由旧版规则生成，现用 {EXTRACTOR_VERSION} 重新抽取。",
        "  已重新抽取 1 / 1 条，改写推荐 1 条",
        "完成：共重新抽取 1 条（rules-2 1）。",
        "字段被改写的推荐：1 条（被推荐人 1）。",
        "保持不变的字段（编辑已更正，或并非来自自动抽取）：0 个。",
        "有 1 个被推荐对象的归并可能变化：",
        f"  #{old_nominee.pk} 修路",
        f"如需重新归并，请运行：python -m xuanshu dedup run --campaign {campaign.slug} --rebuild",
    ]
    out = io.StringIO()
    call_command("reextract", stdout=out)
    assert out.getvalue() == f"所有已保存的抽取结果均由当前规则（{EXTRACTOR_VERSION}）生成，无需处理。\n"

    # The same, with the rebuild run: the re-read 方军 joins the other nomination of 方军.
    Extraction.objects.filter(nomination=stale).update(version="rules-2")
    Nomination.objects.filter(pk=stale.pk).update(nominee_name="修路")
    Extraction.objects.filter(nomination=stale).update(
        result={**Extraction.objects.get(nomination=stale).result, "nominees": [{"name": "修路", "is_group": False, "members": []}]})
    out = io.StringIO()
    call_command("reextract", "--rebuild-dedup", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith(f"{campaign.slug} 已重新归并：")
    assert NomineeMembership.objects.get(nomination=stale).nominee_id == NomineeMembership.objects.get(nomination=first).nominee_id


def test_the_command_refuses_bad_arguments_in_chinese():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--batch-size 必须是不小于 1 的整数。"):
        call_command("reextract", "--batch-size", "0")
    with pytest.raises(CommandError, match="没有标识为 nope 的推选活动。"):
        call_command("reextract", "--campaign", "nope")
