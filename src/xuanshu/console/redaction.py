"""Raw messages on screen: pretty-printed, with contacts and personal numbers (resident ID, bank card, WeChat, QQ)
masked until a permitted user reveals them.

The stored record stays exactly as received; only the page is masked. An e-mail is also shown decoded (its
headers and text parts in their own charsets), with the MIME source behind it; files that could not be kept
are named with the reason.
"""
import json
import logging
from dataclasses import dataclass, replace
from typing import Any

import phonenumbers
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from phonenumbers import PhoneNumberType

from xuanshu.core.masking import mask_phone
from xuanshu.core.phones import parse_cn_phone
from xuanshu.core.redaction import identifiers_in, redact_identifiers, redact_personal_data
from xuanshu.intake.channels.email.decode import MailUnreadable, ReadableMail, readable_mail
from xuanshu.intake.enums import Channel, FileRefusal, InboundStatus
from xuanshu.intake.models import InboundMessage, RefusedFile

logger = logging.getLogger("xuanshu.console")

HEADER_LABELS = {
    "From": pgettext_lazy("e-mail header", "From"),
    "To": pgettext_lazy("e-mail header", "To"),
    "Cc": pgettext_lazy("e-mail header", "Cc"),
    "Reply-To": pgettext_lazy("e-mail header", "Reply-To"),
    "Date": pgettext_lazy("e-mail header", "Date"),
    "Subject": pgettext_lazy("e-mail header", "Subject"),
}


@dataclass(frozen=True)
class DecodedMail:
    """An e-mail as the raw panel shows it; `unreadable` when the bytes are not an e-mail we can read."""

    headers: tuple[tuple[str, str], ...] = ()
    parts: tuple = ()
    more_parts: int = 0
    unreadable: bool = False


def raw_message_display(inbound: InboundMessage, *, reveal: bool) -> dict[str, Any]:
    """The raw record's sender, payload (as indented JSON), body and error; an e-mail decoded too; the files that
    could not be kept. Contacts and identifiers are masked unless `reveal`."""
    mask = (lambda text: text) if reveal else redact_personal_data
    body, body_size = _start_of_raw_body(inbound)
    shown: dict[str, Any] = {
        key: mask(value) for key, value in {
            "payload": json.dumps(inbound.payload, ensure_ascii=False, indent=2) if inbound.payload is not None else "",
            "body": body,
            "error": inbound.error,
        }.items()
    }
    shown["sender"] = inbound.sender if reveal else _masked_sender(inbound.sender)
    shown["body_size"] = body_size
    shown["mail"] = _decoded_mail(inbound, mask) if inbound.channel == Channel.EMAIL and inbound.raw_body is not None else None
    shown["refused"] = refused_file_notices(inbound, reveal=reveal)
    return shown


def _masked_sender(sender: str) -> str:
    """A landline caller (stored in E.164, +866358451234) masked as editors read a landline, 0635-***1234; any other
    sender (a mobile, an openid, an address) as the text masking has it."""
    number = parse_cn_phone(sender) if sender.startswith("+86") else None
    if number is not None and phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE:
        return mask_phone(sender)
    return redact_personal_data(sender)


# The raw source shown on a page: an e-mail with a phone's photos or a video is megabytes of base64, which made its
# page (and its nomination's) that large and slow to mask. Its text parts and files are shown decoded above and below.
RAW_SHOWN_BYTES = 128 * 1024


def _start_of_raw_body(inbound: InboundMessage) -> tuple[str, int | None]:
    """The raw body for display, whole; or past RAW_SHOWN_BYTES its beginning, cut after a line end (so that no
    number is cut in two and escapes masking), with the size of the whole."""
    raw = bytes(inbound.raw_body) if inbound.raw_body is not None else b""
    if len(raw) <= RAW_SHOWN_BYTES:
        return inbound.raw_text, None
    start = raw[:RAW_SHOWN_BYTES]
    line_end = start.rfind(b"\n")
    start = start[:line_end + 1] if line_end > 0 else start
    return start.decode("utf-8", errors="backslashreplace"), len(raw)


def inbound_problem(inbound: InboundMessage, technical: str) -> str:
    """Why a message is not processed, in the editors' language, before `technical` (its stored error, which is the
    pipeline's own English for whoever fixes it, masked as the page needs); '' when nothing is wrong."""
    if inbound.status == InboundStatus.PENDING and inbound.waiting_for_id:
        return _("Waiting for message #%(id)s to be processed first; this one is then processed by itself.") % {
            "id": inbound.waiting_for_id}
    if not technical:
        return ""
    lead = ""
    if inbound.error.startswith(UNDECRYPTABLE_ERRORS):
        lead = _("Cannot decrypt: the WeChat account's EncodingAESKey is not set or wrong. Set the right key, then process "
                 "the message again.")
    if inbound.status == InboundStatus.FAILED or lead:
        lead += _("Technical details for the administrator:") if lead else _("Processing failed. Technical details for the administrator:")
    # Chinese sentences follow each other without a space; English ones with one.
    return f"{lead}{'' if not lead or lead.endswith('：') else ' '}{technical}"


