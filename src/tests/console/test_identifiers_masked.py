"""Resident ID, bank card, WeChat and QQ numbers that citizens type into their text are masked in the console and its
exports until a logged reveal, while the stored text keeps them (raw first); ordinary numbers stay as written."""
import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from tests.extraction.conftest import free_text_nomination  # noqa: F401 - a fixture
from xuanshu.console.redaction import evidence_with_identifiers_masked
from xuanshu.core.models import ContactAccessLog
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import ReaderTip
from xuanshu.intake.services import process_inbound, receive_inbound
from xuanshu.nominations.models import Nomination

DEEDS = ("二十年如一日照顾瘫痪在床的婆婆。婆婆身份证370102195001011234，捐款账号6222021234567890123，联系微信号：zhang_san88。"
         "推荐编号 CCLC2024-000123，2024年5月1日捐款 100000 元。")
DEEDS_SHOWN = ("二十年如一日照顾瘫痪在床的婆婆。婆婆身份证3701**********1234，捐款账号6222***********0123，联系微信号：z*********8。"
               "推荐编号 CCLC2024-000123，2024年5月1日捐款 100000 元。")
NOMINATOR = "李明（微信号：liming_2024）"
NOMINATOR_SHOWN = "李明（微信号：l*********4）"
IN_CLEAR = ["370102195001011234", "6222021234567890123", "zhang_san88", "liming_2024"]


def url(name, nomination):
    return reverse(f"console:{name}", args=[nomination.reference])


@pytest.fixture
def nomination(nominate):
    return nominate(deeds=DEEDS, nominator_name=NOMINATOR)


def clear_numbers_in(html: str) -> list[str]:
    return [value for value in IN_CLEAR if value in html]


def test_stored_text_keeps_the_identifiers(nomination):
    nomination.refresh_from_db()
    assert (nomination.deeds, nomination.nominator_name) == (DEEDS, NOMINATOR)


def test_viewer_sees_them_masked_in_the_fields_and_the_raw_message(viewer_client, nomination):
    html = viewer_client.get(url("nomination", nomination)).content.decode()
    assert clear_numbers_in(html) == []  # nor in the raw message's submitted data
    assert f'<dd class="prewrap">{DEEDS_SHOWN}</dd>' in html
    assert f"<dd>{NOMINATOR_SHOWN}</dd>" in html
    assert "Phone numbers, e-mail addresses, resident ID and bank card numbers, WeChat and QQ ids in the raw message are masked on screen." in html


def test_editor_form_is_prefilled_masked(editor_client, nomination):
    response = editor_client.get(url("nomination", nomination))
    form = response.context["edit_form"]
    assert (form["deeds"].value(), form["nominator_name"].value(), form["place_detail"].value()) == (
        DEEDS_SHOWN, NOMINATOR_SHOWN, "古楼街道")
    assert clear_numbers_in(response.content.decode()) == []


def test_reveal_shows_them_and_logs_the_text_fields_that_hold_them(editor_client, editor, nomination):
    response = editor_client.post(url("nomination_contact", nomination), REMOTE_ADDR="10.1.2.3")
    html = response.content.decode()
    assert clear_numbers_in(html) == IN_CLEAR
    assert response.context["edit_form"]["deeds"].value() == DEEDS
    logged = ContactAccessLog.objects.filter(subject_type="nominations.nomination")
    assert list(logged.values_list("user", "subject_id", "fields", "purpose")) == [
        (editor.pk, str(nomination.pk), "nominator_phone,nominator_email,deeds,nominator_name", "detail"),
    ]


def test_reveal_of_text_without_identifiers_logs_the_contacts_only(editor_client, nominate):
    plain = nominate()
    editor_client.post(url("nomination_contact", plain))
    logged = ContactAccessLog.objects.filter(subject_type="nominations.nomination")
    assert list(logged.values_list("fields", flat=True)) == ["nominator_phone,nominator_email"]


def form_as_shown(client, nomination) -> dict:
    form = client.get(url("nomination", nomination)).context["edit_form"]
    return {field.html_name: "" if field.value() is None else field.value() for field in form}


def test_saving_the_masked_form_keeps_the_stored_identifiers(editor_client, nomination):
    data = form_as_shown(editor_client, nomination)
    assert data["deeds"] == DEEDS_SHOWN
    response = editor_client.post(url("nomination_edit", nomination), {**data, "nominee_name": "张桂芳老人"})
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert (nomination.nominee_name, nomination.deeds, nomination.nominator_name) == ("张桂芳老人", DEEDS, NOMINATOR)


def test_a_correction_of_the_masked_deeds_keeps_the_identifiers_and_the_history_masks_them(editor_client, nomination):
    data = form_as_shown(editor_client, nomination)
    corrected = DEEDS_SHOWN.replace("二十年", "二十多年")
    response = editor_client.post(url("nomination_edit", nomination), {**data, "deeds": corrected, "reason": "改正年数"})
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.deeds == DEEDS.replace("二十年", "二十多年")
    html = editor_client.get(url("nomination", nomination)).content.decode()
    assert clear_numbers_in(html) == []  # the history shows the old and new deeds masked too
    assert f'<div class="prewrap">Deeds：{DEEDS_SHOWN}</div>' in html


def test_an_identifier_deleted_in_the_form_stays_deleted(editor_client, nomination):
    data = form_as_shown(editor_client, nomination)
    editor_client.post(url("nomination_edit", nomination), {**data, "deeds": DEEDS_SHOWN.replace("，联系微信号：z*********8", "")})
    nomination.refresh_from_db()
    assert nomination.deeds == DEEDS.replace("，联系微信号：zhang_san88", "")


