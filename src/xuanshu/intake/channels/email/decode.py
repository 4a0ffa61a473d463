"""Raw e-mail bytes to text, sender and files, however the sending mailer labelled them.

Built on the stdlib `email` package with the compat32 policy, which keeps raw 8-bit headers and
bodies as they came (surrogate-escaped bytes): we choose their charset ourselves instead of getting
U+FFFD from a guess made for us.
"""
import base64
import binascii
import codecs
import datetime as dt
import email
import email.errors
import email.parser
import functools
import quopri
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import parseaddr, parsedate_to_datetime

import opencc

from xuanshu.intake.channels.email.html_text import html_to_text
from xuanshu.intake.filenames import name_without_path

# Chinese mailers label GBK and GB18030 text "gb2312"; GB18030 is a superset of both, so the whole
# family is read as GB18030 and a character outside the label never turns into U+FFFD.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "euc-cn", "x-euc-cn", "csgb2312", "gb_2312-80"}
# Big5 as sent by Windows (cp950) and Hong Kong (HKSCS) extends plain Big5: try the supersets too.
_BIG5_FAMILY = {"big5", "x-big5", "big-5", "cn-big5", "csbig5", "cp950", "ms950", "big5hkscs", "big5-hkscs"}
_BIG5_DECODERS = ("cp950", "big5hkscs", "big5")
_BASE64_LINE = re.compile(rb"^[A-Za-z0-9+/]+={0,2}$")
_MAX_DEPTH = 30


class MailUnreadable(ValueError):
    """The bytes are not an e-mail we can read at all; the raw record stays, flagged with this error."""


@dataclass(frozen=True)
class MailFile:
    name: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    subject: str
    sender_name: str
    sender_email: str
    text: str
    files: tuple[MailFile, ...] = ()
    date: dt.datetime | None = None  # from the Date header, when it is readable and has a zone
    references: str = ""
    in_reply_to: str = ""
    return_path: str = ""
    auto_submitted: str = ""
    precedence: str = ""
    list_id: str = ""
    auto_reply_markers: tuple[str, ...] = ()  # X-Autoreply, X-Autorespond: non-standard "I am a robot" headers
    defects: tuple[str, ...] = ()


def _codec_name(charset: str | None) -> str | None:
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _declared_candidates(charset: str | None) -> list[str]:
    label = (charset or "").strip().strip("\"'").lower()
    declared = _codec_name(label)
    ordered = list(_BIG5_DECODERS) if label in _BIG5_FAMILY or declared in _BIG5_FAMILY else []
    if declared and declared not in ordered:
        ordered.append(declared)
    return ordered


@functools.cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _common_share(text: str) -> float:
    """Share of the Han characters that are common simplified ones (in GB2312) once converted to simplified.

    Real Chinese text scores near 1 in its right encoding; Big5 bytes read as GB18030 give many rare characters.
    """
    han = [char for char in _to_simplified().convert(text) if "\u3400" <= char <= "\u9fff" or char > "\uffff"]
    if not han:
        return 1.0
    common = 0
    for char in han:
        try:
            char.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(han)


def _decode_unlabelled(data: bytes) -> str | None:
    """Bytes without a (usable) label: UTF-8, then GB18030, then Big5.

    Nearly any Big5 byte string is also valid GB18030, so Big5 wins over GB18030 only when its reading is
    clearly the more ordinary Chinese text.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    gb = big5 = None
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    for name in _BIG5_DECODERS:
        try:
            big5 = data.decode(name)
            break
        except UnicodeDecodeError:
            continue
    if gb is not None and big5 is not None:
        return big5 if _common_share(big5) > _common_share(gb) + 0.1 else gb
    return gb if gb is not None else big5


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, bool]:
    """Text from bytes: the declared charset first (gb2312/gbk read as gb18030), then UTF-8, GB18030, Big5.

    Returns (text, clean); clean is False only when every reading failed and U+FFFD stands in for bytes.
    """
    for name in _declared_candidates(charset):
        try:
            return data.decode(name), True
        except (UnicodeDecodeError, LookupError):
            continue
    text = _decode_unlabelled(data)
    if text is not None:
        return text, True
    return data.decode(_codec_name(charset) or "utf-8", errors="replace"), False


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in text)


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value).replace("\r", "").replace("\n", "")


# Control characters (NUL above all: PostgreSQL refuses it in text) never reach a stored field.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    return _CONTROLS.sub("", text)


def decode_header_value(raw: str | None) -> str:
    """One header value as text: RFC 2047 words decoded, raw 8-bit bytes read as utf-8, then gb18030, then big5."""
    return clean_text(_decode_header_value(raw)).replace("\t", " ").replace("\r", "").replace("\n", " ")


def _decode_header_value(raw: str | None) -> str:
    if not raw:
        return ""
    value = raw
    if _has_surrogates(value):
        value, _clean = decode_bytes(value.encode("ascii", "surrogateescape"))
    value = _unfold(value)
    if "=?" not in value:
        return value.strip()
    try:
        words = decode_header(value)
    except (email.errors.HeaderParseError, ValueError, binascii.Error):
        return value.strip()
    pieces = []
    for chunk, charset in words:
        if isinstance(chunk, str):
            pieces.append(chunk)
        elif charset is None:
            pieces.append(chunk.decode("raw-unicode-escape"))  # decode_header's own encoding of unencoded text
        else:
            pieces.append(decode_bytes(chunk, charset)[0])
    return "".join(pieces).strip()


def _raw_header(message: Message, name: str) -> str | None:
    """The header as it came (8-bit bytes surrogate-escaped), without compat32 wrapping it in a Header."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return value
    return None


