"""Sending one-time codes by SMS through a pluggable sender: `dev` (logs, keeps an outbox), `aliyun`, `tencent`.

Choose with VOTING_SMS_SENDER; vendors read their credentials from the environment (see each adapter).
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


_SENDERS = {"dev": "xuanshu.voting.sms.dev", "aliyun": "xuanshu.voting.sms.aliyun", "tencent": "xuanshu.voting.sms.tencent"}


def get_sender() -> SmsSender:
    name = os.environ.get("VOTING_SMS_SENDER") or getattr(settings, "VOTING_SMS_SENDER", "dev")
    if name not in _SENDERS:
        raise SmsError(f"unknown SMS sender '{name}' (choose one of {', '.join(_SENDERS)})")
    return importlib.import_module(_SENDERS[name]).build()
