"""The message-server protocol of an official account, on top of wechatpy.

wechatpy does the signatures (`check_signature`, msg_signature inside `WeChatCrypto`), the AES
crypto and the message parsing; this module decides what to accept. wechatpy parses with
xmltodict on expat: xmltodict refuses entity declarations by default and expat ≥ 2.4 caps entity
amplification, and on top of both we refuse any DOCTYPE or ENTITY before a parser sees the body,
so a billion-laughs or external-entity payload is never expanded.
"""
import re
import time
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.utils import WeChatSigner, check_signature

from xuanshu.intake.channels.wechat.models import WechatAccount

MAX_BODY_BYTES = 1024 * 1024
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PARSE_ERRORS = (ExpatError, KeyError, TypeError, AttributeError, ValueError, IndexError)

# The fields that make up a message's id; WeChat's own are far shorter, so the id fits its column.
_ID_FIELD_LIMITS = {"FromUserName": 64, "MsgId": 32, "CreateTime": 16, "Event": 64, "MsgType": 32}

PLAINTEXT, COMPATIBLE, SAFE = "plaintext", "compatible", "safe"


class Refused(Exception):
    """The request is not accepted; nothing is stored. `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Undecryptable(Exception):
    """An authentic encrypted message we cannot read (no key, or a key that does not fit)."""


@dataclass(frozen=True)
class Envelope:
    mode: str  # plaintext, compatible or safe
    xml: str  # the message as plaintext XML (decrypted in compatible and safe mode)
    message: BaseMessage
    aes_key: str  # the key that decrypted the message; the reply is encrypted with it ('' = reply in plaintext)


def verify_signature(account: WechatAccount, query, *, now: float | None = None) -> None:
    """Check `signature` over (token, timestamp, nonce) and the timestamp's freshness, or raise Refused(403)."""
    signature, timestamp, nonce = query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", "")
    if not (signature and timestamp and nonce):
        raise Refused(403, "signature, timestamp or nonce missing")
    try:
        check_signature(account.token, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise Refused(403, "bad signature") from None
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Refused(403, "timestamp is not a number") from None
    now = time.time() if now is None else now
    if account.max_skew_seconds and abs(now - sent_at) > account.max_skew_seconds:
        raise Refused(403, f"stale timestamp ({int(now - sent_at)} s off)")


def check_declared_length(request) -> None:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "bad Content-Length") from None
    if declared > MAX_BODY_BYTES:
        raise Refused(413, f"body of {declared} bytes declared")


def read_body(request) -> bytes:
    """The POST body, refusing more than MAX_BODY_BYTES whatever Content-Length claimed."""
    check_declared_length(request)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, "body over 1 MB")
    return body


def xml_text(raw: bytes | str) -> str:
    """The body as text a parser may see: UTF-8, no NUL, no DTD (so no entities to expand)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "body is not UTF-8") from None
    if "\x00" in raw:
        raise Refused(400, "NUL in body")
    if _DTD.search(raw):
        raise Refused(400, "DOCTYPE or ENTITY declaration refused")
    return raw


def parse(text: str) -> BaseMessage:
    """A wechatpy message from plaintext XML, or Refused(400) when it is not a WeChat message."""
    text = xml_text(text)
    try:
        message = parse_message(text)
    except _PARSE_ERRORS:
        raise Refused(400, "malformed XML") from None
    if message is None or not isinstance(message._data, dict):
        raise Refused(400, "malformed XML")
    if not field(message, "FromUserName") or not field(message, "MsgType"):
        raise Refused(400, "FromUserName or MsgType missing")
    if any(len(field(message, name)) > limit for name, limit in _ID_FIELD_LIMITS.items()):
        raise Refused(400, "identifier longer than WeChat's")  # an openid is 28 characters, a MsgId 64-bit
    return message


def field(message: BaseMessage, name: str) -> str:
    """One element's text; '' when absent or not plain text (repeated or with attributes)."""
    value = message._data.get(name)
    return value.strip() if isinstance(value, str) else ""


def open_envelope(account: WechatAccount, query, body: bytes) -> Envelope:
    """Read the message in the account's mode; raise Refused, or Undecryptable for an authentic message we cannot read."""
    text = xml_text(body)
    if query.get("encrypt_type", "raw").lower() != "aes":
        if account.aes_keys:
            # Only msg_signature covers the body; `signature` covers the timestamp and nonce alone, so a plaintext body
            # on an account set up for encryption would be a body nobody signed (a replayed query with any message).
            raise Refused(403, "plaintext message for an account with an EncodingAESKey (clear the key for plaintext mode)")
        return Envelope(PLAINTEXT, text, parse(text), "")
    try:
        outer = xmltodict.parse(text)["xml"]
    except _PARSE_ERRORS:
        raise Refused(400, "malformed XML") from None
    if not isinstance(outer, dict):
        raise Refused(400, "malformed XML")
    compatible = isinstance(outer.get("MsgType"), str)  # compatible mode sends the plaintext fields too
    mode = COMPATIBLE if compatible else SAFE
    encrypted = outer.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        if compatible and not account.aes_keys:
            return Envelope(mode, text, parse(text), "")
        raise Refused(400, "no Encrypt element")
    if not account.aes_keys:
        if compatible:
            return Envelope(mode, text, parse(text), "")  # readable without the key; answered in plaintext, as allowed
        _verify_msg_signature(account, query, encrypted)
        raise Undecryptable("no EncodingAESKey configured")
    msg_signature = query.get("msg_signature", "")
    if not msg_signature:
        raise Refused(403, "msg_signature missing")
    for key in account.aes_keys:
        try:
            plaintext = crypto_for(account, key).decrypt_message(
                {"Encrypt": encrypted}, msg_signature, query.get("timestamp", ""), query.get("nonce", ""),
            )
        except InvalidSignatureException:
            raise Refused(403, "bad msg_signature") from None
        except Exception:  # noqa: BLE001 - any failure means this key does not fit; Tencent says to try the previous one
            continue
        return Envelope(mode, plaintext, parse(plaintext), key)
    raise Undecryptable("no configured EncodingAESKey decrypts the message")


def _verify_msg_signature(account: WechatAccount, query, encrypted: str) -> None:
    """msg_signature needs only the token, so an unreadable message is still proven authentic."""
    signer = WeChatSigner()
    signer.add_data(account.token, query.get("timestamp", ""), query.get("nonce", ""), encrypted)
    if not query.get("msg_signature") or signer.signature != query.get("msg_signature"):
        raise Refused(403, "bad msg_signature")


def decrypt_stored(account: WechatAccount, encrypted: str) -> str:
    """Decrypt a stored ciphertext with the account's keys; its msg_signature was checked at receipt."""
    for key in account.aes_keys:
        try:
            return PrpCrypto(crypto_for(account, key).key).decrypt(encrypted, account.appid)
        except Exception:  # noqa: BLE001 - try the next key
            continue
    raise Undecryptable("no configured EncodingAESKey decrypts the stored message")


def crypto_for(account: WechatAccount, key: str) -> WeChatCrypto:
    return WeChatCrypto(account.token, key, account.appid)


def render_reply(envelope: Envelope, account: WechatAccount, reply_xml: str, query) -> str:
    """The passive reply, encrypted with the key that decrypted the message (Tencent's rule during key changes)."""
    if not envelope.aes_key:
        return reply_xml
    return crypto_for(account, envelope.aes_key).encrypt_message(reply_xml, query.get("nonce", ""), query.get("timestamp"))
