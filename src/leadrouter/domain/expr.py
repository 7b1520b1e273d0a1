"""A small, safe expression language for policy conditions; never ``eval``.

Grammar (recursive descent, parsed once at policy load)::

    expr     := and ("or" and)*
    and      := not ("and" not)*
    not      := "not" not | compare
    compare  := unary (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in") unary)?
    unary    := "-" unary | operand
    operand  := NUMBER | STRING | true | false | null | NAME ("." NAME)*
              | "(" expr ")" | "[" [expr ("," expr)* [","]] "]"

Meaning: a dotted name looks a value up through nested mappings only (never attributes);
a missing name is null. Any comparison with null is false, except ``x == null`` and
``x != null``, which test presence. Numbers compare with numbers, strings with strings; a
string that spells a number compares numerically with a number (form posts send strings);
other mixes are false, and a boolean is not a number. ``in`` tests membership in a list,
a substring in a string, or a key in a mapping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from leadrouter.domain.expr_values import COMPARISONS, negate, truthy

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "Expr", "ExprError", "parse", "truthy"]

Env = Mapping[str, Any]
Fn = Callable[[Env], Any]

MAX_LENGTH = 4000
MAX_DEPTH = 40
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<num>(?:\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
      | (?P<str>["'])
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,|-)
    """,
    re.VERBOSE,
)
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}


class ExprError(ValueError):
    """An expression that does not parse; ``position`` is the 0-based offset of the fault."""

    def __init__(self, message: str, position: int) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} at column {position + 1}")


@dataclass(frozen=True)
class Expr:
    """A parsed expression: evaluate it against a mapping of names."""

    source: str
    names: frozenset[str] = field(compare=False)
    fn: Fn = field(compare=False, repr=False)

    def evaluate(self, env: Env) -> Any:
        """The value of the expression in ``env``."""
        return self.fn(env)

    def test(self, env: Env) -> bool:
        """The expression's value in ``env``, as a condition."""
        return truthy(self.fn(env))

    @property
    def constant(self) -> bool:
        """True when the expression mentions no name, so its value never changes."""
        return not self.names


def parse(source: str) -> Expr:
    """Parse ``source`` once; raises ExprError naming the column of the fault."""
    if len(source) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH)
    parser = _Parser(_tokenize(source))
    if parser.peek()[0] == "end":
        raise ExprError("empty expression", 0)
    fn = parser.expr(0)
    kind, value, pos = parser.peek()
    if kind != "end":
        raise ExprError(f"unexpected {value!r}", pos)
    return Expr(source, frozenset(parser.names), fn)


Token = tuple[str, Any, int]


def _tokenize(source: str) -> list[Token]:
    """The tokens; a lexical fault becomes an error token, raised when the parser reaches it."""
    tokens: list[Token] = []
    try:
        _lex(source, tokens)
    except ExprError as e:
        tokens.append(("error", e.message, e.position))
        return tokens
    tokens.append(("end", "end of expression", len(source)))
    return tokens


def _lex(source: str, tokens: list[Token]) -> None:
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            raise ExprError(f"unexpected character {source[pos]!r}", pos)
        kind = m.lastgroup or ""
        if kind == "str":
            text, end = _read_string(source, pos)
            tokens.append(("str", text, pos))
            pos = end
            continue
        text = m.group()
        if kind == "num":
            tokens.append(("num", _number(text, pos), pos))
        elif kind == "name":
            tokens.append(("kw" if text in KEYWORDS else "name", text, pos))
        elif kind == "op":
            tokens.append(("op", text, pos))
        pos = m.end()


def _number(text: str, pos: int) -> int | float:
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        raise ExprError(f"bad number {text!r}", pos) from None