def header_text(message: Message, name: str) -> str:
    return decode_header_value(_raw_header(message, name))


def _address(message: Message, name: str) -> tuple[str, str]:
    """(display name, address) of an address header; the name is split off before decoding, so a comma or
    angle bracket inside an encoded name cannot change which address we read."""
    raw = _raw_header(message, name)
    if not raw:
        return "", ""
    display, address = parseaddr(_unfold(raw))
    address = decode_header_value(address).strip()
    if "@" not in address:
        return decode_header_value(raw), ""
    return decode_header_value(display), address


def _message_id(message: Message) -> str:
    value = re.sub(r"\s+", "", header_text(message, "Message-ID"))
    match = re.search(r"<[^<>]+>", value)
    return match.group() if match else value


def _transfer_encoding(part: Message) -> str:
    """base64, quoted-printable or identity, tolerating the misspellings mailers send ("base-64", "base64;")."""
    value = str(part.get("Content-Transfer-Encoding", "") or "").split(";")[0].strip().lower()
    compact = re.sub(r"[\s_-]", "", value)
    if compact.startswith("base64") or compact == "b64":
        return "base64"
    if compact.startswith("quotedprint") or compact == "qp":
        return "quoted-printable"
    return "identity"  # 7bit, 8bit, binary, empty, and nonsense such as "text/html"


def _looks_like_base64(raw: bytes) -> bool:
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    return bool(lines) and all(_BASE64_LINE.match(line) for line in lines)


def _decode_base64(raw: bytes) -> bytes:
    compact = re.sub(rb"\s+", b"", raw)
    try:
        return binascii.a2b_base64(compact + b"=" * (-len(compact) % 4))
    except binascii.Error:
        return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/]", b"", compact) + b"==", validate=False)


def _payload_bytes(part: Message) -> bytes:
    """The part's content with its transfer encoding undone; a body declared base64 that is not
    base64 is taken as it is, and an undeclared base64 text body is recognised."""
    # The stored payload, not get_payload(): that one decodes 8-bit text with the declared charset and
    # errors="replace" before we can choose the charset (the stdlib generator reads _payload too).
    payload = part._payload
    if isinstance(payload, bytes):
        raw = payload
    elif isinstance(payload, str):
        raw = payload.encode("ascii", "surrogateescape") if payload.isascii() or _has_surrogates(payload) else payload.encode("utf-8")
    else:
        return b""
    encoding = _transfer_encoding(part)
    if encoding == "base64":
        return _decode_base64(raw) if _looks_like_base64(raw) else raw
    if encoding == "quoted-printable":
        return quopri.decodestring(raw)
    if part.get_content_maintype() == "text" and _looks_like_base64(raw) and len(raw.strip()) >= 40:
        decoded = _decode_base64(raw)
        if _plausible_text(decoded, part.get_content_charset()):
            return decoded
    return raw


def _plausible_text(data: bytes, charset: str | None) -> bool:
    text, clean = decode_bytes(data, charset)
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\r\n\t")
    return clean and bool(text.strip()) and controls == 0


def _charset(part: Message) -> str | None:
    value = part.get_param("charset")
    if isinstance(value, tuple):  # RFC 2231 form of the charset parameter itself
        value = value[2]
    return str(value) if value else None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _decoded_part(part: Message) -> tuple[str, str | None, bool]:
    """(text, charset used as the label, clean) of a text part: transfer encoding undone, charset read our way."""
    data = _payload_bytes(part)
    charset = _charset(part)
    if charset is None and part.get_content_subtype() == "html":
        match = _META_CHARSET.search(data[:4096])
        charset = match.group(1).decode("ascii") if match else None
    text, clean = decode_bytes(data, charset)
    return text.replace("\r\n", "\n").replace("\r", "\n"), charset, clean


