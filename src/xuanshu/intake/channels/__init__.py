"""One folder per channel. Each has `adapter.py` with `interpret(inbound) -> Interpretation`
(see intake/interpretation.py) and `describe(inbound) -> Description`, the cheap reading for listings; optionally
`read_again_after(inbound) -> ids`, messages to process again once `inbound` is processed, `on_processed(inbound)`,
what the channel does as `inbound` becomes processed, and `sender_contact(inbound) -> SenderContact`, who sent it as
the channel itself says (not as the text says)."""
import functools
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass

CHANNEL_MODULES = {
    "webform": "xuanshu.intake.channels.webform.adapter",
    "hotline": "xuanshu.intake.channels.hotline.adapter",
    "wechat": "xuanshu.intake.channels.wechat.adapter",
    "email": "xuanshu.intake.channels.email.adapter",
    "api": "xuanshu.intake.channels.api.adapter",
}


def interpreter_for(channel: str) -> Callable:
    path = CHANNEL_MODULES.get(channel)
    try:
        return importlib.import_module(path).interpret if path else _missing(channel)
    except ModuleNotFoundError as error:
        if not (error.name and (path + ".").startswith(error.name + ".")):
            raise  # the adapter exists but something it imports does not: a real failure
        return _missing(channel)


def read_again_after(inbound) -> list[int]:
    """Ids of messages whose reading changes now that `inbound` is processed, as its channel's adapter names them in
    an optional `read_again_after(inbound)` (WeChat: a photo sent just before the nomination); none otherwise."""
    path = CHANNEL_MODULES.get(inbound.channel)
    names_them = getattr(importlib.import_module(path), "read_again_after", None) if path else None
    return list(names_them(inbound)) if names_them else []


def on_processed(inbound) -> None:
    """Let `inbound`'s channel act as the message becomes processed, inside that transaction, through its adapter's optional
    `on_processed(inbound)` (WeChat: fetch the photo, voice or video of a message it could not decrypt at receipt)."""
    path = CHANNEL_MODULES.get(inbound.channel)
    acts = getattr(importlib.import_module(path), "on_processed", None) if path else None
    if acts is not None:
        acts(inbound)


@dataclass(frozen=True)
class SenderContact:
    """The sender's name, phone and e-mail address as the channel gave them (the app's contact, the mail's From, the
    hotline caller); '' where the channel gives none (a WeChat openid is no contact)."""

    name: str = ""
    phone: str = ""
    email: str = ""


def sender_contact(inbound) -> SenderContact:
    """Who sent `inbound`, by its channel's optional `sender_contact(inbound)`: for a reader tip turned into a
    nomination, which has only the tip's text otherwise."""
    path = CHANNEL_MODULES.get(inbound.channel)
    reads_it = getattr(importlib.import_module(path), "sender_contact", None) if path else None
    return reads_it(inbound) if reads_it else SenderContact()


def _missing(channel: str):
    raise LookupError(f"no interpreter for channel '{channel}' yet")


@dataclass(frozen=True)
class Description:
    """A stored message as a listing shows it, read from its raw record alone."""

    subject: str = ""
    text: str = ""
    attachments: tuple[str, ...] = ()  # file names (or kinds) the raw record carries


def describe_inbound(inbound) -> Description:
    """What a message says, for listings: its channel's `describe(inbound)`, never its interpreter.

    Describing reads the raw record only: no queries, no files written, however many messages are listed.
    A message its channel cannot read is described by its raw text, so it still shows up.
    """
    describe = _describer(inbound.channel)
    if describe is not None:
        try:
            return describe(inbound)
        except Exception:  # noqa: BLE001 - a listing must not fail on one bad message
            pass
    payload = "" if inbound.payload is None else json.dumps(inbound.payload, ensure_ascii=False)
    return Description(text=inbound.raw_text or payload)


@functools.cache
def _describer(channel: str) -> Callable | None:
    path = CHANNEL_MODULES.get(channel)
    try:
        module = importlib.import_module(path) if path else None
    except ModuleNotFoundError:
        module = None
    return getattr(module, "describe", None) or _DESCRIBERS_OUTSIDE_ADAPTERS.get(channel)


def _describe_wechat(inbound) -> Description:
    """A WeChat message from its stored XML; one kept undecryptable stays raw (decrypting needs the account)."""
    from xuanshu.intake.channels.wechat.content import event_name, msg_type, readable_text, stored_message

    message = stored_message(inbound, None)
    kind = msg_type(message)
    if kind == "event":
        return Description(subject=f"event {event_name(message)}".strip())
    return Description(subject="" if kind == "text" else kind, text=readable_text(message))


# The WeChat folder belongs to the channel's own work in progress; its describe() can move into its adapter.
_DESCRIBERS_OUTSIDE_ADAPTERS = {"wechat": _describe_wechat}
