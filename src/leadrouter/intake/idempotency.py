"""Idempotency keys as a request carries them: the header, its syntax, the body's fingerprint.

What a key remembers (the first response, for 24 hours) is kept by ``store.idempotency``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from leadrouter.errors import FieldError, ValidationFailed

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def check_key(key: str) -> None:
    """Refuse a key we could not store or compare: 1 to 200 visible ASCII characters."""
    if not _KEY.match(key):
        raise ValidationFailed(
            f"{HEADER} must be 1 to 200 visible ASCII characters",
            errors=[FieldError(HEADER, "must be 1 to 200 visible ASCII characters")],
        )


def digest(payload: Mapping[str, Any]) -> str:
    """A fingerprint of the request body that ignores key order and spacing."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