def _part_text(part: Message, defects: list[str]) -> str:
    text, charset, clean = _decoded_part(part)
    if not clean:
        defects.append(f"undecodable text in {charset or 'unlabelled'} part")
    return html_to_text(text) if part.get_content_subtype() == "html" else text.strip()


def _header_params(part: Message, header: str) -> Message:
    """Where to read a header's parameters from: the part itself, or, when the header holds raw 8-bit bytes
    (compat32 would hand them out as U+FFFD), a scratch message holding the header decoded our way."""
    raw = _raw_header(part, header)
    if raw is None or not _has_surrogates(raw):
        return part
    scratch = Message()
    scratch[header] = decode_bytes(_unfold(raw).encode("ascii", "surrogateescape"))[0]
    return scratch


def _filename(part: Message) -> str:
    """The attachment's name from Content-Disposition filename or Content-Type name, in any of the
    encodings mailers use: RFC 2231 (filename*=gb2312''%D5%C5), RFC 2047 words in quotes, raw 8-bit."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        value = _header_params(part, header).get_param(param, header=header)
        if not value:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, text holding one byte per character)
            charset, _language, text = value
            try:
                name, _clean = decode_bytes(text.encode("latin-1", "surrogateescape"), charset or None)
            except UnicodeEncodeError:  # already text: the header was raw 8-bit and decoded above
                name = text
        else:
            name = decode_header_value(str(value))
        name = name_without_path(re.sub(r"[\x00-\x1f\x7f]", "", name)).strip()
        if name:
            return name[:255]
    return ""


@dataclass
class _Collected:
    texts: list[str] = field(default_factory=list)
    files: list[MailFile] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def _is_body_text(part: Message) -> bool:
    disposition = part.get_content_disposition()
    return part.get_content_type() in ("text/plain", "text/html") and disposition != "attachment" and not _filename(part)


def _best_alternative(children: list[Message]) -> Message | None:
    """Plain text when it says something, else HTML, else the first: Chinese webmail often sends an empty plain part."""
    by_type = {}
    for child in children:
        by_type.setdefault(child.get_content_type(), child)
    plain = by_type.get("text/plain")
    if plain is not None and _payload_bytes(plain).strip():
        return plain
    # Message defines __len__ (its header count), so test for None rather than truth.
    for candidate in (by_type.get("text/html"), next((c for c in children if c.is_multipart()), None)):
        if candidate is not None:
            return candidate
    return children[0] if children else None


def _forwarded(part: Message, children: list[Message]) -> list[Message]:
    """The messages inside a message/rfc822 part. RFC 2046 allows it no transfer encoding, but mailers base64 it all the
    same; the stdlib then reads the encoded text as a message without headers: decode it and read the message inside."""
    encoding = _transfer_encoding(part)
    if encoding == "identity" or len(children) != 1 or list(children[0].keys()) or children[0].is_multipart():
        return children
    payload = children[0]._payload
    raw = payload.encode("ascii", "surrogateescape") if isinstance(payload, str) else bytes(payload or b"")
    decoded = _decode_base64(raw) if encoding == "base64" else quopri.decodestring(raw)
    inner = email.message_from_bytes(decoded, policy=compat32)
    return [inner] if list(inner.keys()) else children


def _walk(part: Message, out: _Collected, *, with_text: bool = True, depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        out.defects.append("MIME nesting too deep")
        return
    content_type = part.get_content_type()
    if part.is_multipart():
        children = [child for child in part.get_payload() if isinstance(child, Message)]
        if content_type == "message/rfc822":
            for inner in _forwarded(part, children):  # a forwarded message: its subject and text belong to the nomination
                subject = header_text(inner, "Subject")
                if with_text and subject:
                    out.texts.append(subject)
                _walk(inner, out, with_text=with_text, depth=depth + 1)
            return
        chosen = _best_alternative(children) if content_type == "multipart/alternative" else None
        for child in children:
            # Photos pasted into rich text live inside the HTML alternative: collect files from every branch.
            _walk(child, out, with_text=with_text and (chosen is None or child is chosen), depth=depth + 1)
        return
    if _is_body_text(part):
        if with_text:
            text = _part_text(part, out.defects)
            if text:
                out.texts.append(text)
        return
    if content_type.startswith("multipart/"):
        out.defects.append(f"{content_type} without parts")
        if with_text:
            out.texts.append(_part_text(part, out.defects))
        return
    out.files.append(MailFile(
        name=_filename(part),
        content_type=content_type,
        data=_payload_bytes(part),
        inline=part.get_content_disposition() != "attachment",
    ))


def read_headers(raw: bytes) -> Message:
    """Only the header block, cheaply: for the de-duplication key and the sender at receipt time."""
    return email.parser.BytesHeaderParser(policy=compat32).parsebytes(raw)


def message_id_of(raw: bytes) -> str:
    return _message_id(read_headers(raw))


def sender_of(raw: bytes) -> str:
    return _address(read_headers(raw), "From")[1]


def _date(message: Message) -> dt.datetime | None:
    try:
        value = parsedate_to_datetime(header_text(message, "Date"))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return value if value is not None and value.tzinfo is not None else None


def date_of(raw: bytes) -> dt.datetime | None:
    """The Date header as an aware datetime, or None when it is missing, unreadable or without a zone."""
    return _date(read_headers(raw))


def parse_mail(raw: bytes) -> ParsedMail:
    """Everything we read out of one e-mail; raises MailUnreadable when the bytes are not an e-mail."""
    if not raw or not raw.strip():
        raise MailUnreadable("empty message")
    message = email.message_from_bytes(raw, policy=compat32)
    if not list(message.keys()):
        raise MailUnreadable("no e-mail headers found")
    collected = _Collected(defects=[type(defect).__name__ for defect in message.defects])
    _walk(message, collected)
    sender_name, sender_email = _address(message, "From")
    markers = tuple(name for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply") if _raw_header(message, name) is not None)
    return ParsedMail(
        message_id=_message_id(message),
        subject=header_text(message, "Subject"),
        sender_name=sender_name,
        sender_email=sender_email,
        text=clean_text("\n\n".join(text for text in collected.texts if text)),
        files=tuple(collected.files),
        date=_date(message),
        references=re.sub(r"\s+", " ", header_text(message, "References")),
        in_reply_to=re.sub(r"\s+", " ", header_text(message, "In-Reply-To")),
        return_path=header_text(message, "Return-Path"),
        auto_submitted=header_text(message, "Auto-Submitted"),
        precedence=header_text(message, "Precedence"),
        list_id=header_text(message, "List-Id"),
        auto_reply_markers=markers,
        defects=tuple(collected.defects),
    )


# The headers an editor reads at the top of a decoded message, in this order.
READABLE_HEADERS = ("From", "To", "Cc", "Reply-To", "Date", "Subject")
_READABLE_TYPES = ("text/plain", "text/html")
_MAX_READABLE_PARTS = 50


@dataclass(frozen=True)
class MailTextPart:
    """One text part of a message, decoded for reading. HTML stays HTML source: it is shown as text, never rendered."""

    content_type: str
    charset: str  # as labelled by the mailer (or an HTML meta tag); "" when unlabelled
    transfer_encoding: str  # base64, quoted-printable or identity, as we undid it
    name: str  # the file name, when the part was sent as a file
    text: str
    clean: bool  # False when some bytes fitted no charset and show as U+FFFD

    @property
    def is_html(self) -> bool:
        return self.content_type == "text/html"


@dataclass(frozen=True)
class ReadableMail:
    headers: tuple[tuple[str, str], ...]  # (name, decoded value), only those present
    parts: tuple[MailTextPart, ...]
    more_parts: int = 0  # text parts beyond the display cap


def _text_parts(part: Message, found: list[MailTextPart], depth: int = 0) -> int:
    """Collect every text/plain and text/html part, all alternatives and forwarded messages included; returns how
    many did not fit under the cap."""
    if depth > _MAX_DEPTH:
        return 0
    if part.is_multipart():
        skipped = 0
        children = [child for child in part.get_payload() if isinstance(child, Message)]
        if part.get_content_type() == "message/rfc822":
            children = _forwarded(part, children)
        for child in children:
            skipped += _text_parts(child, found, depth + 1)
        return skipped
    if part.get_content_type() not in _READABLE_TYPES:
        return 0
    if len(found) >= _MAX_READABLE_PARTS:
        return 1
    text, charset, clean = _decoded_part(part)
    found.append(MailTextPart(
        content_type=part.get_content_type(), charset=(charset or "").strip().strip("\"'"),
        transfer_encoding=_transfer_encoding(part), name=_filename(part), text=clean_text(text).strip("\n"), clean=clean,
    ))
    return 0


def readable_mail(raw: bytes) -> ReadableMail:
    """The message as an editor reads it: decoded headers and every text part in its own charset.

    The stored bytes are not touched; raises MailUnreadable when they are not an e-mail.
    """
    if not raw or not raw.strip():
        raise MailUnreadable("empty message")
    message = email.message_from_bytes(raw, policy=compat32)
    if not list(message.keys()):
        raise MailUnreadable("no e-mail headers found")
    headers = tuple((name, header_text(message, name)) for name in READABLE_HEADERS if _raw_header(message, name) is not None)
    parts: list[MailTextPart] = []
    skipped = _text_parts(message, parts)
    return ReadableMail(headers=headers, parts=tuple(parts), more_parts=skipped)