# How the WeChat channel words the error of a message it keeps undecryptable (wechat.services.keep_undecryptable_message),
# and the error of processing it again while the key is still missing (wechat.protocol.Undecryptable).
UNDECRYPTABLE_ERRORS = ("cannot decrypt:", "Undecryptable:")


def _decoded_mail(inbound: InboundMessage, mask) -> DecodedMail:
    try:
        mail: ReadableMail = readable_mail(bytes(inbound.raw_body))
    except MailUnreadable:
        return DecodedMail(unreadable=True)
    except Exception:  # noqa: BLE001 - the page must still show the raw source of a message our decoder trips on
        logger.exception("inbound %s: the raw e-mail could not be decoded for display", inbound.pk)
        return DecodedMail(unreadable=True)
    return DecodedMail(
        headers=tuple((HEADER_LABELS[name], mask(value)) for name, value in mail.headers),
        parts=tuple(replace(part, text=mask(part.text), name=mask(part.name)) for part in mail.parts),
        more_parts=mail.more_parts,
    )


def refused_file_notices(inbound: InboundMessage, *, reveal: bool) -> list[str]:
    """One sentence per file of `inbound` that could not be kept, naming it and saying why."""
    return [refused_file_notice(refused, reveal=reveal) for refused in inbound.refused_files.all()]


def refused_file_notice(refused: RefusedFile, *, reveal: bool) -> str:
    """“IMG_0001.HEIC” could not be used: …; what the limit was; where the file still is."""
    name = refused.original_name if reveal else redact_personal_data(refused.original_name)
    sentences = [_("The file “%(name)s” could not be used: %(reason)s.") % {
        "name": name or _("(no name)"), "reason": refused.get_reason_display(),
    }]
    if refused.reason == FileRefusal.TOO_LARGE and refused.limit:
        if refused.size is not None:
            sentences.append(_("It is %(size)s; the limit is %(limit)s.") % {
                "size": filesizeformat(refused.size), "limit": filesizeformat(refused.limit)})
        else:
            sentences.append(_("The limit is %(limit)s.") % {"limit": filesizeformat(refused.limit)})
    elif refused.reason == FileRefusal.TOO_MANY_PHOTOS and refused.limit:
        sentences.append(_("At most %(count)s photos are kept from one message.") % {"count": refused.limit})
    if refused.kept_in_raw_message:
        sentences.append(_("The file is still inside the raw message."))
    else:
        sentences.append(_("The file itself was not kept."))
    held_until = refused.held_by_wechat_until
    if held_until is not None and held_until <= timezone.now():
        sentences.append(_("WeChat keeps a file for three days only: this one can no longer be obtained."))
    elif held_until is not None:
        sentences.append(_("WeChat keeps it only until %(time)s; after that it can no longer be obtained.") % {
            "time": f"{timezone.localtime(held_until):%Y-%m-%d %H:%M}"})
    # Chinese sentences follow each other without a space; English ones with one.
    notice = sentences[0]
    for sentence in sentences[1:]:
        notice += sentence if notice.endswith("。") else " " + sentence
    return notice


# The text fields of a nomination that a citizen wrote. Contacts in them are masked when stored; resident ID, bank card,
# WeChat and QQ numbers are kept (raw first: editors may need them) and masked on screen and in exports instead, until
# a logged reveal. The nominee's name is left out: it is the name that is published, shown in every list.
CITIZEN_TEXT_FIELDS = ("place_detail", "deeds", "nominator_name")


def revealed_fields(nomination, contact_fields: tuple[str, ...]) -> tuple[str, ...]:
    """What a reveal of `nomination` shows unmasked, for the access log: its contacts, and its text fields that hold
    an identifier."""
    return (*contact_fields, *(name for name in CITIZEN_TEXT_FIELDS if identifiers_in(getattr(nomination, name))))


def evidence_with_identifiers_masked(evidence: dict) -> dict:
    """The evidence panel (`evidence_for_console`, contacts already masked) with identifiers masked too: across the
    whole message, so that an ID number cut by a highlight is still masked whole."""
    extraction = evidence.get("extraction")
    if not extraction:
        return evidence
    pieces = extraction["pieces"]
    masked = redact_identifiers("".join(piece["text"] for piece in pieces))  # one character for one: pieces keep their lengths
    shown, at = [], 0
    for piece in pieces:
        shown.append({**piece, "text": masked[at:at + len(piece["text"])]})
        at += len(piece["text"])
    rows = [{**row, "value": redact_identifiers(str(row["value"]))} for row in extraction["rows"]]
    return {**evidence, "extraction": {**extraction, "pieces": shown, "rows": rows}}
