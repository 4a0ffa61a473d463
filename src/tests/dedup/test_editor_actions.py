"""Editors merge, split, undo and dismiss: each audited in the same transaction, nothing lost, viewers refused."""
import pytest
from django.db.models import Count

from tests.dedup.conftest import DESHENG_CITY, DESHENG_HOME, GUIFANG_WEBFORM, GUIFANG_WECHAT
from xuanshu.core.errors import DomainError, PermissionDenied
from xuanshu.core.models import ActivityLog
from xuanshu.nominations.dedup import services
from xuanshu.nominations.dedup.models import MergeSuggestion, Nominee, NomineeChange, NomineeMembership
from xuanshu.nominations.models import Nomination

pytestmark = pytest.mark.django_db


def memberships():
    return sorted(NomineeMembership.objects.values_list("nomination_id", "nominee_id", "linked_by", "score", "reasons"))


def every_nomination_has_one_nominee() -> bool:
    named = set(Nomination.objects.exclude(nominee_name="").values_list("id", flat=True))
    linked = NomineeMembership.objects.values("nomination").annotate(n=Count("id"))
    return {row["nomination"] for row in linked} == named and all(row["n"] == 1 for row in linked)


@pytest.fixture
def desheng(nominate):
    """刘德胜 nominated where he works and at home, two counties: two nominees and an open suggestion."""
    nominate(nominee_name="刘德胜", area_code="dongchangfu", place_detail="柳园街道", deeds=DESHENG_CITY)
    nominate(nominee_name="刘德胜", area_code="dongchangfu", place_detail="柳园街道", deeds=DESHENG_CITY + "大家都感谢他。")
    nominate(nominee_name="刘德胜", area_code="shenxian", place_detail="古云镇", deeds=DESHENG_HOME)
    return MergeSuggestion.objects.select_related("nominee_a", "nominee_b").get()


def test_accepting_a_suggestion_merges_the_smaller_nominee_into_the_larger(desheng, editor):
    before = memberships()
    change = services.accept_suggestion(suggestion=desheng, actor=editor, reason="同一人，籍贯莘县")
    source, target = Nominee.objects.get(pk=change.source_id), Nominee.objects.get(pk=change.target_id)
    assert (target, source) == (desheng.nominee_a, desheng.nominee_b)  # nominee_a has two nominations
    assert (source.state, source.merged_into, target.state) == ("merged", target, "active")
    assert set(NomineeMembership.objects.values_list("nominee", flat=True)) == {target.pk}
    moved = NomineeMembership.objects.get(nominee=target, nomination__area__code="shenxian")
    assert (moved.linked_by, moved.reasons) == ("editor", [{"code": "merged_by_editor"}])
    assert change.moved == [{"nomination": row[0], "linked_by": row[2], "score": row[3], "reasons": row[4]}
                            for row in before if row[1] == source.pk]
    desheng.refresh_from_db()
    assert (desheng.state, desheng.decided_by) == ("merged", editor)
    audit = ActivityLog.objects.get(action="nominee.merge")
    assert (audit.actor, audit.subject_id, audit.old_value, audit.reason) == (
        editor, str(target.pk), {"nominee": source.pk, "name": "刘德胜"}, "同一人，籍贯莘县",
    )
    assert every_nomination_has_one_nominee()


def test_undoing_a_merge_restores_every_link_as_it_was(desheng, editor, admin_user):
    before = memberships()
    change = services.accept_suggestion(suggestion=desheng, actor=editor)
    services.undo_merge(change=change, actor=admin_user, reason="误合并")
    assert memberships() == before
    source = Nominee.objects.get(pk=change.source_id)
    change.refresh_from_db()
    desheng.refresh_from_db()
    assert (source.state, source.merged_into, change.undone_by, desheng.state, desheng.decided_by) == (
        "active", None, admin_user, "open", None,
    )
    audit = ActivityLog.objects.get(action="nominee.undo_merge")
    assert (audit.actor, audit.subject_id, audit.reason, audit.new_value["nominations"]) == (
        admin_user, str(source.pk), "误合并", [m["nomination"] for m in change.moved],
    )
    with pytest.raises(DomainError) as undone_twice:
        services.undo_merge(change=change, actor=editor)
    assert undone_twice.value.code == "already_undone"


