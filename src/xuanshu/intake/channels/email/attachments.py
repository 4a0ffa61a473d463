"""The files of an e-mail: photos re-encoded into intake.Attachment, documents kept byte for byte as intake.InboundFile.

Anything else (archives, programs, images we cannot open, files over a limit) stays only inside the raw message,
and is recorded as an intake.RefusedFile naming the file and the reason, so that editors see it is missing.
"""
import logging
import os

from django.conf import settings

from xuanshu.core.redaction import redact_personal_data
from xuanshu.intake.channels.email.decode import MailFile, ParsedMail
from xuanshu.intake.enums import FileRefusal
from xuanshu.intake.images import ImageRejected, reencode_image
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import add_attachment, add_file, record_refused_file

logger = logging.getLogger("xuanshu.intake.email")

# iPhones name their photos IMG_1234.HEIC, and some mailers label them application/octet-stream.
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".heic", ".heif"}
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".wps": "application/vnd.ms-works",
    ".rtf": "application/rtf",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".txt": "text/plain",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _extension(file: MailFile) -> str:
    return os.path.splitext(file.name)[1].lower()


def is_image(file: MailFile) -> bool:
    return file.content_type.startswith("image/") or _extension(file) in IMAGE_EXTENSIONS


def document_type(file: MailFile) -> str | None:
    """The content type we keep a document under, by its name (mailers label most files octet-stream)."""
    return DOCUMENT_TYPES.get(_extension(file))


def store_mail_files(*, inbound: InboundMessage, parsed: ParsedMail) -> None:
    """Keep the photos and documents of a message once, and record every other file as refused, with its reason;
    re-running processing stores nothing again.

    Runs inside process_inbound's transaction, so either all files of a message are recorded or none.
    """
    if inbound.attachments.exists() or inbound.files.exists() or inbound.refused_files.exists():
        return
    campaign = inbound.campaign
    max_photos = campaign.max_photos if campaign else 9
    max_photo_bytes = campaign.max_photo_bytes if campaign else 10 * 1024 * 1024
    max_document_bytes = getattr(settings, "MAILBOX_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)
    photos = 0
    for position, file in enumerate(parsed.files):
        if is_image(file):
            if photos >= max_photos:
                _refuse(inbound, file, position, FileRefusal.TOO_MANY_PHOTOS, limit=max_photos)
                continue
            try:
                image = reencode_image(file.data, max_bytes=max_photo_bytes)
            except ImageRejected as rejected:
                limit = max_photo_bytes if rejected.code == FileRefusal.TOO_LARGE else None
                _refuse(inbound, file, position, rejected.code, limit=limit)
                continue
            add_attachment(inbound=inbound, original_name=file.name or "image", image=image)
            photos += 1
        elif content_type := document_type(file):
            if len(file.data) > max_document_bytes:
                _refuse(inbound, file, position, FileRefusal.TOO_LARGE, limit=max_document_bytes)
            else:
                add_file(inbound=inbound, original_name=file.name, data=file.data, content_type=content_type)
        else:
            _refuse(inbound, file, position, FileRefusal.UNKNOWN_TYPE)


def _refuse(inbound: InboundMessage, file: MailFile, position: int, reason: str, *, limit: int | None = None) -> None:
    # Masked before %r: the formatter's masking cannot read a number whose spaces repr wrote as \u3000 or \n.
    logger.info("inbound %s: file %r (%s) refused (%s), kept only in the raw message", inbound.pk,
                redact_personal_data(file.name), file.content_type, reason)
    record_refused_file(inbound=inbound, original_name=file.name, content_type=file.content_type, size=len(file.data),
                        reason=reason, limit=limit, position=position)
