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
