"""No phone number or email address in our logs, whoever writes the line.

Logs are kept longer, copied further and read by more people than the database, so a
consumer's contact details stay out of them: the engine never puts SQL parameters in an
error (``hide_parameters``), uvicorn's access lines lose their query strings
(``api/server.py``), and every log record made in a process that ``install_redaction`` ran
in has email addresses and phone numbers replaced, in its message, its arguments and its
traceback text alike.

Phone numbers are found by phonenumbers' ``PhoneNumberMatcher`` (which already passes over
dates, times and numbers glued to letters), not by counting digits: ids, amounts and
timestamps stay readable. A number is hidden when it is a valid number (bare digits
included), or when it is written like a phone (``+``, brackets, dashes, dots or spaces
between its digit groups) even if no carrier would take it; a bare digit run that is not a
valid number (``1733061234``, ``1234567890.50``) is left alone, and so is an IPv4
address (an access line's client).
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatch, PhoneNumberMatcher

EMAIL = re.compile(r"[\w.+%-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")  # also URL-encoded
# Seven or more digits, at most two separators apart: text without such a run holds no phone
# number, and the matcher (about a millisecond a line) is spared.
DIGIT_RUN = re.compile(r"\d(?:[ ().-]{0,2}\d){6,}")
# A dotted IPv4 address (a client's, in every access line) is written like a phone to the
# matcher; it is no consumer's contact, and an operator needs to read it.
IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.]*\d)")
REGION = "US"  # how numbers without a country code are read


def _hidden(match: PhoneNumberMatch) -> bool:
    written_as_phone = any(not ch.isdigit() for ch in match.raw_string)
    return written_as_phone or phonenumbers.is_valid_number(match.number)


def _phones(text: str) -> str:
    if not DIGIT_RUN.search(text):
        return text
    addresses = [m for m in IPV4.finditer(text) if _is_ipv4(m.group())]
    if addresses:  # the text between the addresses, each part on its own
        parts, last = [], 0
        for m in addresses:
            parts += [_phones(text[last : m.start()]), m.group()]
            last = m.end()
        return "".join([*parts, _phones(text[last:])])
    found = PhoneNumberMatcher(text, REGION, leniency=Leniency.POSSIBLE)
    spans = [(m.start, m.end) for m in found if _hidden(m)]
    for start, end in reversed(spans):
        text = text[:start] + "[phone]" + text[end:]
    return text


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def redact(text: str) -> str:
    """``text`` with email addresses and phone numbers replaced by ``[email]``/``[phone]``."""
    return _phones(EMAIL.sub("[email]", text))


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