def _read_string(source: str, start: int) -> tuple[str, int]:
    quote, pos = source[start], start + 1
    out: list[str] = []
    while pos < len(source):
        c = source[pos]
        if c == quote:
            return "".join(out), pos + 1
        if c == "\\":
            nxt = source[pos + 1 : pos + 2]
            if nxt not in _ESCAPES:
                raise ExprError(f"unknown escape \\{nxt}", pos)
            out.append(_ESCAPES[nxt])
            pos += 2
            continue
        out.append(c)
        pos += 1
    raise ExprError("unterminated string", start)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.names: set[str] = set()

    def peek(self) -> Token:
        tok = self.tokens[self.i]
        if tok[0] == "error":
            raise ExprError(tok[1], tok[2])
        return tok

    def take(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def accept(self, kind: str, value: str) -> bool:
        tok = self.peek()
        if tok[0] == kind and tok[1] == value:
            self.i += 1
            return True
        return False

    def expect(self, kind: str, value: str) -> None:
        if not self.accept(kind, value):
            _, got, pos = self.peek()
            raise ExprError(f"expected {value!r} but found {got!r}", pos)

    def expr(self, depth: int) -> Fn:
        if depth > MAX_DEPTH:
            raise ExprError(f"expression nested deeper than {MAX_DEPTH}", self.peek()[2])
        parts = [self.conj(depth)]
        while self.accept("kw", "or"):
            parts.append(self.conj(depth))
        return parts[0] if len(parts) == 1 else _any_of(tuple(parts))

    def conj(self, depth: int) -> Fn:
        parts = [self.neg(depth)]
        while self.accept("kw", "and"):
            parts.append(self.neg(depth))
        return parts[0] if len(parts) == 1 else _all_of(tuple(parts))

    def neg(self, depth: int) -> Fn:
        if self.accept("kw", "not"):
            if depth > MAX_DEPTH:
                raise ExprError(f"expression nested deeper than {MAX_DEPTH}", self.peek()[2])
            inner = self.neg(depth + 1)
            return lambda env: not truthy(inner(env))
        return self.compare(depth)

    def compare(self, depth: int) -> Fn:
        left_is_null = self.peek()[:2] == ("kw", "null")
        left = self.unary(depth)
        kind, op, _ = self.peek()
        if (kind == "op" and op in COMPARISONS) or (kind == "kw" and op == "in"):
            self.take()
        elif kind == "kw" and op == "not" and self.tokens[self.i + 1][:2] == ("kw", "in"):
            self.i += 2
            op = "not in"
        else:
            return left
        right_is_null = self.peek()[:2] == ("kw", "null")
        right = self.unary(depth)
        if op in ("==", "!=") and (left_is_null or right_is_null):
            other = right if left_is_null else left
            if op == "==":
                return lambda env: other(env) is None
            return lambda env: other(env) is not None
        return _comparison(op, left, right)

    def unary(self, depth: int) -> Fn:
        if self.accept("op", "-"):
            if depth > MAX_DEPTH:
                raise ExprError(f"expression nested deeper than {MAX_DEPTH}", self.peek()[2])
            inner = self.unary(depth + 1)
            return lambda env: negate(inner(env))
        return self.operand(depth)

    def operand(self, depth: int) -> Fn:
        kind, value, pos = self.take()
        if kind in ("num", "str"):
            return _const(value)
        if kind == "kw" and value in _LITERALS:
            return _const(_LITERALS[value])
        if kind == "name":
            self.names.add(value)
            return _lookup(tuple(value.split(".")))
        if kind == "op" and value == "(":
            inner = self.expr(depth + 1)
            self.expect("op", ")")
            return inner
        if kind == "op" and value == "[":
            return self.list_items(depth + 1)
        raise ExprError(f"expected a value but found {value!r}", pos)

    def list_items(self, depth: int) -> Fn:
        items: list[Fn] = []
        while not self.accept("op", "]"):
            items.append(self.expr(depth))
            if not self.accept("op", ","):
                self.expect("op", "]")
                break
        frozen = tuple(items)
        return lambda env: [item(env) for item in frozen]


_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


def _const(value: Any) -> Fn:
    return lambda env: value


def _lookup(parts: tuple[str, ...]) -> Fn:
    def get(env: Env) -> Any:
        cur: Any = env
        for part in parts:
            if not isinstance(cur, Mapping):
                return None
            cur = cur.get(part)
            if cur is None:
                return None
        return cur

    return get


def _any_of(parts: tuple[Fn, ...]) -> Fn:
    return lambda env: any(truthy(p(env)) for p in parts)


def _all_of(parts: tuple[Fn, ...]) -> Fn:
    return lambda env: all(truthy(p(env)) for p in parts)


def _comparison(op: str, left: Fn, right: Fn) -> Fn:
    test = COMPARISONS[op]

    def compare(env: Env) -> bool:
        a, b = left(env), right(env)
        if a is None or b is None:
            return False
        return test(a, b)

    return compare
