"""Contacts that citizens type into the text of a nomination (a phone in the deeds) are masked on every channel:
on the viewer's page, in the editor's form and in the export without contacts. The raw message keeps them."""
import csv
import importlib
import io

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse

from tests.console.test_intake_desk import call_post
from tests.public.test_nomination_form import valid_post
from xuanshu.core.models import ActivityLog
from xuanshu.intake.enums import Channel
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.services import update_nomination_fields

PHONE, EMAIL, LANDLINE = "13912345678", "zhang.secret@example.com", "0635-8459876"
MASKED_PHONE, MASKED_EMAIL, MASKED_LANDLINE = "139****5678", "z***@example.com", "0635-***9876"
DEEDS = f"田玉柱大爷三十年如一日义务清扫村里的道路，村民们都很感动。核实请打{PHONE}或{LANDLINE}，邮箱{EMAIL}。"
MASKED_DEEDS = f"田玉柱大爷三十年如一日义务清扫村里的道路，村民们都很感动。核实请打{MASKED_PHONE}或{MASKED_LANDLINE}，邮箱{MASKED_EMAIL}。"
MIGRATION = importlib.import_module("xuanshu.nominations.migrations.0004_mask_contacts_in_typed_text")


def no_contacts(text: str) -> bool:
    return not any(contact in text for contact in (PHONE, EMAIL, LANDLINE, "8459876"))


@pytest.fixture
def webform_nomination(client, campaign, django_capture_on_commit_callbacks):
    cache.clear()  # the form's rate limit
    post = valid_post(deeds=DEEDS, place_detail=f"博平镇 {EMAIL}", nominator_name=f"王小红{PHONE}")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("public:nominate", args=[campaign.slug]), post).status_code == 302
    return Nomination.objects.get(channel=Channel.WEBFORM)


@pytest.fixture
def hotline_nomination(editor_client, campaign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("console:hotline"), call_post(notes=DEEDS))
    assert response.status_code == 302
    return Nomination.objects.get(channel=Channel.HOTLINE)


@pytest.mark.parametrize("made", ["webform_nomination", "hotline_nomination"])
def test_deeds_typed_with_contacts_are_masked_and_the_raw_message_keeps_them(request, made):
    nomination = request.getfixturevalue(made)
    assert nomination.deeds == MASKED_DEEDS
    payload = nomination.inbound.payload
    assert (payload["fields"]["deeds"] if made == "webform_nomination" else payload["notes"]) == DEEDS


def test_other_text_fields_of_the_form_are_masked_too(webform_nomination):
    assert (webform_nomination.place_detail, webform_nomination.nominator_name) == (f"博平镇 {MASKED_EMAIL}", f"王小红{MASKED_PHONE}")
    assert (webform_nomination.nominator_phone, webform_nomination.nominator_email) == ("+8613812345678", "")


@pytest.mark.parametrize("made", ["webform_nomination", "hotline_nomination"])
def test_viewer_page_and_editor_form_do_not_show_the_contacts(client, viewer, editor, request, made):
    nomination = request.getfixturevalue(made)
    client.force_login(viewer)
    page = client.get(reverse("console:nomination", args=[nomination.reference])).content.decode()
    assert (no_contacts(page), MASKED_PHONE in page) == (True, True)
    client.force_login(editor)  # the editor's page holds the edit form, deeds in its textarea
    form = client.get(reverse("console:nomination", args=[nomination.reference])).content.decode()
    assert (no_contacts(form), 'name="deeds"' in form, f"{MASKED_DEEDS}</textarea>" in form) == (True, True, True)


def test_export_without_contacts_holds_no_contact_from_any_field(client, editor, webform_nomination, hotline_nomination):
    client.force_login(editor)
    response = client.get(reverse("console:export"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 3 and no_contacts(body) and "+8613812345678" not in body and "138****5678" in body


def test_an_editor_typing_a_contact_into_the_deeds_gets_it_masked(webform_nomination, editor):
    update_nomination_fields(nomination=webform_nomination, actor=editor, changes={"deeds": DEEDS + f"又及：{PHONE}"})
    webform_nomination.refresh_from_db()
    assert webform_nomination.deeds == MASKED_DEEDS + f"又及：{MASKED_PHONE}"
    edit = ActivityLog.objects.get(action="nomination.edit")
    assert edit.new_value == {"deeds": MASKED_DEEDS + f"又及：{MASKED_PHONE}"}


def test_migration_masks_existing_rows_once_and_reverses_as_a_no_op(make_nomination):
    hotline = make_nomination(channel=Channel.HOTLINE)
    webform = make_nomination(channel=Channel.WEBFORM)
    clean = make_nomination(channel=Channel.WEBFORM)
    # Rows as they were written before contacts in typed text were masked.
    Nomination.objects.filter(pk=hotline.pk).update(deeds=DEEDS, search_deeds="")
    Nomination.objects.filter(pk=webform.pk).update(deeds=DEEDS, nominator_name=f"李明{PHONE}", search_text=f"张桂芳\n李明{PHONE}\n古楼街道")
    before_clean = Nomination.objects.values().get(pk=clean.pk)

    MIGRATION.mask_contacts_in_typed_text(apps, None)
    after_first = {row["id"]: row for row in Nomination.objects.values()}
    assert (after_first[hotline.pk]["deeds"], after_first[webform.pk]["deeds"]) == (MASKED_DEEDS, MASKED_DEEDS)
    assert after_first[webform.pk]["nominator_name"] == f"李明{MASKED_PHONE}"
    assert after_first[webform.pk]["search_text"] == f"张桂芳\n李明{MASKED_PHONE}\n古楼街道"
    assert after_first[clean.pk] == before_clean
    audit = ActivityLog.objects.filter(action="nomination.mask_contacts").order_by("subject_id")
    assert [(row.subject_id, row.new_value) for row in audit] == [
        (str(hotline.pk), {"masked": ["deeds"]}), (str(webform.pk), {"masked": ["deeds", "nominator_name"]}),
    ]

    MIGRATION.mask_contacts_in_typed_text(apps, None)  # a second run changes nothing
    assert {row["id"]: row for row in Nomination.objects.values()} == after_first
    assert ActivityLog.objects.filter(action="nomination.mask_contacts").count() == 2

    operation = MIGRATION.Migration.operations[0]
    assert (operation.reversible, operation.reverse_code) == (True, operation.noop)
