"""What a parsed WeChat message says: its id, sender, kind and readable text."""
import re

import xmltodict
from wechatpy.messages import BaseMessage

from xuanshu.intake.channels.wechat.models import WechatAccount
from xuanshu.intake.channels.wechat.protocol import decrypt_stored, field, parse, xml_text
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.extraction import mentions_keyword

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


# A short question in the follow-up window ("收到了吗？", "怎么查进度", "什么时候投票") asks about the nomination; it is
# not part of the nominee's story. Longer messages are taken as more to tell, even when they end with a question.
QUESTION_MAX_CHARS = 20
_QUESTION_PARTICLES = ("吗", "呢", "么", "没")
_QUESTION_OPENERS = ("请问", "怎么", "怎样", "如何", "什么时候", "何时", "几时", "多久")
_PROGRESS_WORDS = ("进度",)
# What may trail a question: spaces, punctuation, and emoji as WeChat sends them in text ("[抱拳]").
_TRAILING = re.compile(r"(?:[\s?？!！。.,，~～…]|\[[^\[\]\s]{1,6}\])*$")


def is_short_question(text: str) -> bool:
    """At most QUESTION_MAX_CHARS characters that ask something: ending with a question mark or particle (吗 呢 么
    没), opening with a question word (请问, 怎么, 什么时候…), or asking about 进度 (progress)."""
    text = text.strip()
    if len(text) > 4 * QUESTION_MAX_CHARS:  # long whatever trails it; and the search below stays cheap
        return False
    trailing = _TRAILING.search(text)
    core = text[:trailing.start()]
    if not core or len(core) > QUESTION_MAX_CHARS:
        return False
    return (
        any(mark in trailing.group() for mark in "?？")
        or core.endswith(_QUESTION_PARTICLES)
        or core.startswith(_QUESTION_OPENERS)
        or any(word in core for word in _PROGRESS_WORDS)
    )


def may_join_a_later_nomination(message: BaseMessage, campaign) -> bool:
    """A photo, voice message, video or text that neither carries the keyword nor is a short question: sent just
    before the sender's nomination (conf.EARLY_FOLLOW_UP_MINUTES), it belongs to it. A question sent before a
    nomination is not about it."""
    if campaign is None or msg_type(message) not in FOLLOW_UP_TYPES:
        return False
    text = keyword_text(message)
    return not is_short_question(text) and not mentions_keyword(text, keyword=campaign.keyword, variants=campaign.keyword_variants)


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
