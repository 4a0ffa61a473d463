"""The format of the site's log lines (settings.LOGGING): one line per record, then its traceback, if any.

Tracebacks end in exception messages, and those can quote data: a unique-constraint violation names the
phone number that clashed, a connection error the URL it could not reach. What goes out is masked the same
way as contacts shown to staff (138****5678), and a URL's password is dropped, so that a log shipped to
someone else carries no citizen's contact and no credential.
"""
import logging
import re

from xuanshu.core.redaction import redact_contacts

_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@")


def redact_log_text(text: str) -> str:
    """`text` with URL passwords replaced by *** and contacts masked."""
    return redact_contacts(_URL_PASSWORD.sub(r"\g<head>***@", text))


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output (message and traceback alike) passes through `redact_log_text`."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_log_text(super().format(record))
