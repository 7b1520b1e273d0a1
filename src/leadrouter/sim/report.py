"""What a simulated month says: binds, premium, speed, fairness, compliance; table and chart."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from rich.table import Table

from leadrouter.sim.memory import Outcome
from leadrouter.sim.scenario import AGENCY_TZ, Scenario, licensed, next_on_shift


@dataclass(frozen=True)
class Row:
    strategy: str
    binds: int
    expected_binds: float
    premium: float
    within_5_min: float
    gini: float
    floors_kept: int
    floors_total: int
    unlicensed: int
    dropped: int
    seconds: float


def gini(values: list[int]) -> float:
    """Gini coefficient of a list of counts (0: all equal)."""
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0 or x.sum() == 0:
        return 0.0
    n = x.size
    return float((2 * np.arange(1, n + 1) - n - 1).dot(x) / (n * x.sum()))


def floors(s: Scenario, out: Outcome, min_share: float) -> tuple[int, int]:
    """Producer-weeks at or above ``min_share`` of the week's leads, of those who worked."""
    weeks: dict[int, Counter[int]] = {}
    for i, owner in out.final_owner.items():
        week = (s.leads[i].arrival - s.start).days // 7
        weeks.setdefault(week, Counter())[owner] += 1
    kept = total = 0
    for week, counts in weeks.items():
        begin = s.start + timedelta(days=7 * week)
        leads = sum(counts.values())
        for p in s.producers:
            if next_on_shift(p, begin) >= begin + timedelta(days=7):
                continue
            total += 1
            kept += counts.get(p.index, 0) >= min_share * leads
    return kept, total


def summarize(s: Scenario, out: Outcome, min_share: float) -> Row:
    """The table row of one strategy."""
    per_producer = Counter(out.final_owner.values())
    calls = out.first_call_minutes
    unlicensed = sum(
        1 for c in out.choices if not licensed(s.producers[c.producer], s.leads[c.lead])
    )
    kept, total = floors(s, out, min_share)
    return Row(
        out.strategy,
        out.binds,
        out.expected_binds,
        out.premium,
        sum(1 for d in calls.values() if d <= 5) / max(1, out.leads),
        gini([per_producer.get(p.index, 0) for p in s.producers]),
        kept,
        total,
        unlicensed,
        out.unassigned,
        out.seconds,
    )


def table(rows: list[Row], s: Scenario) -> Table:
    """The comparison, with each strategy's binds against round robin's and the oracle's."""
    base = next((r.binds for r in rows if r.strategy == "round robin"), 0)
    top = next((r.binds for r in rows if r.strategy.startswith("oracle")), 0)
    t = Table(
        title=f"{s.days} days, {len(s.producers)} producers, {len(s.leads)} leads, seed {s.seed}"
    )
    for col in (
        "strategy", "binds", "vs RR", "vs oracle", "expected", "premium", "≤5 min",
        "Gini", "floors kept", "unlicensed", "dropped",
    ):  # fmt: skip
        t.add_column(col, justify="left" if col == "strategy" else "right")
    for r in rows:
        t.add_row(
            r.strategy,
            str(r.binds),
            f"{r.binds / base:.2f}x" if base else "",
            f"{r.binds / top:.2f}x" if top else "",
            f"{r.expected_binds:.1f}",
            f"{r.premium:,.0f}",
            f"{r.within_5_min:.1%}",
            f"{r.gini:.3f}",
            f"{r.floors_kept}/{r.floors_total}",
            str(r.unlicensed),
            str(r.dropped),
        )
    return t


COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#7f7f7f", "#9467bd")


def chart_svg(s: Scenario, outcomes: list[Outcome]) -> str:
    """Cumulative binds by day and strategy, as a self-contained SVG."""
    w, h, pad = 720, 400, 50
    days = s.days + 3
    series = []
    for out in outcomes:
        per_day = [0] * (days + 1)
        for at in out.bound_at.values():
            d = (at.astimezone(AGENCY_TZ) - s.start).days
            per_day[min(days, max(0, d))] += 1
        series.append((out.strategy, list(np.cumsum(per_day))))
    top = max([1] + [int(v[-1]) for _, v in series])

    def x(d: int) -> float:
        return pad + (w - 2 * pad) * d / days

    def y(v: float) -> float:
        return h - pad - (h - 2 * pad) * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">',
        f"<title>Cumulative binds by strategy, seed {s.seed}</title>",
        f'<rect width="{w}" height="{h}" fill="white"/>',
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="black"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="black"/>',
        f'<text x="{w / 2}" y="{h - 15}" text-anchor="middle">day</text>',
        f'<text x="15" y="{h / 2}" transform="rotate(-90 15 {h / 2})" text-anchor="middle">'
        "cumulative binds</text>",
    ]
    for d in range(0, days + 1, 7):
        parts.append(f'<text x="{x(d):.1f}" y="{h - pad + 15}" text-anchor="middle">{d}</text>')
    for k in range(5):
        v = top * k / 4
        parts.append(f'<text x="{pad - 5}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>')
    for n, (name, values) in enumerate(series):
        color = COLORS[n % len(COLORS)]
        points = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
        label = f"{name}: {int(values[-1])}"
        parts.append(f'<text x="{pad + 10}" y="{pad + 15 * n}" fill="{color}">{label}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