def test_a_merge_cannot_be_undone_while_its_target_is_merged_elsewhere(nominate, desheng, editor):
    first = services.accept_suggestion(suggestion=desheng, actor=editor)
    third = NomineeMembership.objects.get(nomination=nominate(nominee_name="王秀英", deeds="王秀英在村里义务教书法三十年。")).nominee
    services.merge_nominees(source=first.target, target=third, actor=editor, reason="test")
    with pytest.raises(DomainError) as refused:
        services.undo_merge(change=first, actor=editor)
    assert refused.value.code == "undo_later_first"


def test_split_takes_one_nomination_out_and_undo_puts_it_back(nominate, editor):
    nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    wrong = nominate(nominee_name="张桂芳", deeds=GUIFANG_WECHAT)
    original = NomineeMembership.objects.get(nomination=wrong).nominee
    before = memberships()
    change = services.split_nomination(nomination=wrong, actor=editor, reason="另一位张桂芳")
    split_off = NomineeMembership.objects.select_related("nominee").get(nomination=wrong)
    assert (change.kind, change.source, change.target, split_off.nominee, split_off.linked_by) == (
        "split", original, split_off.nominee, change.target, "editor",
    )
    remembered = MergeSuggestion.objects.get()
    assert (remembered.state, {remembered.nominee_a, remembered.nominee_b}) == ("dismissed", {original, change.target})
    assert ActivityLog.objects.filter(action="nominee.split").values_list("actor", "subject_id", "reason").get() == (
        editor.pk, str(original.pk), "另一位张桂芳",
    )
    services.undo_split(change=change, actor=editor)
    assert memberships() == before
    change.target.refresh_from_db()
    assert (change.target.state, change.target.merged_into) == ("merged", original)
    assert ActivityLog.objects.filter(action="nominee.undo_split").count() == 1
    assert every_nomination_has_one_nominee()


def test_a_lone_nomination_cannot_be_split(nominate, editor):
    lone = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    with pytest.raises(DomainError) as refused:
        services.split_nomination(nomination=lone, actor=editor)
    assert refused.value.code == "alone"


def test_dismissing_a_suggestion_is_audited_and_final(desheng, editor, nominate):
    services.dismiss_suggestion(suggestion=desheng, actor=editor, reason="不是同一人")
    nominate(nominee_name="刘德胜", area_code="shenxian", place_detail="古云镇", deeds=DESHENG_HOME + "感谢他。")
    desheng.refresh_from_db()
    assert (desheng.state, desheng.decided_by, MergeSuggestion.objects.count()) == ("dismissed", editor, 1)
    assert ActivityLog.objects.filter(action="nominee.suggestion_dismiss").values_list("actor", "reason").get() == (editor.pk, "不是同一人")
    with pytest.raises(DomainError):
        services.dismiss_suggestion(suggestion=desheng, actor=editor)


def test_viewers_cannot_merge_split_undo_or_dismiss(desheng, viewer, editor):
    change = services.accept_suggestion(suggestion=desheng, actor=editor)
    before = (memberships(), NomineeChange.objects.count(), ActivityLog.objects.count())
    nomination = NomineeMembership.objects.first().nomination
    attempts = [
        lambda: services.merge_nominees(source=desheng.nominee_a, target=desheng.nominee_b, actor=viewer),
        lambda: services.split_nomination(nomination=nomination, actor=viewer),
        lambda: services.undo_merge(change=change, actor=viewer),
        lambda: services.dismiss_suggestion(suggestion=desheng, actor=viewer),
        lambda: services.merge_nominees(source=desheng.nominee_a, target=desheng.nominee_b, actor=None),
    ]
    refused = []
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
        refused.append(True)
    assert refused == [True] * 5
    assert (memberships(), NomineeChange.objects.count(), ActivityLog.objects.count()) == before


