"""Exports of the review queue: CSV streamed with a BOM (Excel reads it as UTF-8) and write-only XLSX.

Rows are read in chunks so a 100k-row export never sits in memory. Citizens write the deeds, so every
cell that a spreadsheet would take for a formula is neutralised: in CSV, which has no types, with a leading
apostrophe; in XLSX as a typed text cell marked "quote prefix", which Excel shows as typed and never evaluates. The export is masked as the screen is: contacts, and
resident ID, bank card, WeChat and QQ numbers in the citizen's text, unless contacts are asked for and allowed (logged).
"""
import csv
import itertools
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from xuanshu.console.forms import LOCAL_TZ
from xuanshu.console.redaction import revealed_fields
from xuanshu.core.phones import display_phone
from xuanshu.core.redaction import redact_identifiers
from xuanshu.core.services import log_contact_access
from xuanshu.nominations.models import Nomination

CHUNK_SIZE = 2000
CONTACT_FIELDS = ("nominator_phone", "nominator_email")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def column_titles() -> list[str]:
    return [
        _("Reference"), _("Campaign"), _("State"), _("Nominee"), _("Kind"), _("Category"), _("County"),
        _("Place"), _("Deeds"), _("Channel"), pgettext("time", "Received"), _("Nominator"), _("Phone"), _("E-mail"),
    ]


def without_control_characters(value: str) -> str:
    """The value without the control characters XML cannot hold (dropped from both formats, so they match)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def spreadsheet_safe(value: str) -> str:
    """A CSV cell: a would-be formula quoted with a leading apostrophe, as CSV cannot say that a cell is text."""
    return "'" + value if looks_like_formula(value) else value


def nomination_row(nomination: Nomination, *, reveal_contacts: bool) -> list[str]:
    received = timezone.localtime(nomination.received_at, LOCAL_TZ)
    text = (lambda value: value) if reveal_contacts else redact_identifiers  # contacts in the text are masked when stored
    values = [
        nomination.reference,
        str(nomination.campaign),
        nomination.get_state_display(),
        nomination.nominee_name,
        nomination.get_nominee_kind_display(),
        nomination.category.name if nomination.category else "",
        nomination.area.name if nomination.area else "",
        text(nomination.place_detail),
        text(nomination.deeds),
        nomination.get_channel_display(),
        f"{received:%Y-%m-%d %H:%M}",
        text(nomination.nominator_name),
        display_phone(nomination.nominator_phone) if reveal_contacts else nomination.masked_phone,
        nomination.nominator_email if reveal_contacts else nomination.masked_email,
    ]
    return [without_control_characters(str(value)) for value in values]


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def export_rows(queryset: QuerySet[Nomination], *, reveal_contacts: bool, user, ip_address: str | None) -> Iterator[list[str]]:
    """The title row, then one row per nomination.

    With contacts revealed, each chunk's access is logged before its rows go out, so every exported
    contact has its access row, even if the download is cut off half-way.
    """
    language = translation.get_language()  # a streamed body is produced after the view has returned

    def rows():
        with translation.override(language):
            yield column_titles()
            for chunk in _chunks(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
                if reveal_contacts:
                    by_fields: dict[tuple[str, ...], list[Nomination]] = {}
                    for nomination in chunk:
                        by_fields.setdefault(revealed_fields(nomination, CONTACT_FIELDS), []).append(nomination)
                    for fields, subjects in by_fields.items():
                        log_contact_access(
                            user=user, subjects=subjects, fields=fields, purpose="export", ip_address=ip_address,
                        )
                for nomination in chunk:
                    yield nomination_row(nomination, reveal_contacts=reveal_contacts)

    return rows()


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterable[list[str]], *, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        for row in rows:
            yield writer.writerow([spreadsheet_safe(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def text_cell(sheet, value: str) -> WriteOnlyCell:
    """A write-only text cell holding the value exactly: typed as text (never a formula or an error code), and marked
    "quote prefix" when it looks like a formula, so that editing it in Excel keeps it text too."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if looks_like_formula(value):
        cell.quotePrefix = True
    return cell


def xlsx_response(rows: Iterable[list[str]], *, filename: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Nominations"))
    for row in rows:
        sheet.append([text_cell(sheet, value) for value in row])
    spool = tempfile.TemporaryFile()
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
