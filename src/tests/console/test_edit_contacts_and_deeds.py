"""Editing a nomination: a wrong contact can be cleared (audited masked), and deeds are capped with a plain message."""
import pytest
from django.urls import reverse

from tests.console.test_nomination_detail import edit_data, url
from xuanshu.core.errors import DomainError
from xuanshu.core.models import ActivityLog
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import ReaderTip
from xuanshu.intake.services import process_inbound, receive_inbound
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.services import EDITED_DEEDS_MAX_CHARS, update_nomination_fields

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def nomination(nominate):
    return nominate()  # phone +8613812341234, e-mail liming@example.com


def contacts(nomination):
    nomination.refresh_from_db()
    return nomination.nominator_phone, nomination.nominator_email


def edit_rows():
    return list(ActivityLog.objects.filter(action="nomination.edit").values_list("old_value", "new_value", "reason"))


@pytest.mark.parametrize(("box", "left", "old", "new"), [
    ("clear_nominator_phone", ("", "liming@example.com"), {"nominator_phone": "138****1234"}, {"nominator_phone": ""}),
    ("clear_nominator_email", ("+8613812341234", ""), {"nominator_email": "l***@example.com"}, {"nominator_email": ""}),
])
def test_an_editor_clears_a_wrong_contact_and_the_audit_keeps_it_masked(editor_client, nomination, box, left, old, new):
    response = editor_client.post(url("nomination_edit", nomination), edit_data(nomination, **{box: "on", "reason": "推荐人说不是他的"}))
    assert (response.status_code, contacts(nomination), edit_rows()) == (302, left, [(old, new, "推荐人说不是他的")])
    history = editor_client.get(url("nomination", nomination)).context["activity"][0]
    assert [(item.label, item.value) for item in history.before + history.after] == [
        (label, value) for label in ["Nominator's phone" if "phone" in box else "Nominator's e-mail"]
        for value in [*old.values(), "(empty)"]
    ]


def test_both_contacts_can_be_cleared_in_one_save(editor_client, nomination):
    data = edit_data(nomination, clear_nominator_phone="on", clear_nominator_email="on")
    assert editor_client.post(url("nomination_edit", nomination), data).status_code == 302
    assert (contacts(nomination), edit_rows()) == (("", ""), [(
        {"nominator_phone": "138****1234", "nominator_email": "l***@example.com"},
        {"nominator_phone": "", "nominator_email": ""}, "",
    )])


def test_a_new_contact_and_the_clear_box_together_are_refused(editor_client, nomination):
    data = edit_data(nomination, nominator_phone="139 8765 4321", clear_nominator_phone="on")
    response = editor_client.post(url("nomination_edit", nomination), data, **ZH)
    assert (response.status_code, response.context["edit_form"].errors["nominator_phone"]) == (
        400, ["请填写新的联系方式，或勾选“清除此联系方式”，二者只能选一。"],
    )
    assert (contacts(nomination), edit_rows()) == (("+8613812341234", "liming@example.com"), [])


def test_an_empty_contact_field_without_the_box_still_keeps_the_contact(editor_client, nomination):
    response = editor_client.post(url("nomination_edit", nomination), edit_data(nomination, nominee_name="张桂芬"))
    assert (response.status_code, contacts(nomination)) == (302, ("+8613812341234", "liming@example.com"))


def test_the_clear_box_is_offered_only_for_a_contact_there_is(editor_client, nominate):
    nomination = nominate(nominator_email="")
    response = editor_client.get(url("nomination", nomination), **ZH)
    form, html = response.context["edit_form"], response.content.decode()
    assert (("clear_nominator_phone" in form.fields), ("clear_nominator_email" in form.fields)) == (True, False)
    assert '<input type="checkbox" name="clear_nominator_phone" id="id_clear_nominator_phone"> 清除此联系方式</label>' in html
    # A stale page's box for a contact that is gone changes nothing.
    response = editor_client.post(url("nomination_edit", nomination), edit_data(nomination, clear_nominator_email="on"))
    assert (response.status_code, edit_rows()) == (302, [])


