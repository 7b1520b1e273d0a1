"""What values mean in the expression language: truth, equality, order and membership.

Any comparison with null is false (the parser handles ``== null`` and ``!= null``). Numbers
compare with numbers, strings with strings, and a string that spells a number compares
numerically with a number; other mixes compare false, and a boolean is not a number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

_NUMERIC = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")


def truthy(value: Any) -> bool:
    """How a value reads as a condition: null, false, 0, "" and [] are false."""
    return value is not None and bool(value)


def negate(value: Any) -> Any:
    """Minus a number; null for anything else."""
    return -value if _is_number(value) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(value: Any) -> int | float | None:
    if _is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _orderable(a: Any, b: Any) -> tuple[Any, Any] | None:
    if isinstance(a, str) and isinstance(b, str):
        return a, b
    if _is_number(a) or _is_number(b):
        x, y = _as_number(a), _as_number(b)
        if x is not None and y is not None:
            return x, y
    return None


def equal(a: Any, b: Any) -> bool:
    """Equality as the language means it (no bool/number mixing; numeric strings coerce)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    pair = _orderable(a, b)
    if pair is not None:
        return bool(pair[0] == pair[1])
    return type(a) is type(b) and bool(a == b)


def _contains(item: Any, container: Any) -> bool:
    if isinstance(container, list | tuple | set | frozenset):
        return any(equal(item, x) for x in container)
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, Mapping):
        return isinstance(item, str) and item in container
    return False


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        pair = _orderable(a, b)
        return pair is not None and test(*pair)

    return compare


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": equal,
    "!=": lambda a, b: not equal(a, b),
    "<": _ordered(lambda a, b: a < b),
    "<=": _ordered(lambda a, b: a <= b),
    ">": _ordered(lambda a, b: a > b),
    ">=": _ordered(lambda a, b: a >= b),
    "in": _contains,
    "not in": lambda a, b: not _contains(a, b),
}
