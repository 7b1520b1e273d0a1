"""Every example in docs/policy.md is checked against the real parser.

```yaml blocks must be valid policy documents; ```yaml-invalid blocks must be refused with
exactly the errors their ``# refused: FIELD: REASON`` lines claim; each line of an ```expr
block must parse; each ``EXPR -> MESSAGE`` line of an ```expr-invalid block must be
refused with that message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leadrouter.domain.expr import ExprError, parse
from leadrouter.errors import ValidationFailed
from leadrouter.policy.load import default_policy, parse_policy, to_routing_policy
from leadrouter.policy.schema import STEP_TYPES, STRATEGY_TYPES

DOC = Path(__file__).resolve().parents[2] / "docs" / "policy.md"
_FENCE = re.compile(r"^```([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_REFUSED = "# refused: "


def blocks(kind: str) -> list[tuple[int, str]]:
    """(line number, body) of each fenced block of ``kind`` in the reference."""
    text = DOC.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start()) + 1, m.group(2))
        for m in _FENCE.finditer(text)
        if m.group(1) == kind
    ]


def lines_of(kind: str) -> list[tuple[int, str]]:
    """(line number, line) of each non-blank line inside blocks of ``kind``."""
    return [
        (start + i, line)
        for start, body in blocks(kind)
        for i, line in enumerate(body.splitlines(), 1)
        if line.strip()
    ]


def _ids(items: list[tuple[int, str]]) -> list[str]:
    return [f"line {n}" for n, _ in items]


VALID = blocks("yaml")
INVALID = blocks("yaml-invalid")
EXPRESSIONS = lines_of("expr")
WRONG_EXPRESSIONS = lines_of("expr-invalid")


def test_the_reference_has_examples_of_every_kind() -> None:
    assert len(VALID) >= 5 and INVALID and EXPRESSIONS and WRONG_EXPRESSIONS


@pytest.mark.parametrize(("line", "body"), VALID, ids=_ids(VALID))
def test_every_yaml_example_is_a_valid_policy(line: int, body: str) -> None:
    to_routing_policy(parse_policy(body, "yaml"))


@pytest.mark.parametrize(("line", "body"), INVALID, ids=_ids(INVALID))
def test_every_invalid_example_is_refused_with_the_errors_the_reference_shows(
    line: int, body: str
) -> None:
    claimed = {
        tuple(claim.removeprefix(_REFUSED).split(": ", 1))
        for claim in body.splitlines()
        if claim.startswith(_REFUSED)
    }
    assert claimed, f"the block at line {line} claims no '{_REFUSED}FIELD: REASON'"
    with pytest.raises(ValidationFailed) as refused:
        parse_policy(body, "yaml")
    assert {(e.field, e.reason) for e in refused.value.errors} == claimed


@pytest.mark.parametrize(("line", "source"), EXPRESSIONS, ids=_ids(EXPRESSIONS))
def test_every_expression_shown_parses(line: int, source: str) -> None:
    parse(source)


@pytest.mark.parametrize(("line", "text"), WRONG_EXPRESSIONS, ids=_ids(WRONG_EXPRESSIONS))
def test_every_wrong_expression_is_refused_with_the_message_shown(line: int, text: str) -> None:
    source, message = text.rsplit(" -> ", 1)
    with pytest.raises(ExprError) as refused:
        parse(source)
    assert str(refused.value) == message


def test_the_shipped_default_shown_is_the_one_leadrouter_ships() -> None:
    shown = [parse_policy(body) for _, body in VALID if body.startswith("name: default\n")]
    assert shown == [default_policy()]


def test_every_step_type_and_strategy_appears_in_a_checked_example() -> None:
    checked = "\n".join(body for _, body in VALID)
    for kind in (*STEP_TYPES, *STRATEGY_TYPES):
        assert re.search(rf"\b{kind}\b", checked), f"no valid example uses {kind}"


def test_the_weighted_score_section_says_what_routing_is_fed_with_the_codes_numbers() -> None:
    import inspect

    from leadrouter.services.routing.context import RecordCache
    from leadrouter.store.stats_repo import PRIOR_WEIGHT

    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert "not yet fed" not in text
    defaults = inspect.signature(RecordCache.__init__).parameters
    days = defaults["window"].default.days
    minutes = int(defaults["refresh"].default.total_seconds() // 60)
    assert f"track record over the leads received in the trailing {days} days" in text
    assert f"at most every {minutes} minutes" in text
    assert f"as if {PRIOR_WEIGHT} more closed leads had closed at it" in text
