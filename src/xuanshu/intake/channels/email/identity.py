"""What makes two stored e-mails the same message: the Message-ID and the content the sender's mailer wrote.

The Message-ID alone is not enough: a broken mailer (or a forged header) can give two different messages the same
one, and the second would be dropped as a duplicate. The raw bytes alone are too much: the same message delivered
twice (to two of our addresses, through a forwarding alias, into two folders by a filter) carries headers each
server adds on delivery, which differ from copy to copy: Received (with its own id and time), Return-Path,
Delivered-To, X-Original-To, spam and virus verdicts (X-Spam-*, X-Virus-*), ARC and Authentication-Results. A mail
client's export adds its own (Status, X-Mozilla-Status, Content-Length in mbox files) and may end lines with LF.

So the content digest covers the message without those fields, with line ends normalised. Every X- header is left
out, not only the ones we know a server adds: there are too many of them to list (X-Coremail-*, X-QQ-*, X-CM-*,
X-Rspamd-*, ...), and two copies that differ in nothing else are the same message.
"""
import hashlib
import re
from dataclasses import dataclass

from xuanshu.intake.channels.email.decode import message_id_of

# Fields a server or a mail client adds or replaces after the sender's mailer wrote the message (RFC 5321 §4.4
# trace fields, RFC 5322 §3.6.6 resent fields, RFC 8601 and RFC 8617 verdicts, mbox bookkeeping). DKIM-Signature
# is left out because a forwarding hop may add one; it signs the content, which the digest covers anyway.
_ADDED_ON_THE_WAY = frozenset({
    b"received", b"return-path", b"delivered-to", b"envelope-to", b"received-spf", b"authentication-results",
    b"arc-seal", b"arc-message-signature", b"arc-authentication-results", b"dkim-signature",
    b"status", b"content-length", b"lines",
})
_ADDED_PREFIXES = (b"x-", b"resent-")
_FIELD_NAME = re.compile(rb"^([!-9;-~]+)[ \t]*:")


@dataclass(frozen=True)
class MailIdentity:
    """The inbound store's key of an e-mail: `external_id` (the Message-ID, or "sha256:<content digest>" for a
    message without a usable one) together with `content_digest`."""

    external_id: str
    content_digest: str
    message_id: str  # "" when the message has no usable Message-ID


def content_digest(raw: bytes) -> str:
    """SHA-256 of the message as its sender's mailer wrote it: without the header fields added on the way, with
    LF line ends and no trailing blank lines. Bytes that are no e-mail at all are digested whole."""
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    if lines[0].startswith(b"From "):  # an mbox "From_" line some .eml exports keep: the envelope, not the message
        del lines[0]
    kept: list[bytes] = []
    skipping = False
    body_start = len(lines)
    for number, line in enumerate(lines):
        if line == b"":
            body_start = number + 1
            break
        if line[:1] in (b" ", b"\t") and number:  # a folded continuation of the field above
            if not skipping:
                kept.append(line)
            continue
        field = _FIELD_NAME.match(line)
        if field is None:  # not a header: the body starts here, as mail parsers read it
            body_start = number
            break
        name = field.group(1).lower()
        skipping = name in _ADDED_ON_THE_WAY or name.startswith(_ADDED_PREFIXES)
        if not skipping:
            kept.append(line)
    body = b"\n".join(lines[body_start:]).rstrip(b"\n")
    return hashlib.sha256(b"\n".join(kept) + b"\n\n" + body).hexdigest()


def usable_message_id(raw: bytes) -> str:
    """The Message-ID when it can serve as a key, else ""."""
    try:
        message_id = message_id_of(raw)
    except Exception:  # noqa: BLE001 - a header we cannot read means "no Message-ID", never a lost message
        return ""
    # A Message-ID is printable text; one with spaces or control characters is no key we can trust (or store).
    if message_id and len(message_id) <= 255 and message_id.isprintable() and " " not in message_id:
        return message_id
    return ""


def mail_identity(raw: bytes) -> MailIdentity:
    """The key that recognises this message when it is fetched (or imported) again, however it was delivered."""
    digest = content_digest(raw)
    message_id = usable_message_id(raw)
    return MailIdentity(external_id=message_id or f"sha256:{digest}", content_digest=digest, message_id=message_id)
