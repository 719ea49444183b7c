"""Log hygiene: query strings may carry personal data, so they never reach a log."""

import logging
import re

_QUERY = re.compile(r"\?[^\s\"']*")


def redact(text: str) -> str:
    """Replace every query string in ``text`` with a marker."""
    return _QUERY.sub("?[redacted]", text)


class RedactQueryStrings(logging.Filter):
    """Rewrites each record's message with its query strings removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is passed on untouched
            return True
        record.msg = redact(message)
        record.args = None
        return True
