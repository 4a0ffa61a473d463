"""The development sender: nothing leaves the machine; codes and notices are logged and kept in `OUTBOX` and `NOTICES`
for tests."""
import logging
import threading
import uuid

from xuanshu.core.masking import mask_phone

log = logging.getLogger("xuanshu.voting.sms")
OUTBOX: list[tuple[str, str]] = []
NOTICES: list[tuple[str, str, str]] = []  # (phone, notice, text)
_lock = threading.Lock()


class DevSender:
    name = "dev"

    def send_code(self, *, phone: str, code: str) -> str:
        with _lock:
            OUTBOX.append((phone, code))
        log.warning("dev SMS sender: code %s for %s (not sent: development sender)", code, mask_phone(phone))
        return f"dev-{uuid.uuid4().hex[:12]}"

    def send_notice(self, *, phone: str, notice: str, params: dict[str, str], text: str) -> str:
        with _lock:
            NOTICES.append((phone, notice, text))
        log.warning("dev SMS sender: %s notice for %s (not sent: development sender): %s", notice, mask_phone(phone), text)
        return f"dev-{uuid.uuid4().hex[:12]}"


def last_code_for(phone: str) -> str | None:
    with _lock:
        return next((code for to, code in reversed(OUTBOX) if to == phone), None)


def build() -> DevSender:
    return DevSender()
