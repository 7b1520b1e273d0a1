"""Nesting depth of a JSON text, measured without parsing it (parsers recurse per level)."""

from __future__ import annotations

import re

_TOKENS = re.compile(rb'["\[\]{}]')


class JsonDepth:
    """Tracks the nesting depth of a JSON text fed in chunks (brackets in strings skipped)."""

    def __init__(self) -> None:
        self.depth = 0
        self.deepest = 0
        self._in_string = False
        self._trailing_backslashes = 0  # at the end of the previous chunk

    def feed(self, chunk: bytes) -> int:
        """Consume a chunk; the deepest nesting seen so far."""
        for match in _TOKENS.finditer(chunk):
            token = match.group()
            if self._in_string:
                if token == b'"' and not self._escaped(chunk, match.start()):
                    self._in_string = False
            elif token == b'"':
                self._in_string = True
            elif token in (b"[", b"{"):
                self.depth += 1
                self.deepest = max(self.deepest, self.depth)
            else:
                self.depth -= 1
        stripped = len(chunk) - len(chunk.rstrip(b"\\"))
        self._trailing_backslashes = (
            self._trailing_backslashes + stripped if stripped == len(chunk) else stripped
        )
        return self.deepest

    def _escaped(self, chunk: bytes, at: int) -> bool:
        before = chunk[:at]
        backslashes = len(before) - len(before.rstrip(b"\\"))
        if backslashes == len(before):
            backslashes += self._trailing_backslashes
        return backslashes % 2 == 1
