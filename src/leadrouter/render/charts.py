"""Charts as inline SVG: horizontal bars, readable in a browser, a PDF and on paper.

Each chart carries a title and a text label per bar (screen readers read them; nothing is
told by colour alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

ROW = 22
LABEL_WIDTH = 150
BAR_WIDTH = 330
VALUE_WIDTH = 90


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
) -> Markup:
    """A horizontal bar per (label, value), longest bar for the largest value."""
    top = max((v for _, v in bars), default=0) or 1
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = ROW * len(bars) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(bars):
        y = 4 + i * ROW
        length = round(BAR_WIDTH * value / top, 1)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" '
            f'font-size="12" fill="#1f2933">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length}" height="{ROW - 6}" '
            f'fill="#2b6cb0"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 15}" font-size="12" '
            f'fill="#1f2933">{escape(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
