"""import-mail: .eml files, folders, mbox files; duplicates and failures counted; the progress bar."""
import datetime as dt
import io
import mailbox

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from tests.intake.email import mails
from xuanshu.intake.channels.email.adapter import mail_text
from xuanshu.intake.channels.email.decode import parse_mail
from xuanshu.intake.channels.email.importing import ProgressBar
from xuanshu.intake.models import InboundMessage

pytestmark = pytest.mark.django_db


def import_mail(*args: str, capture=None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        if capture is None:
            call_command("import-mail", *args, stdout=out, stderr=err)
        else:
            with capture(execute=True):
                call_command("import-mail", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_mbox(path, *messages: bytes) -> None:
    box = mailbox.mbox(path)
    try:
        for raw in messages:
            box.add(raw)
        box.flush()
    finally:
        box.close()


def stored_ids() -> list[str]:
    return list(InboundMessage.objects.order_by("id").values_list("external_id", flat=True))


def test_eml_files_are_imported_raw_and_processed(campaign, tmp_path, django_capture_on_commit_callbacks):
    for n, case in enumerate((mails.GB2312_BASE64, mails.BIG5_QP), start=1):
        (tmp_path / f"{n}.eml").write_bytes(case.raw)
    files = sorted(str(path) for path in tmp_path.iterdir())
    assert import_mail(*files, capture=django_capture_on_commit_callbacks) == ("imported: 2, duplicates: 0, failed: 0\n", "")
    stored = {bytes(m.raw_body): m for m in InboundMessage.objects.all()}
    assert sorted((m.status, m.nomination.reference, mail_text(parse_mail(raw))) for raw, m in stored.items()) == sorted([
        ("processed", "CCLC2024-000001", f"{mails.GB2312_BASE64.subject}\n\n{mails.GB2312_BASE64.text}"),
        ("processed", "CCLC2024-000002", f"{mails.BIG5_QP.subject}\n\n{mails.BIG5_QP.text}"),
    ])
    assert set(stored) == {mails.GB2312_BASE64.raw, mails.BIG5_QP.raw}


def test_a_folder_with_subfolders_and_an_mbox_and_a_second_run(campaign, tmp_path):
    (tmp_path / "2024" / "03").mkdir(parents=True)
    (tmp_path / "2024" / "03" / "a.eml").write_bytes(mails.simple("folder-a"))
    (tmp_path / "b.EML").write_bytes(mails.simple("folder-b"))
    (tmp_path / "notes.txt").write_text("not mail")  # neither .eml nor mbox: not looked at
    write_mbox(tmp_path / "export.mbox", mails.simple("folder-c"), mails.simple("folder-d"))
    assert import_mail(str(tmp_path)) == ("imported: 4, duplicates: 0, failed: 0\n", "")
    assert stored_ids() == [f"<folder-{x}@mail.example.cn>" for x in ("a", "b", "c", "d")]
    # Running it again (or overlapping exports) stores nothing twice.
    assert import_mail(str(tmp_path)) == ("imported: 0, duplicates: 4, failed: 0\n", "")


def test_an_mbox_file_given_directly_with_a_message_lacking_a_message_id(campaign, tmp_path):
    write_mbox(tmp_path / "Inbox", mails.simple("mbox-1"), mails.TIP_WITHOUT_ID.raw, mails.simple("mbox-1"))
    assert import_mail(str(tmp_path / "Inbox")) == ("imported: 2, duplicates: 1, failed: 0\n", "")
    ids = stored_ids()
    assert (ids[0], ids[1].startswith("sha256:"), len(ids)) == ("<mbox-1@mail.example.cn>", True, 2)
    # The mbox "From " line is not part of the message: what we store starts with the message's own headers.
    assert bytes(InboundMessage.objects.get(external_id=ids[1]).raw_body).startswith(b"From: reader@qq.com\r\n")


def test_missing_and_empty_files_are_failures_not_crashes(campaign, tmp_path):
    (tmp_path / "empty.eml").write_bytes(b"")
    (tmp_path / "good.eml").write_bytes(mails.simple("good"))
    out, err = import_mail(str(tmp_path / "missing.eml"), str(tmp_path / "empty.eml"), str(tmp_path / "good.eml"))
    assert out == "imported: 1, duplicates: 0, failed: 2\n"
    assert err.splitlines() == [f"failed: {tmp_path / 'missing.eml'}: no such file or folder", f"failed: {tmp_path / 'empty.eml'}: empty file"]


def test_the_campaign_must_be_named_when_there_are_several(campaign, tmp_path):
    from xuanshu.campaigns.models import Campaign

    Campaign.objects.create(slug="other", name="x", year=2025, edition="x", organiser="x", undertaker="x", reference_prefix="OTH",
                            keyword="x", eligibility="x", privacy_notice="x")
    (tmp_path / "a.eml").write_bytes(mails.simple("choose"))
    with translation.override("en"), pytest.raises(CommandError, match=r"^Name the campaign with --campaign SLUG\.$"):
        call_command("import-mail", str(tmp_path / "a.eml"))
    assert import_mail(str(tmp_path / "a.eml"), "--campaign", "other") == ("imported: 1, duplicates: 0, failed: 0\n", "")
    assert InboundMessage.objects.get().campaign.slug == "other"


def test_progress_bar_on_request(campaign, tmp_path):
    for n in range(3):
        (tmp_path / f"{n}.eml").write_bytes(mails.simple(f"progress-{n}"))
    out, err = import_mail(str(tmp_path), "--progress")
    assert out == "imported: 3, duplicates: 0, failed: 0\n"
    assert err == ("\r[##########....................] 1/3  33%"
                   "\r[####################..........] 2/3  66%"
                   "\r[##############################] 3/3 100%\n")


def test_progress_bar_stays_off_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    bar = ProgressBar(5, stream=stream)
    bar.update(5)
    assert (bar.enabled, stream.getvalue()) == (False, "")


def test_hostile_bytes_are_stored_unchanged_and_read_safely(campaign, tmp_path, django_capture_on_commit_callbacks):
    # NUL bytes in headers and body: PostgreSQL refuses NUL in text, so none may reach a text column.
    raw = mails.message([("From", b"evil\x00@163.com"), ("Subject", "读者来信\x00".encode()), ("Message-ID", b"<nul\x00id@x>")],
                        "正文\x00".encode() + b"\xff\xfe\r\n")
    (tmp_path / "nul.eml").write_bytes(raw)
    assert import_mail(str(tmp_path / "nul.eml"), capture=django_capture_on_commit_callbacks)[0] == (
        "imported: 1, duplicates: 0, failed: 0\n")
    inbound = InboundMessage.objects.get()
    assert (bytes(inbound.raw_body), inbound.external_id, inbound.sender, inbound.status, inbound.tip.text) == (
        raw, "<nulid@x>", "evil@163.com", "processed", "读者来信\n\n正文\ufffd\ufffd",  # \xff\xfe is invalid in every charset
    )


def test_the_date_header_is_the_receipt_time_unless_it_lies_about_the_future(campaign, tmp_path):
    (tmp_path / "dated.eml").write_bytes(mails.simple("dated"))  # Date: Mon, 04 Mar 2024 09:15:00 +0800
    (tmp_path / "future.eml").write_bytes(mails.simple("future").replace(b"Mon, 04 Mar 2024", b"Fri, 01 Jan 2100"))
    before = timezone.now()
    import_mail(str(tmp_path))
    received = dict(InboundMessage.objects.values_list("external_id", "received_at"))
    assert received["<dated@mail.example.cn>"] == dt.datetime(2024, 3, 4, 1, 15, tzinfo=dt.UTC)
    assert before <= received["<future@mail.example.cn>"] <= timezone.now()