def test_deeds_longer_than_the_cap_are_refused_in_plain_chinese(editor_client, nomination):
    response = editor_client.post(url("nomination_edit", nomination), edit_data(nomination, deeds="事" * 200_000), **ZH)
    assert (response.status_code, response.context["edit_form"].errors["deeds"]) == (400, ["请删减到10000字以内（目前200000字）。"])
    unchanged = Nomination.objects.get(pk=nomination.pk)
    assert (unchanged.deeds, edit_rows()) == (nomination.deeds, [])


def test_deeds_up_to_the_cap_are_saved_and_a_line_break_counts_once(editor_client, nomination):
    at_cap = "事" * EDITED_DEEDS_MAX_CHARS
    crlf = "\r\n".join(["事事事事"] * 2000)  # 11,998 characters as the browser sends them, 9,999 as stored
    for deeds, stored in [(at_cap, at_cap), (crlf, crlf.replace("\r\n", "\n"))]:
        response = editor_client.post(url("nomination_edit", nomination), edit_data(nomination, deeds=deeds))
        nomination.refresh_from_db()
        assert (response.status_code, nomination.deeds == stored) == (302, True)


def test_deeds_that_came_longer_by_e_mail_can_be_corrected_or_shortened_but_not_lengthened(editor_client, nominate):
    nomination = nominate(channel=Channel.EMAIL, deeds="转发的长邮件。" * 2000)  # 14,000 characters: e-mail has no limit
    renamed = editor_client.post(url("nomination_edit", nomination), edit_data(nomination, nominee_name="张桂芬"))
    nomination.refresh_from_db()
    corrected = editor_client.post(url("nomination_edit", nomination), edit_data(nomination, deeds="转发的长邮件！" * 2000))
    longer = editor_client.post(url("nomination_edit", nomination), edit_data(nomination, deeds="转发的长邮件！" * 2000 + "补充"), **ZH)
    assert (renamed.status_code, corrected.status_code, longer.status_code) == (302, 302, 400)
    assert longer.context["edit_form"].errors["deeds"] == ["请删减到14000字以内（目前14002字）。"]
    shortened = editor_client.post(url("nomination_edit", nomination), edit_data(nomination, deeds="转发的长邮件！" * 100))
    nomination.refresh_from_db()
    assert (shortened.status_code, nomination.nominee_name, nomination.deeds) == (302, "张桂芬", "转发的长邮件！" * 100)


def test_the_service_refuses_over_long_deeds_too(editor, nomination):
    with pytest.raises(DomainError) as refused:
        update_nomination_fields(nomination=nomination, actor=editor, changes={"deeds": "事" * (EDITED_DEEDS_MAX_CHARS + 1)})
    assert (refused.value.code, Nomination.objects.get(pk=nomination.pk).deeds) == ("deeds_too_long", nomination.deeds)


def test_a_tip_converted_keeps_its_long_text_but_an_editor_cannot_add_past_the_cap(editor_client, campaign):
    text = "邮件里说东阿县有位储大爷天天给环卫工送热水。" * 600  # 13,200 characters
    receipt = receive_inbound(channel=Channel.HOTLINE, external_id="long-tip", campaign=campaign, sender="+8613812345678",
                              payload={"kind": "tip", "notes": text}, wants_reference=False, enqueue_processing=False)
    process_inbound(inbound_id=receipt.inbound.pk)
    tip = ReaderTip.objects.get()
    convert = reverse("console:tip_convert", args=[tip.pk])
    padded = editor_client.post(convert, {"nominee_name": "储大爷", "nominee_kind": "individual", "deeds": text + "补充"}, **ZH)
    assert (padded.status_code, padded.context["convert_form"].errors["deeds"]) == (400, ["请删减到13200字以内（目前13202字）。"])
    kept = editor_client.post(convert, {"nominee_name": "储大爷", "nominee_kind": "individual", "deeds": text})
    assert (kept.status_code, Nomination.objects.get().deeds) == (302, text)
