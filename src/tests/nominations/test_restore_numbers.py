"""Numbers stored masked by older rules (`python -m xuanshu repair-stored-numbers`): before resident ID, bank card and
QQ numbers were kept whole in stored text, they were masked in part as phone numbers (6222 021* **** 7890). They are
put back from the raw message, and nothing else: phones stay masked, an editor's text is left alone, a text that no
longer lines up with its raw message is left alone, each change is audited."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.public.test_nomination_form import nominate_url, valid_post
from xuanshu.core.models import ActivityLog
from xuanshu.core.redaction import numbers_restored, redact_contacts
from xuanshu.intake.enums import Channel
from xuanshu.intake.services import apply_interpretation, keep_reader_tip, receive_inbound
from xuanshu.nominations.extraction import draft_from_text
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.services import convert_tip_to_nomination, restore_numbers_from_raw, update_nomination_fields

pytestmark = pytest.mark.django_db

DEEDS = (
    "她为婆婆治病四处借钱，捐款请打到 6222 0212 3456 7890。婆婆身份证 371502 19850101 123X，QQ：12345678，"
    "13812345678是她儿子的电话，家里电话 8451234。"
)
# What the storage made of it before session 7 (redact_contacts): the card, the ID and the QQ number in part masked.
OLD_DEEDS = (
    "她为婆婆治病四处借钱，捐款请打到 6222 021* **** 7890。婆婆身份证 371502 ****0101 123X，QQ：****5678，"
    "138****5678是她儿子的电话，家里电话 ***1234。"
)
DEEDS_NOW = (
    "她为婆婆治病四处借钱，捐款请打到 6222 0212 3456 7890。婆婆身份证 371502 19850101 123X，QQ：12345678，"
    "138****5678是她儿子的电话，家里电话 ***1234。"
)
PLACE, OLD_PLACE = "博平镇，扣扣 87654321", "博平镇，扣扣 ****4321"


def test_the_old_storage_is_what_these_tests_say():
    assert (redact_contacts(DEEDS), redact_contacts(PLACE)) == (OLD_DEEDS, OLD_PLACE)


@pytest.mark.parametrize(
    ("stored", "text", "restored"),
    [
        (OLD_DEEDS, DEEDS, (DEEDS_NOW, 3)),
        ("电话 ****5678", "电话 12345678", ("电话 ****5678", 0)),  # no QQ label: a local phone number, still masked
        (DEEDS_NOW, DEEDS, (DEEDS_NOW, 0)),  # already whole
        # An older phone rule left a number alone that is masked now: only the card is put back, the rest stays as stored.
        (
            "卡 6222 021* **** 7890，电话 0635 845 1234",
            "卡 6222 0212 3456 7890，电话 0635 845 1234",
            ("卡 6222 0212 3456 7890，电话 0635 845 1234", 1),
        ),
        # Not made from this text: nothing is trusted to line up.
        (OLD_DEEDS.replace("婆婆治病", "公公治病"), DEEDS, None),
        (OLD_DEEDS + "又及", DEEDS, None),
    ],
)
def test_numbers_are_put_back_only_where_the_stored_text_lines_up_with_its_source(stored, text, restored):
    assert numbers_restored(stored, text) == restored


@pytest.fixture
def webform_nomination(client, campaign, django_capture_on_commit_callbacks):
    """A web-form nomination as it was stored before session 7: its text masked by the older rules."""

    def make(token="a1b2c3d4"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(nominate_url(campaign), valid_post(token=token, deeds=DEEDS, place_detail=PLACE))
        assert response.status_code == 302
        nomination = Nomination.objects.get(inbound__external_id__startswith=token)
        Nomination.objects.filter(pk=nomination.pk).update(deeds=OLD_DEEDS, place_detail=OLD_PLACE)
        nomination.refresh_from_db()
        return nomination

    return make


def restore_audit() -> list[tuple]:
    return list(
        ActivityLog.objects.filter(action="nomination.restore_numbers")
        .order_by("id")
        .values_list("subject_id", "actor", "actor_label", "old_value", "new_value")
    )


def test_a_web_form_nominations_numbers_are_put_back_from_its_post_and_audited(webform_nomination):
    nomination = webform_nomination()
    outcome = restore_numbers_from_raw(nomination_id=nomination.pk)
    assert (outcome.restored, outcome.kept_for_editors, outcome.not_lined_up, outcome.no_raw_text) == (
        {"place_detail": 1, "deeds": 3},
        (),
        (),
        False,
    )
    nomination.refresh_from_db()
    assert (nomination.deeds, nomination.place_detail) == (DEEDS_NOW, PLACE)
    assert "3456" in nomination.search_deeds  # the search columns follow the text
    assert restore_audit() == [
        (
            str(nomination.pk),
            None,
            "repair-stored-numbers",
            {"place_detail": OLD_PLACE, "deeds": OLD_DEEDS},
            {"place_detail": PLACE, "deeds": DEEDS_NOW},
        )
    ]
    again = restore_numbers_from_raw(nomination_id=nomination.pk)
    assert (again.restored, len(restore_audit())) == ({}, 1)


def test_a_field_an_editor_corrected_is_left_alone(webform_nomination, editor):
    nomination = webform_nomination()
    # The editor hid the card's middle on purpose: the text lines up with the post, and still is the editor's.
    hidden = DEEDS_NOW.replace("6222 0212 3456 7890", "6222 **** **** 7890")
    update_nomination_fields(nomination=nomination, actor=editor, changes={"deeds": hidden})
    outcome = restore_numbers_from_raw(nomination_id=nomination.pk)
    assert (outcome.restored, outcome.kept_for_editors) == ({"place_detail": 1}, ("deeds",))
    nomination.refresh_from_db()
    assert (nomination.deeds, nomination.place_detail) == (hidden, PLACE)


def test_a_text_that_no_longer_lines_up_with_its_post_is_left_alone(webform_nomination):
    nomination = webform_nomination()
    Nomination.objects.filter(pk=nomination.pk).update(deeds=OLD_DEEDS.replace("四处借钱", "到处借钱"))
    outcome = restore_numbers_from_raw(nomination_id=nomination.pk)
    assert (outcome.restored, outcome.not_lined_up) == ({"place_detail": 1}, ("deeds",))
    assert Nomination.objects.get(pk=nomination.pk).deeds == OLD_DEEDS.replace("四处借钱", "到处借钱")


def _received(campaign, text: str, external_id: str):
    return receive_inbound(
        channel=Channel.API, external_id=external_id, campaign=campaign, raw_body=text.encode(), enqueue_processing=False
    ).inbound


def test_a_free_text_messages_deeds_are_put_back_from_the_channels_reading(campaign, django_capture_on_commit_callbacks):
    text = f"推荐出彩聊城人 被推荐人：刘秀珍 冠县清泉街道 事迹：{DEEDS}"
    inbound = _received(campaign, text, "restore-free-text")
    with django_capture_on_commit_callbacks(execute=True):
        apply_interpretation(inbound=inbound, interpretation=draft_from_text(text=text, campaign=campaign))
    nomination = Nomination.objects.get(inbound=inbound)
    stored = nomination.deeds
    Nomination.objects.filter(pk=nomination.pk).update(deeds=redact_contacts(text))
    outcome = restore_numbers_from_raw(nomination_id=nomination.pk)
    assert (outcome.restored, Nomination.objects.get(pk=nomination.pk).deeds) == ({"deeds": 3}, stored)
    assert stored == f"推荐出彩聊城人 被推荐人：刘秀珍 冠县清泉街道 事迹：{DEEDS_NOW}"


def test_a_converted_tip_is_the_editors_text(campaign, editor, django_capture_on_commit_callbacks):
    inbound = _received(campaign, DEEDS, "restore-tip")
    with transaction.atomic():
        tip = keep_reader_tip(inbound=inbound, text=DEEDS)
    with django_capture_on_commit_callbacks(execute=True):
        nomination = convert_tip_to_nomination(tip=tip, actor=editor, draft=draft_from_text(text=DEEDS, campaign=campaign))
    Nomination.objects.filter(pk=nomination.pk).update(deeds=OLD_DEEDS)
    outcome = restore_numbers_from_raw(nomination_id=nomination.pk)
    assert (outcome.restored, outcome.kept_for_editors, Nomination.objects.get(pk=nomination.pk).deeds) == (
        {},
        ("deeds",),
        OLD_DEEDS,
    )


def test_a_nomination_whose_raw_message_gives_no_text_is_counted(make_nomination):
    nomination = make_nomination(deeds=DEEDS)  # the test fixture's post has no "fields": no channel reads it
    Nomination.objects.filter(pk=nomination.pk).update(deeds=OLD_DEEDS)
    outcome = restore_numbers_from_raw(nomination_id=nomination.pk)
    assert (outcome.restored, outcome.no_raw_text, Nomination.objects.get(pk=nomination.pk).deeds) == ({}, True, OLD_DEEDS)


def test_the_command_reports_in_chinese_dry_run_first(webform_nomination, editor, campaign):
    first, second = webform_nomination("a1b2c3d4"), webform_nomination("e5f6a7b8")
    update_nomination_fields(nomination=second, actor=editor, changes={"place_detail": OLD_PLACE + "东"})

    out = io.StringIO()
    call_command("repair-stored-numbers", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        "有 2 条推荐的已保存文本中有被遮盖的数字，现与其原始消息比对（试运行：不保存任何改动）。",
        "将恢复 2 条推荐中的 7 个号码（地点 1，主要事迹 6）。",
        "保持不变的字段（由编辑填写或更正）：1 个。",
        "保持不变的字段（与原始消息的差别不止于被遮盖的数字）：0 个。",
        "原始消息中没有可比对文本的推荐：0 条。",
    ]
    assert (Nomination.objects.get(pk=first.pk).deeds, restore_audit()) == (OLD_DEEDS, [])

    out = io.StringIO()
    call_command("repair-stored-numbers", "--campaign", campaign.slug, stdout=out)
    assert out.getvalue().splitlines()[1] == "已恢复 2 条推荐中的 7 个号码（地点 1，主要事迹 6）。"
    texts = dict(Nomination.objects.values_list("pk", "deeds"))
    assert (texts[first.pk], texts[second.pk], len(restore_audit())) == (DEEDS_NOW, DEEDS_NOW, 2)
    assert Nomination.objects.get(pk=second.pk).place_detail == OLD_PLACE + "东"

    out = io.StringIO()
    call_command("repair-stored-numbers", stdout=out)  # phones stay masked: still compared, nothing left to put back
    assert out.getvalue().splitlines()[1] == "已恢复 0 条推荐中的 0 个号码（-）。"


def test_the_command_refuses_an_unknown_campaign_in_chinese():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有标识为 nope 的推选活动。"):
        call_command("repair-stored-numbers", "--campaign", "nope")
