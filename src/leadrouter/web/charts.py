"""Charts as inline SVG, drawn on the server: horizontal bars (they fit a phone), each bar a
link to the leads behind it. No script, no library; readable by screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from markupsafe import Markup, escape

from leadrouter.services.dashboard.charts import Bar

WIDTH = 380
LABEL = 96
ROW = 28
BAR = 20
COLORS = ("#0b5cad", "#1d6b35")


def _link(key: str) -> str:
    url = f"/dashboard/bars?key={quote(key, safe='')}"
    return f'href="{url}" hx-get="{url}" hx-target="#behind" hx-swap="innerHTML"'


def bar_chart(title: str, series: Sequence[Sequence[Bar]], names: Sequence[str] = ()) -> Markup:
    """A horizontal bar chart of one or more series sharing labels (``series[i][row]``)."""
    rows = len(series[0]) if series else 0
    per_row = len(series)
    top = max([b.value for s in series for b in s] + [1])
    row_h = ROW + (per_row - 1) * (BAR // 2 + 4)
    height = rows * row_h + (24 if names else 8)
    span = WIDTH - LABEL - 44
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{escape(_id(title))}"'
        ' xmlns="http://www.w3.org/2000/svg" font-size="15" font-family="inherit">',
        f'<title id="{escape(_id(title))}">{escape(title)}</title>',
    ]
    for i in range(rows):
        y0 = i * row_h + 4
        label = series[0][i].label
        parts.append(
            f'<text x="{LABEL - 8}" y="{y0 + BAR * 0.75:.0f}" text-anchor="end" fill="#16202a">'
            f"{escape(label)}</text>"
        )
        for j, s in enumerate(series):
            bar = s[i]
            h = BAR if per_row == 1 else BAR // 2 + 2
            y = y0 + j * (h + 2)
            w = max(2, round(span * bar.value / top)) if bar.value else 0
            what = f"{names[j]}: " if names else ""
            color = COLORS[j % len(COLORS)]
            faint = ' fill-opacity="0.25"' if not bar.value else ""
            parts.append(
                f'<a {_link(bar.key)} aria-label="{escape(label)}, {what}{bar.value}">'
                f'<rect x="{LABEL}" y="{y}" width="{max(w, 2)}" height="{h}" rx="2" '
                f'fill="{color}"{faint}>'
                f"<title>{escape(label)}: {what}{bar.value}</title></rect>"
                f'<text x="{LABEL + w + 6}" y="{y + h * 0.8:.0f}" fill="#16202a">'
                f"{bar.value}</text></a>"
            )
    if names:
        y = rows * row_h + 16
        for j, name in enumerate(names):
            x = LABEL + j * 90
            parts.append(
                f'<rect x="{x}" y="{y - 10}" width="12" height="12" '
                f'fill="{COLORS[j % len(COLORS)]}"/>'
                f'<text x="{x + 18}" y="{y}" fill="#16202a">{escape(name)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())