def test_a_person_and_a_group_are_not_merged(nominate, editor):
    person = NomineeMembership.objects.get(nomination=nominate(nominee_name="王德胜", deeds="王德胜是刘集镇的村医，坚持上门换药。")).nominee
    family = NomineeMembership.objects.get(
        nomination=nominate(nominee_name="王德胜家庭", nominee_kind="group", deeds="王德胜一家三代行医，全家被评为文明家庭。")
    ).nominee
    with pytest.raises(DomainError) as refused:
        services.merge_nominees(source=family, target=person, actor=editor)
    assert (refused.value.code, Nominee.objects.filter(state="active").count()) == ("kind", 2)


def test_nominees_of_two_campaigns_are_not_merged(make_nomination, django_capture_on_commit_callbacks, editor, campaign):
    from tests.conftest import SEED_CAMPAIGN_FILE
    from xuanshu.campaigns.loader import parse_campaign
    from xuanshu.campaigns.services import load_campaign

    text = SEED_CAMPAIGN_FILE.read_text(encoding="utf-8").replace(
        'slug = "chucai-liaocheng-2024"', 'slug = "other-2025"').replace('reference_prefix = "CCLC2024"', 'reference_prefix = "OTHER2025"')
    other = load_campaign(spec=parse_campaign(text, "other.toml"), source_text=text, rehearsal=True).campaign
    with django_capture_on_commit_callbacks(execute=True):
        here = make_nomination(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
        there = make_nomination(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM, in_campaign=other)
    first, second = (NomineeMembership.objects.get(nomination=n).nominee for n in (here, there))
    assert first != second  # matching never crosses campaigns
    with pytest.raises(DomainError) as refused:
        services.merge_nominees(source=second, target=first, actor=editor)
    assert refused.value.code == "other_campaign"


def test_a_suggestion_of_a_merged_nominee_stays_with_the_nominee_it_lives_on_in(nominate, editor):
    """刘德胜 at work twice (merged by an editor) and at home: the home suggestion outlives the merge and can be accepted."""
    from xuanshu.nominations.dedup.selectors import open_suggestions

    at_work = nominate(nominee_name="刘德胜", area_code="dongchangfu", place_detail="柳园街道", deeds=DESHENG_CITY)
    at_home = nominate(nominee_name="刘德胜", area_code="shenxian", place_detail="古云镇", deeds=DESHENG_HOME)
    elsewhere = nominate(nominee_name="刘德胜", area_code="linqing", place_detail="烟店镇", deeds=DESHENG_CITY + "大家都感谢他。")
    home_nominee = NomineeMembership.objects.get(nomination=at_home).nominee
    work_nominee = NomineeMembership.objects.get(nomination=at_work).nominee
    third = NomineeMembership.objects.get(nomination=elsewhere).nominee
    home_suggestion = MergeSuggestion.objects.get(nominee_a=work_nominee, nominee_b=home_nominee)
    services.merge_nominees(source=work_nominee, target=third, actor=editor, reason="同一人")

    seen_from_third = open_suggestions(third)
    assert [(view.suggestion, view.other, view.this_nomination) for view in seen_from_third] == [(home_suggestion, home_nominee, at_work)]
    assert [(view.suggestion, view.other) for view in open_suggestions(home_nominee)] == [(home_suggestion, third)]

    change = services.accept_suggestion(suggestion=home_suggestion, actor=editor, reason="籍贯莘县")
    assert (change.source_id, change.target_id) == (home_nominee.pk, third.pk)
    assert set(NomineeMembership.objects.values_list("nominee", flat=True)) == {third.pk}
    home_suggestion.refresh_from_db()
    assert (home_suggestion.state, open_suggestions(third)) == ("merged", [])
    services.undo_merge(change=change, actor=editor)
    home_suggestion.refresh_from_db()
    assert home_suggestion.state == "open"
