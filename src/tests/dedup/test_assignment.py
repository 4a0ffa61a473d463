"""The pipeline: each new nomination is linked to its nominee after commit, idempotently; edits re-run it."""
import pytest

from tests.dedup.conftest import DESHENG_CITY, DESHENG_HOME, GUIFANG_WEBFORM, GUIFANG_WECHAT, WEI_DONATES, WEI_FACTORY
from xuanshu.core.models import ActivityLog
from xuanshu.intake.enums import Channel
from xuanshu.nominations.dedup import services
from xuanshu.nominations.dedup.models import MergeSuggestion, Nominee, NomineeMembership
from xuanshu.nominations.dedup.selectors import nominee_summary
from xuanshu.nominations.dedup.tasks import assign_nominee_task

pytestmark = pytest.mark.django_db


def codes(reasons):
    return [reason["code"] for reason in reasons]


def nominee_actions():
    return list(ActivityLog.objects.filter(subject_type="dedup.nominee").order_by("id").values_list("action", "subject_id"))


def test_a_first_nomination_gets_a_new_nominee(nominate):
    nomination = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    membership = NomineeMembership.objects.select_related("nominee").get(nomination=nomination)
    nominee = membership.nominee
    assert (nominee.name, nominee.kind, nominee.area.code, nominee.state) == ("张桂芳", "individual", "dongchangfu", "active")
    assert (membership.linked_by, membership.score, membership.reasons, membership.block_key) == ("new", None, [], "p:zan gui fan")
    assert nominee_actions() == [("nominee.create", str(nominee.pk))]


def test_the_same_person_from_another_channel_joins_automatically_with_its_reasons(nominate):
    first = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM, channel=Channel.WEBFORM)
    second = nominate(nominee_name="張桂芳", deeds=GUIFANG_WECHAT, channel=Channel.WECHAT, place_detail="古楼街道光明社区")
    link = NomineeMembership.objects.get(nomination=second)
    nominee = first.nominee_membership.nominee
    assert link.nominee == nominee
    assert (link.linked_by, link.score >= 80) == ("auto", True)
    assert codes(link.reasons) == ["same_name", "name_written_differently", "same_county", "same_town", "similar_deeds"]
    audit = ActivityLog.objects.get(action="nominee.auto_link")
    assert (audit.subject_id, audit.actor, audit.actor_label, audit.new_value["nomination"], audit.new_value["matched"],
            audit.new_value["score"]) == (str(nominee.pk), None, "dedup", second.reference, first.reference, link.score)
    assert audit.reason.startswith("same_name, name_written_differently, same_county, same_town, similar_deeds ")
    summary = nominee_summary(nominee)
    assert (summary.count, [(c.channel, c.count) for c in summary.channels], summary.first_at, summary.latest_at) == (
        2, [("webform", 1), ("wechat", 1)], first.received_at, second.received_at,
    )


def test_namesakes_in_other_counties_doing_other_things_stay_apart_without_a_suggestion(nominate):
    one = nominate(nominee_name="张伟", area_code="dongchangfu", place_detail="柳园街道", deeds=WEI_DONATES)
    other = nominate(nominee_name="张伟", area_code="linqing", place_detail="烟店镇", deeds=WEI_FACTORY)
    assert one.nominee_membership.nominee != NomineeMembership.objects.get(nomination=other).nominee
    assert (Nominee.objects.count(), MergeSuggestion.objects.count()) == (2, 0)


def test_a_grey_zone_match_becomes_a_suggestion_with_score_and_reasons(nominate):
    at_work = nominate(nominee_name="刘德胜", area_code="dongchangfu", place_detail="", deeds=DESHENG_CITY)
    home = nominate(nominee_name="刘德胜", area_code="shenxian", place_detail="古云镇", deeds=DESHENG_HOME)
    first, second = at_work.nominee_membership.nominee, NomineeMembership.objects.get(nomination=home).nominee
    suggestion = MergeSuggestion.objects.get()
    assert first != second
    assert (suggestion.nominee_a, suggestion.nominee_b, suggestion.nomination_a, suggestion.nomination_b, suggestion.state) == (
        first, second, at_work, home, "open",
    )
    assert 60 <= suggestion.score < 80
    assert codes(suggestion.reasons) == ["same_name", "different_county", "similar_deeds"]


