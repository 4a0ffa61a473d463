"""Sending one-time codes, and notices such as a nomination's status link, by SMS through a pluggable sender: `dev`
(logs, keeps an outbox), `aliyun`, `tencent`.

Choose with VOTING_SMS_SENDER; vendors read their credentials from the environment (see each adapter). A notice goes
out through the vendor's approved template for it: ALIYUN_SMS_TEMPLATE_CODE_<NOTICE> or TENCENT_SMS_TEMPLATE_ID_<NOTICE>
(`status_link`: variables reference and url).
"""
import importlib
import os
from typing import Protocol

from django.conf import settings


class SmsError(Exception):
    """The vendor refused or could not be reached; the message says which and why."""


class SmsSender(Protocol):
    name: str

    def send_code(self, *, phone: str, code: str) -> str:
        """Send `code` to the E.164 `phone`; returns the vendor's reference for the message."""

    def send_notice(self, *, phone: str, notice: str, params: dict[str, str], text: str) -> str:
        """Send a notice (such as `status_link`) to the E.164 `phone`: vendors fill their approved template for it
        with `params`, in order; `text` is the same message in full, as the dev sender shows it. Returns the
        vendor's reference for the message."""


_SENDERS = {"dev": "xuanshu.voting.sms.dev", "aliyun": "xuanshu.voting.sms.aliyun", "tencent": "xuanshu.voting.sms.tencent"}


def get_sender() -> SmsSender:
    name = os.environ.get("VOTING_SMS_SENDER") or getattr(settings, "VOTING_SMS_SENDER", "dev")
    if name not in _SENDERS:
        raise SmsError(f"unknown SMS sender '{name}' (choose one of {', '.join(_SENDERS)})")
    return importlib.import_module(_SENDERS[name]).build()
