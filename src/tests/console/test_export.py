"""Exports: CSV (with BOM) and XLSX hold the filtered rows, masked unless contacts are asked for and allowed."""
import csv
import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from xuanshu.core.models import ContactAccessLog
from xuanshu.nominations.services import set_nomination_state

EXPORT = reverse("console:export")
HEADER = [
    "Reference", "Campaign", "State", "Nominee", "Kind", "Category", "County", "Place", "Deeds", "Channel",
    "Received", "Nominator", "Phone", "E-mail",
]
DEEDS = "二十年如一日照顾瘫痪在床的婆婆，还常年义务为社区老人理发，街坊邻居有口皆碑。"


def parse_csv(response) -> list[list[str]]:
    assert (response.status_code, response["Content-Type"]) == (200, "text/csv; charset=utf-8")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def parse_xlsx(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [[cell.value if cell.value is not None else "" for cell in row] for row in workbook.active.iter_rows()]


PARSERS = {"csv": parse_csv, "xlsx": parse_xlsx}


def row(nomination, *, phone="138****1234", email="l***@example.com", state="Received", received="2024-05-02 00:30"):
    return [
        nomination.reference, "出彩聊城人 2024年度网络人物（团体）", state, "张桂芳", "Individual", "崇德向善好人好事",
        "东昌府区", "古楼街道", DEEDS, "Web form", received, "李明", phone, email,
    ]


@pytest.fixture
def two(nominate, editor):
    """Two nominations received at 00:30 and 00:31 local time; the later one is in review."""
    at = dt.datetime(2024, 5, 2, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    first = nominate(received_at=at)
    second = nominate(received_at=at + dt.timedelta(minutes=1))
    set_nomination_state(nomination=second, new_state="in_review", actor=editor)
    return first, second


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_holds_the_filtered_rows_with_contacts_masked(editor_client, two, kind):
    first, second = two
    everything = PARSERS[kind](editor_client.get(EXPORT, {"format": kind}))
    assert everything == [HEADER, row(second, state="In review", received="2024-05-02 00:31"), row(first)]
    filtered = PARSERS[kind](editor_client.get(EXPORT, {"format": kind, "state": "received"}))
    assert filtered == [HEADER, row(first)]
    assert ContactAccessLog.objects.count() == 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_contacts_on_request_are_unmasked_and_each_row_is_logged(editor_client, editor, two, kind, monkeypatch):
    monkeypatch.setattr("xuanshu.console.exports.CHUNK_SIZE", 1)  # several chunks, each logged
    first, second = two
    rows = PARSERS[kind](editor_client.get(EXPORT, {"format": kind, "include_contacts": "1"}, REMOTE_ADDR="10.0.0.9"))
    unmasked = {"phone": "138 1234 1234", "email": "liming@example.com"}
    assert rows == [HEADER, row(second, state="In review", received="2024-05-02 00:31", **unmasked), row(first, **unmasked)]
    logged = ContactAccessLog.objects.values_list("user", "subject_type", "subject_id", "fields", "purpose", "ip_address")
    assert sorted(logged) == sorted(
        (editor.pk, "nominations.nomination", str(n.pk), "nominator_phone,nominator_email", "export", "10.0.0.9")
        for n in (first, second)
    )


def test_contacts_stay_masked_for_a_user_who_may_not_see_them(client, exporter, two):
    client.force_login(exporter)
    rows = parse_csv(client.get(EXPORT, {"format": "csv", "include_contacts": "1"}))
    assert [r[-2:] for r in rows[1:]] == [["138****1234", "l***@example.com"]] * 2
    assert ContactAccessLog.objects.count() == 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_viewer_may_not_export(viewer_client, two, kind):
    assert viewer_client.get(EXPORT, {"format": kind}).status_code == 403


def test_unknown_format_is_refused(editor_client, db):
    assert editor_client.get(EXPORT, {"format": "pdf"}).status_code == 400


FORMULAS = {
    "nominee_name": "=HYPERLINK(\"http://evil.example\",\"点我\")",
    "deeds": "+cmd|' /C calc'!A0" + "，见义勇为" * 10,
    "place_detail": "@SUM(1+1)*cmd|' /C calc'!A0",
    "nominator_name": "-2+3+cmd|' /C calc'!A0",
}


def test_formula_injection_is_quoted_with_an_apostrophe_in_csv(editor_client, nominate):
    nominate(**FORMULAS)
    header, values = parse_csv(editor_client.get(EXPORT, {"format": "csv"}))
    cells = dict(zip(header, values))
    assert [cells["Nominee"], cells["Deeds"], cells["Place"], cells["Nominator"]] == [
        "'" + FORMULAS[name] for name in ("nominee_name", "deeds", "place_detail", "nominator_name")
    ]


def xlsx_cells(response) -> dict[str, tuple]:
    """The data row's cells by column title: (value, data type, quote prefix)."""
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, values = sheet.iter_rows()
    return {title.value: (cell.value, cell.data_type, cell.quotePrefix) for title, cell in zip(header, values)}


def test_xlsx_holds_would_be_formulas_as_typed_text_with_a_quote_prefix(editor_client, nominate):
    nominate(**FORMULAS)
    cells = xlsx_cells(editor_client.get(EXPORT, {"format": "xlsx"}))
    assert [cells[title] for title in ("Nominee", "Deeds", "Place", "Nominator", "State")] == [
        *((FORMULAS[name], "s", True) for name in ("nominee_name", "deeds", "place_detail", "nominator_name")),
        ("Received", "s", False),
    ]


def test_xlsx_sheet_has_no_formula_element(editor_client, nominate):
    nominate(**FORMULAS)
    body = b"".join(editor_client.get(EXPORT, {"format": "xlsx"}).streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert ("<f>" in sheet, "<f " in sheet, "HYPERLINK" in sheet, 'quotePrefix="1"' in styles) == (False, False, True, True)


def test_xlsx_cells_are_text_not_formulas(editor_client, nominate):
    nominate(**FORMULAS)
    response = editor_client.get(EXPORT, {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value is not None} == {"s"}


def test_control_characters_are_dropped_so_xlsx_stays_valid(editor_client, nominate):
    nominate(nominee_name="张\x0b桂芳", deeds="\x01=1+1" + "好" * 30)
    cells = xlsx_cells(editor_client.get(EXPORT, {"format": "xlsx"}))
    assert (cells["Nominee"], cells["Deeds"]) == (("张桂芳", "s", False), ("=1+1" + "好" * 30, "s", True))
    header, values = parse_csv(editor_client.get(EXPORT, {"format": "csv"}))
    assert [dict(zip(header, values))[title] for title in ("Nominee", "Deeds")] == ["张桂芳", "'=1+1" + "好" * 30]
