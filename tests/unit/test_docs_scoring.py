"""docs/scoring.md states the default rubric the code uses: every feature, points and cuts."""

from __future__ import annotations

import re
from pathlib import Path

from leadrouter.domain.scoring import DEFAULT_RUBRIC, DEFAULT_WEIGHTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"
MINUS = "\N{MINUS SIGN}"  # the docs write negative points with a typographic minus
ROW = re.compile(
    r"^\| (high|medium|low|against) \| `(\w+)`[^|]*\| (" + MINUS + r"?\d+)(?: each| per unit)? \|$"
)


def test_the_documented_default_rubric_is_the_one_in_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = {
        m.group(2): float(m.group(3).replace(MINUS, "-"))
        for m in map(ROW.match, text.splitlines())
        if m is not None
    }
    assert documented == DEFAULT_WEIGHTS
    assert f"high at {DEFAULT_RUBRIC.high_at:g} points or more" in text
    assert f"medium at {DEFAULT_RUBRIC.medium_at:g} or more" in text
