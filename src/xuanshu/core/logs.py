"""The format of the site's log lines (settings.LOGGING): one line per record, then its traceback, if any.

Tracebacks end in exception messages, and those can quote data: a unique-constraint violation names the
phone number that clashed, a connection error the URL it could not reach. What goes out is masked the same
way as citizens' text shown to staff (138****5678, and resident ID, bank card, WeChat and QQ numbers), and a
URL's password is dropped, so that a log shipped to someone else carries no citizen's contact, identifier or
credential.

uvicorn's access log (one line per request, written by uvicorn's own handlers) loses its query strings: they
carry what a citizen was handed, such as WeChat's OAuth `code=` and `state=`. See `configure_logging`.
"""
import logging
import logging.config
import re
from urllib.parse import quote, unquote

from xuanshu.core.redaction import redact_personal_data

_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@")


def redact_log_text(text: str) -> str:
    """`text` with URL passwords replaced by *** and contacts and identifiers masked."""
    return redact_personal_data(_URL_PASSWORD.sub(r"\g<head>***@", text))


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output (message and traceback alike) passes through `redact_log_text`."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_log_text(super().format(record))


ACCESS_LOGGER = "uvicorn.access"


# The citizen's own links carry their secret in the path: the status page and the thank-you page.
_TOKEN_IN_PATH = re.compile(r"^(/c/[^/]+/(?:status|nominate/thanks)/)[^/]+")


def redact_request_target(target: str) -> str:
    """A request's path as the access log shows it: the query string replaced by `?…`, a citizen's link token
    by `…`, contacts and identifiers masked."""
    path, question_mark, _query = target.partition("?")
    # uvicorn logs the path percent-encoded: a card typed in groups (6222%200212%203456%207890) is masked as the
    # decoded text reads, then encoded again as uvicorn wrote it (the masks' * left as they are).
    decoded = unquote(path, errors="surrogateescape")
    path = quote(redact_log_text(decoded), safe="/*", errors="surrogateescape")
    path = _TOKEN_IN_PATH.sub(r"\1…", path)
    return path + ("?…" if question_mark else "")


class AccessLogRedaction(logging.Filter):
    """Rewrites uvicorn's access records, which it logs as `'%s - "%s %s HTTP/%s" %d'` with
    (client, method, path with query string, HTTP version, status): only the path changes."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact_request_target(args[2]), *args[3:])
        return True


_ACCESS_LOG_REDACTION = AccessLogRedaction()


def configure_logging(config: dict) -> None:
    """settings.LOGGING_CONFIG: apply settings.LOGGING, and keep query strings out of uvicorn's access log.

    The filter sits on the access logger itself, so every handler sees the rewritten record, and uvicorn's
    handlers (set up from its own log config before it loads the site, or removed by --no-access-log) are
    left as they are.
    """
    logging.config.dictConfig(config)
    logging.getLogger(ACCESS_LOGGER).addFilter(_ACCESS_LOG_REDACTION)  # once: the same filter is not added twice