def test_assignment_is_idempotent(nominate):
    first = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    second = nominate(nominee_name="张桂芳", deeds=GUIFANG_WECHAT)
    before = (list(NomineeMembership.objects.values_list("nomination", "nominee", "linked_by", "score")), nominee_actions())
    again = [services.assign_nominee(nomination_id=n.pk) for n in (first, second)]
    assign_nominee_task(second.pk)
    after = (list(NomineeMembership.objects.values_list("nomination", "nominee", "linked_by", "score")), nominee_actions())
    assert [a.outcome for a in again] == ["unchanged", "unchanged"]
    assert after == before
    assert Nominee.objects.count() == 1


def test_a_nomination_without_a_name_waits_until_an_editor_names_it(nominate, edit, editor):
    nomination = nominate(nominee_name="", deeds=GUIFANG_WEBFORM)
    assert (NomineeMembership.objects.count(), services.assign_nominee(nomination_id=nomination.pk).outcome) == (0, "unnamed")
    edit(nomination, editor, nominee_name="张桂芳")
    membership = NomineeMembership.objects.get(nomination=nomination)
    assert (membership.nominee.name, membership.linked_by) == ("张桂芳", "new")


def test_correcting_a_name_moves_the_nomination_to_the_right_nominee(nominate, edit, editor):
    guifang = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    typo = nominate(nominee_name="张桂芳", deeds=GUIFANG_WECHAT)
    assert NomineeMembership.objects.get(nomination=typo).nominee == guifang.nominee_membership.nominee
    edit(typo, editor, nominee_name="王秀英", deeds="王秀英三十年如一日在村里义务教孩子们写毛笔字，分文不取。")
    moved = NomineeMembership.objects.select_related("nominee").get(nomination=typo)
    assert (moved.nominee.name, moved.linked_by) == ("王秀英", "new")
    assert nominee_summary(guifang.nominee_membership.nominee).count == 1


def test_correcting_a_name_into_a_known_nominee_joins_it(nominate, edit, editor):
    guifang = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    misread = nominate(nominee_name="张贵", deeds=GUIFANG_WECHAT)
    lonely = NomineeMembership.objects.get(nomination=misread).nominee
    edit(misread, editor, nominee_name="张桂芳")
    lonely.refresh_from_db()
    assert NomineeMembership.objects.get(nomination=misread).nominee == guifang.nominee_membership.nominee
    assert (lonely.state, lonely.merged_into) == ("merged", guifang.nominee_membership.nominee)


def test_an_editors_link_stands_when_the_nomination_is_edited(nominate, edit, editor):
    nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    other = nominate(nominee_name="张桂芳", deeds=GUIFANG_WECHAT)
    change = services.split_nomination(nomination=other, actor=editor)
    edit(other, editor, place_detail="古楼街道光明社区")
    assert NomineeMembership.objects.get(nomination=other).nominee == change.target


def test_edits_that_do_not_touch_the_nominee_do_not_reassess(nominate, edit, editor, monkeypatch):
    nomination = nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM)
    calls = []
    monkeypatch.setattr(services, "assign_nominee", lambda **kwargs: calls.append(kwargs))
    edit(nomination, editor, nominator_name="王小明")
    assert calls == []


def test_a_failing_assignment_never_fails_the_nomination(make_nomination, django_capture_on_commit_callbacks, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "assign_nominee", broken)
    with django_capture_on_commit_callbacks(execute=True):
        nomination = make_nomination(nominee_name="张桂芳")
    assert (nomination.pk is not None, NomineeMembership.objects.count()) == (True, 0)


def test_a_pinyin_name_read_the_other_way_is_found_in_the_database_in_both_directions(nominate):
    # Stored under its own block (wang li), the pinyin name is still found by 李旺 (li wang), and the other way round.
    deeds = "二十年如一日照顾瘫痪在床的婆婆，还常年义务为社区老人理发。"
    pinyin_first = nominate(nominee_name="Wang Li", deeds=deeds)
    characters = nominate(nominee_name="李旺", deeds=deeds)
    characters_first = nominate(nominee_name="赵旺", deeds=deeds)
    pinyin = nominate(nominee_name="Wang Zhao", deeds=deeds)
    suggested = {
        frozenset((s.nomination_a_id, s.nomination_b_id)): (s.score, codes(s.reasons)[0])
        for s in MergeSuggestion.objects.all()
    }
    assert suggested == {
        frozenset((pinyin_first.pk, characters.pk)): (90, "pinyin_name_reordered"),
        frozenset((characters_first.pk, pinyin.pk)): (90, "pinyin_name_reordered"),
    }
    assert NomineeMembership.objects.filter(linked_by="auto").count() == 0
