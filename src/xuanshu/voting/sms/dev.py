"""The development sender: nothing leaves the machine; the code is logged and kept in `OUTBOX` for tests."""
import logging
import threading
import uuid

from xuanshu.core.masking import mask_phone

log = logging.getLogger("xuanshu.voting.sms")
OUTBOX: list[tuple[str, str]] = []
_lock = threading.Lock()


class DevSender:
    name = "dev"

    def send_code(self, *, phone: str, code: str) -> str:
        with _lock:
            OUTBOX.append((phone, code))
        log.warning("dev SMS sender: code %s for %s (not sent: development sender)", code, mask_phone(phone))
        return f"dev-{uuid.uuid4().hex[:12]}"


def last_code_for(phone: str) -> str | None:
    with _lock:
        return next((code for to, code in reversed(OUTBOX) if to == phone), None)


def build() -> DevSender:
    return DevSender()