def test_inbound_record_is_masked_until_its_logged_reveal(editor_client, nomination):
    inbound_url = reverse("console:inbound", args=[nomination.inbound_id])
    assert clear_numbers_in(editor_client.get(inbound_url).content.decode()) == []
    revealed = editor_client.post(reverse("console:inbound_contact", args=[nomination.inbound_id])).content.decode()
    assert clear_numbers_in(revealed) == IN_CLEAR
    assert ContactAccessLog.objects.count() == 1


def test_evidence_panel_masks_them_until_the_reveal(editor_client, free_text_nomination):  # noqa: F811
    nomination = free_text_nomination("推荐出彩聊城人 推荐阳谷县的货车司机郭振海，跳进运河救起落水学生。"
                                      "他的银行卡6222021234567890123，推荐人：王立新 微信号：wanglixin_88")
    html = editor_client.get(url("nomination", nomination)).content.decode()
    evidence = html[html.index('<pre class="raw evidence-text">'):]
    evidence = evidence[:evidence.index("</pre>")]
    assert '<mark class="ev ev-contact" title="Nominator&#x27;s WeChat id" data-field="nominator.wechat_ids[0]">w**********8</mark>' in evidence
    assert [value for value in ("6222021234567890123", "wanglixin_88") if value in html] == []
    revealed = editor_client.post(url("nomination_contact", nomination)).content.decode()
    assert "6222021234567890123" in revealed and "wanglixin_88" in revealed


def test_evidence_is_masked_across_its_highlights():
    evidence = {"hits": [], "extraction": {
        "pieces": [{"text": "婆婆身份证3701021950", "kind": ""}, {"text": "01011234", "kind": "nominee"}, {"text": "。", "kind": ""}],
        "rows": [{"label": "Nominator", "value": NOMINATOR, "confidence": "0.90"}],
        "version": "rules-3", "created_at": None,
    }}
    masked = evidence_with_identifiers_masked(evidence)["extraction"]
    assert masked["pieces"] == [{"text": "婆婆身份证3701******", "kind": ""}, {"text": "****1234", "kind": "nominee"},
                                {"text": "。", "kind": ""}]
    assert masked["rows"] == [{"label": "Nominator", "value": NOMINATOR_SHOWN, "confidence": "0.90"}]
    assert evidence_with_identifiers_masked({"hits": [], "extraction": None}) == {"hits": [], "extraction": None}


# --- exports follow the screen ---------------------------------------------------------------------------------

def export(client, kind, **params):
    response = client.get(reverse("console:export"), {"format": kind, **params})
    body = b"".join(response.streaming_content)
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        rows = [[cell.value or "" for cell in row] for row in openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows()]
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_masks_them_as_the_screen_does(editor_client, nomination, kind):
    (row,) = export(editor_client, kind)
    assert (row["Deeds"], row["Nominator"], row["Place"]) == (DEEDS_SHOWN, NOMINATOR_SHOWN, "古楼街道")
    assert ContactAccessLog.objects.count() == 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_with_contacts_shows_them_and_logs_each_row_with_its_fields(editor_client, editor, nomination, nominate, kind):
    plain = nominate()
    rows = export(editor_client, kind, include_contacts="1")
    assert sorted((row["Deeds"], row["Nominator"]) for row in rows) == sorted([(DEEDS, NOMINATOR), (plain.deeds, "李明")])
    assert sorted(ContactAccessLog.objects.values_list("subject_id", "fields", "purpose")) == sorted([
        (str(nomination.pk), "nominator_phone,nominator_email,deeds,nominator_name", "export"),
        (str(plain.pk), "nominator_phone,nominator_email", "export"),
    ])


def test_export_for_a_user_who_may_not_see_contacts_stays_masked(client, exporter, nomination):
    client.force_login(exporter)
    (row,) = export(client, "csv", include_contacts="1")
    assert row["Deeds"] == DEEDS_SHOWN and ContactAccessLog.objects.count() == 0


# --- reader tips ------------------------------------------------------------------------------------------------

TIP_TEXT = "听说东阿县有位储大爷，天天给环卫工送热水，他的身份证370102195001011234，QQ 987654321，推荐编号 CCLC2024-000123"
TIP_SHOWN = "听说东阿县有位储大爷，天天给环卫工送热水，他的身份证3701**********1234，QQ 9*******1，推荐编号 CCLC2024-000123"


@pytest.fixture
def tip(campaign):
    receipt = receive_inbound(channel=Channel.HOTLINE, external_id="tip-ids", campaign=campaign, sender="+8613812345678",
                              payload={"kind": "tip", "notes": TIP_TEXT}, wants_reference=False, enqueue_processing=False)
    process_inbound(inbound_id=receipt.inbound.pk)
    return ReaderTip.objects.get()


def test_tips_are_masked_in_the_inbox_the_tip_page_and_the_convert_form(editor_client, tip):
    inbox = editor_client.get(reverse("console:tips")).content.decode()
    page = editor_client.get(reverse("console:tip", args=[tip.pk]))
    assert (tip.text, TIP_SHOWN in inbox) == (TIP_TEXT, True)
    assert f'<p class="prewrap" id="tip-text">{TIP_SHOWN}</p>' in page.content.decode()
    assert page.context["convert_form"]["deeds"].value() == TIP_SHOWN
    assert [value for value in ("370102195001011234", "987654321") if value in inbox + page.content.decode()] == []


def test_converting_the_masked_tip_stores_the_text_as_received(editor_client, tip):
    deeds = editor_client.get(reverse("console:tip", args=[tip.pk])).context["convert_form"]["deeds"].value()
    response = editor_client.post(reverse("console:tip_convert", args=[tip.pk]), {
        "nominee_name": "储大爷", "nominee_kind": "individual", "deeds": deeds,
    })
    nomination = Nomination.objects.get()
    assert (response.status_code, nomination.deeds) == (302, TIP_TEXT)
