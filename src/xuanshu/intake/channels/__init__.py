"""One folder per channel. Each has `adapter.py` with `interpret(inbound) -> Interpretation`
(see intake/interpretation.py)."""
import importlib
from collections.abc import Callable

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


def _missing(channel: str):
    raise LookupError(f"no interpreter for channel '{channel}' yet")


def describe_inbound(inbound) -> tuple[str, str]:
    """(subject, text) of a message as a person would read it, for listings.

    A channel may define `describe(inbound)`; otherwise the text is what its interpreter reads out.
    A message that cannot be interpreted is described by its raw text, so it still shows up.
    """
    path = CHANNEL_MODULES.get(inbound.channel)
    try:
        module = importlib.import_module(path) if path else None
    except ModuleNotFoundError:
        module = None
    if module is not None and hasattr(module, "describe"):
        return module.describe(inbound)
    try:
        result = module.interpret(inbound) if module is not None else None
    except Exception:  # noqa: BLE001 - a listing must not fail on one bad message
        result = None
    text = getattr(result, "deeds", None) or getattr(result, "text", None) or getattr(result, "reason", None)
    if text is None:
        text = inbound.raw_text or ("" if inbound.payload is None else str(inbound.payload))
    return "", text
