"""One folder per channel. Each exposes `interpret(inbound) -> NominationDraft | None`."""
from collections.abc import Callable


def interpreter_for(channel: str) -> Callable:
    from xuanshu.intake.channels.webform.adapter import interpret as webform
    from xuanshu.intake.enums import Channel

    interpreters = {Channel.WEBFORM: webform}
    try:
        return interpreters[channel]
    except KeyError:
        raise LookupError(f"no interpreter for channel '{channel}' yet") from None
