"""No phone number or email address in our logs, whoever writes the line.

Logs are kept longer, copied further and read by more people than the database, so a
consumer's contact details stay out of them: the engine never puts SQL parameters in an
error (``hide_parameters``), uvicorn's access lines lose their query strings
(``api/server.py``), and every log record made in a process that ``install_redaction`` ran
in has email addresses and phone-like digit runs replaced, in its message, its arguments and
its traceback text alike.
"""

from __future__ import annotations

import logging
import re
from typing import Any

EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
# A run of 10-15 digits with the separators people write phone numbers with.
PHONE_LIKE = re.compile(r"(?<![\w.:/-])\+?\(?\d[\d ().-]{8,22}\d(?![\w])")
DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if not 10 <= digits <= 15 or DATE_START.match(text):
        return text
    return "[phone]"


def redact(text: str) -> str:
    """``text`` with email addresses and phone numbers replaced by ``[email]``/``[phone]``."""
    return PHONE_LIKE.sub(_phone, EMAIL.sub("[email]", text))


def _redacted_arg(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))  # formatted with %s: its text is what the line would show


def _redact_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    else:
        record.msg = redact(str(record.msg))
    if isinstance(record.args, tuple):
        record.args = tuple(_redacted_arg(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _redacted_arg(v) for k, v in record.args.items()}
    if record.exc_info and record.exc_info[1] is not None:
        # Formatted now, redacted once: every handler's formatter then uses this text.
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))


_installed: list[Any] = []


def install_redaction() -> None:
    """Redact every log record made from now on in this process (idempotent)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    _installed.append(previous)
    logging.setLogRecordFactory(factory)


def uninstall_redaction() -> None:
    """Put back the record factory ``install_redaction`` replaced (for tests)."""
    if _installed:
        logging.setLogRecordFactory(_installed.pop())
