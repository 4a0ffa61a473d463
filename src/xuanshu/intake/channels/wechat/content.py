"""What a parsed WeChat message says: its id, sender, kind and readable text."""
import xmltodict
from wechatpy.messages import BaseMessage

from xuanshu.intake.channels.wechat.models import WechatAccount
from xuanshu.intake.channels.wechat.protocol import decrypt_stored, field, parse, xml_text
from xuanshu.intake.models import InboundMessage

# Messages a sender may add to the nomination they just opened (short videos are videos).
FOLLOW_UP_TYPES = {"text", "image", "voice", "video", "shortvideo"}


def msg_type(message: BaseMessage) -> str:
    return field(message, "MsgType").lower()


def event_name(message: BaseMessage) -> str:
    """The event as WeChat sent it, lower-cased ('' for a message)."""
    return field(message, "Event").lower() if msg_type(message) == "event" else ""


def sender_of(message: BaseMessage) -> str:
    return field(message, "FromUserName")


def external_id_of(message: BaseMessage) -> str:
    """MsgId for messages; events have none, so sender, time and event name identify them (WeChat's own advice)."""
    msg_id = field(message, "MsgId")
    if msg_id and msg_type(message) != "event":
        return msg_id
    kind = field(message, "Event") if msg_type(message) == "event" else msg_type(message)
    return f"{sender_of(message)}:{field(message, 'CreateTime')}:{kind}"


def keyword_text(message: BaseMessage) -> str:
    """The text that may carry the campaign keyword: a text message, or a voice message's recognised words."""
    kind = msg_type(message)
    if kind == "text":
        return field(message, "Content")
    if kind == "voice":
        return field(message, "Recognition")
    return ""


def readable_text(message: BaseMessage) -> str:
    """The message as editors read it; media themselves stay in the raw record (and attachments)."""
    kind = msg_type(message)
    if kind in ("text", "voice"):
        return keyword_text(message)
    if kind == "image":
        return field(message, "PicUrl")
    if kind == "location":
        place = f"{field(message, 'Location_X')}, {field(message, 'Location_Y')}"
        return f"{field(message, 'Label')} ({place})".strip()
    if kind == "link":
        return "\n".join(part for part in (field(message, "Title"), field(message, "Description"), field(message, "Url")) if part)
    return ""


# Messages whose media WeChat keeps for three days behind a media_id (a short video is a video).
MEDIA_TYPES = {"image": "image", "voice": "voice", "video": "video", "shortvideo": "video"}


def media_to_fetch(message: BaseMessage) -> tuple[str, str] | None:
    """(kind, media_id) of a photo, voice message or video to fetch from WeChat's media API, else None."""
    kind = MEDIA_TYPES.get(msg_type(message))
    media_id = field(message, "MediaId") if kind else ""
    return (kind, media_id) if media_id else None


def voice_format(message: BaseMessage) -> str:
    """The voice message's declared format (amr, speex, mp3), lower-cased; '' when absent."""
    return field(message, "Format").lower() if msg_type(message) == "voice" else ""


def stored_message(inbound: InboundMessage, account: WechatAccount | None) -> BaseMessage:
    """Parse a stored message again: its decrypted XML, the raw body, or (kept undecryptable) a fresh decryption."""
    payload = inbound.payload or {}
    if payload.get("xml"):
        return parse(payload["xml"])
    raw = xml_text(bytes(inbound.raw_body or b""))
    if payload.get("undecryptable"):
        if account is None:
            raise LookupError(f"account {payload.get('account')!r} is gone; cannot decrypt")
        return parse(decrypt_stored(account, xmltodict.parse(raw)["xml"]["Encrypt"]))
    return parse(raw)
