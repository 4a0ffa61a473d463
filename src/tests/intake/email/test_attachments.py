"""Files of an e-mail: iPhone HEIC photos are kept (re-encoded), and a file that cannot be used is recorded with
its reason while the raw message keeps it. No Dovecot here: the mails are received the way fetch-mail hands them over.

The HEIC files are written by libheif (through pillow-heif) in the test, as an iPhone's Mail app attaches them:
`image/heic` with the name IMG_nnnn.HEIC, or `application/octet-stream` from mailers that do not know the type.
"""
import hashlib
import logging

import pytest
from django.utils import timezone

from tests.helpers import heic_bytes, jpeg_bytes
from tests.intake.email.mails import DEEDS, b64, envelope, message, word
from xuanshu.core.logs import RedactingFormatter
from xuanshu.core.models import ActivityLog
from xuanshu.intake.channels.email.services import receive_email
from xuanshu.intake.models import Attachment, InboundFile, InboundMessage, RefusedFile
from xuanshu.intake.services import process_inbound

HEIC_RED = heic_bytes(size=(64, 48), exif_gps=True)
HEIC_GREEN = heic_bytes(size=(80, 60), color=(20, 160, 40))
HEIC_TRUNCATED = HEIC_RED[: len(HEIC_RED) // 2]
JPEG_CORRUPT = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x13" * 300  # a JPEG header, then nothing a decoder can use
ZIP = b"PK\x05\x06" + b"\x00" * 18


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mail_with_files(message_id: str, files: list[tuple[str, str, bytes]]) -> bytes:
    """A nomination from an iPhone: a plain UTF-8 text part, then each (name, content type, bytes) as an attachment."""
    lines = [b"--b1", b"Content-Type: text/plain; charset=utf-8", b"Content-Transfer-Encoding: base64", b"",
             b64(f"推荐出彩聊城人\r\n{DEEDS}\r\n".encode())]
    for name, content_type, data in files:
        lines += [b"--b1", f'Content-Type: {content_type}; name="{name}"'.encode(),
                  f'Content-Disposition: attachment; filename="{name}"'.encode(), b"Content-Transfer-Encoding: base64", b"", b64(data)]
    lines += [b"--b1--", b""]
    return message([("From", word("张桂芳", "utf-8") + b" <zhanggf@icloud.com>"), ("Subject", word("推荐出彩聊城人", "utf-8")),
                    *envelope(message_id), ("Content-Type", 'multipart/mixed; boundary="b1"')], b"\r\n".join(lines))


def receive(raw: bytes, campaign, capture) -> InboundMessage:
    with capture(execute=True):
        receipt = receive_email(raw=raw, campaign=campaign, received_at=timezone.now())
    return InboundMessage.objects.get(pk=receipt.inbound.pk)


def photos(inbound) -> list[tuple]:
    return list(Attachment.objects.filter(inbound=inbound).values_list("original_name", "content_type", "width", "height", "original_sha256"))


def refused(inbound) -> list[tuple]:
    return list(RefusedFile.objects.filter(inbound=inbound).values_list(
        "original_name", "content_type", "size", "reason", "limit", "position"))


IPHONE_MAIL = mail_with_files("iphone-heic", [
    ("IMG_0001.HEIC", "image/heic", HEIC_RED),
    ("IMG_0002.HEIC", "application/octet-stream", HEIC_GREEN),
    ("IMG_0003.HEIC", "image/heic", HEIC_TRUNCATED),
    ("现场.jpg", "image/jpeg", JPEG_CORRUPT),
    ("备份.zip", "application/zip", ZIP),
])


def test_heic_photos_are_kept_and_unusable_files_are_recorded_with_the_reason(campaign, django_capture_on_commit_callbacks):
    inbound = receive(IPHONE_MAIL, campaign, django_capture_on_commit_callbacks)
    assert (inbound.status, inbound.error, bytes(inbound.raw_body), hasattr(inbound, "nomination")) == ("processed", "", IPHONE_MAIL, True)
    assert photos(inbound) == [
        ("IMG_0001.HEIC", "image/jpeg", 64, 48, sha256(HEIC_RED)),
        ("IMG_0002.HEIC", "image/jpeg", 80, 60, sha256(HEIC_GREEN)),
    ]
    stored = Attachment.objects.get(original_name="IMG_0001.HEIC").file.read()
    assert (stored[:3], b"CameraMaker" in stored) == (b"\xff\xd8\xff", False)  # a JPEG of our own, without the GPS-tagged EXIF
    assert refused(inbound) == [
        ("IMG_0003.HEIC", "image/heic", len(HEIC_TRUNCATED), "not_image", None, 2),
        ("现场.jpg", "image/jpeg", len(JPEG_CORRUPT), "not_image", None, 3),
        ("备份.zip", "application/zip", len(ZIP), "unknown_type", None, 4),
    ]
    assert list(ActivityLog.objects.filter(action="inbound.file_refused").order_by("id").values_list("new_value", flat=True)) == [
        {"name": "IMG_0003.HEIC", "reason": "not_image", "size": len(HEIC_TRUNCATED)},
        {"name": "现场.jpg", "reason": "not_image", "size": len(JPEG_CORRUPT)},
        {"name": "备份.zip", "reason": "unknown_type", "size": len(ZIP)},
    ]


def test_processing_again_records_nothing_twice(campaign, django_capture_on_commit_callbacks):
    inbound = receive(IPHONE_MAIL, campaign, django_capture_on_commit_callbacks)
    before = (photos(inbound), refused(inbound), ActivityLog.objects.filter(action="inbound.file_refused").count())
    assert process_inbound(inbound_id=inbound.pk).status == "processed"
    assert (photos(inbound), refused(inbound), ActivityLog.objects.filter(action="inbound.file_refused").count()) == before


def test_a_refused_files_name_is_logged_with_its_card_masked(campaign, caplog, django_capture_on_commit_callbacks):
    """The name is written with %r: a full-width space becomes \\u3000 there, which no masking reads as a space."""
    caplog.set_level(logging.INFO, logger="xuanshu.intake.email")
    mail = mail_with_files("card-in-name", [("捐款卡６２２２　０２１２　３４５６　７８９０.zip", "application/zip", ZIP),
                                            ("6222-0212-3456-7890-123.zip", "application/zip", ZIP)])
    inbound = receive(mail, campaign, django_capture_on_commit_callbacks)
    formatter = RedactingFormatter("%(message)s")
    lines = [formatter.format(record) for record in caplog.records if record.name == "xuanshu.intake.email"]
    assert lines == [
        f"inbound {inbound.pk}: file '捐款卡６２２２\\u3000****\\u3000****\\u3000７８９０.zip' (application/zip) refused "
        "(unknown_type), kept only in the raw message",
        f"inbound {inbound.pk}: file '6222-****-****-***0-123.zip' (application/zip) refused (unknown_type), kept only in "
        "the raw message",
    ]


def test_files_over_a_limit_are_recorded_with_the_limit(campaign, settings, django_capture_on_commit_callbacks):
    campaign.max_photos, campaign.max_photo_bytes = 2, 4096
    campaign.save(update_fields=["max_photos", "max_photo_bytes"])
    settings.MAILBOX_MAX_DOCUMENT_BYTES = 100
    big_jpeg = jpeg_bytes() + b"\x00" * 5000
    pdf = b"%PDF-1.4\n" + b"%" * 200
    raw = mail_with_files("limits", [
        ("IMG_0101.HEIC", "image/heic", HEIC_RED),
        ("大图.jpg", "image/jpeg", big_jpeg),
        ("IMG_0102.HEIC", "image/heic", HEIC_GREEN),
        ("IMG_0103.HEIC", "image/heic", heic_bytes(color=(0, 0, 200))),
        ("推荐表.pdf", "application/pdf", pdf),
    ])
    inbound = receive(raw, campaign, django_capture_on_commit_callbacks)
    assert [name for name, *_ in photos(inbound)] == ["IMG_0101.HEIC", "IMG_0102.HEIC"]
    assert refused(inbound) == [
        ("大图.jpg", "image/jpeg", len(big_jpeg), "too_large", 4096, 1),
        ("IMG_0103.HEIC", "image/heic", len(heic_bytes(color=(0, 0, 200))), "too_many_photos", 2, 3),
        ("推荐表.pdf", "application/pdf", len(pdf), "too_large", 100, 4),
    ]
    assert (InboundFile.objects.count(), bytes(inbound.raw_body)) == (0, raw)


@pytest.mark.parametrize("name", ["IMG_0004.heic", "IMG_0005.HEIF"])
def test_a_heic_is_recognised_by_its_name_when_the_mailer_does_not_know_the_type(campaign, name, django_capture_on_commit_callbacks):
    inbound = receive(mail_with_files(f"by-name-{name}", [(name, "application/octet-stream", HEIC_GREEN)]), campaign,
                      django_capture_on_commit_callbacks)
    assert (photos(inbound), refused(inbound)) == ([(name, "image/jpeg", 80, 60, sha256(HEIC_GREEN))], [])
