"""An SVG chart of an evaluation: conversion by tier per scorer, and the model's reliability.

Hand-written SVG (two small panels) so the chart needs no plotting library and opens in
any browser.
"""

from __future__ import annotations

from html import escape

from leadrouter.learning.evaluate import Evaluation, reliability

W, H, PAD = 360, 260, 40
COLORS = {"low": "#9aa5b1", "medium": "#f0a93b", "high": "#d64545"}


def _text(x: float, y: float, s: str, size: int = 11, anchor: str = "middle") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="sans-serif">{escape(s)}</text>'
    )


def _axes(ox: float, title: str) -> list[str]:
    x0, y0, x1, y1 = ox + PAD, H - PAD, ox + W - 10, 30
    parts = [
        _text(ox + W / 2, 18, title, 13),
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#333"/>',
        f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#333"/>',
    ]
    for k in range(0, 11, 2):
        y = y0 - (y0 - y1) * k / 10
        parts.append(_text(x0 - 4, y + 4, f"{k * 10}%", 9, "end"))
    return parts


def _tiers_panel(ev: Evaluation) -> list[str]:
    parts = _axes(0, "conversion by tier (held-out)")
    top, bottom = 30, H - PAD
    group = (W - PAD - 10) / len(ev.scorers)
    bar = group / 4
    for g, s in enumerate(ev.scorers):
        gx = PAD + g * group + bar / 2
        for i, t in enumerate(s.tiers):
            h = (bottom - top) * (t.conversion if t.leads else 0.0)
            x = gx + i * bar
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                f'fill="{COLORS[t.tier]}"><title>{escape(s.name)} {t.tier}: '
                f"{t.conversion:.1%} of {t.leads}</title></rect>"
            )
        parts.append(_text(gx + 1.5 * bar, bottom + 14, s.name, 10))
    for i, (tier, color) in enumerate(COLORS.items()):
        parts.append(f'<rect x="{PAD + 8 + i * 60}" y="36" width="10" height="10" fill="{color}"/>')
        parts.append(_text(PAD + 22 + i * 60, 45, tier, 10, "start"))
    return parts


def _reliability_panel(ev: Evaluation) -> list[str]:
    ox = W + 20
    parts = _axes(ox, "model reliability (held-out)")
    x0, y0, span_x, span_y = ox + PAD, H - PAD, W - PAD - 10, H - PAD - 30
    parts.append(
        f'<line x1="{x0}" y1="{y0}" x2="{x0 + span_x}" y2="{y0 - span_y}" '
        'stroke="#bbb" stroke-dasharray="4 3"/>'
    )
    model = ev.scorers[-1]
    points = reliability(ev.outcomes, model.probabilities)
    path = " ".join(f"{x0 + p * span_x:.1f},{y0 - o * span_y:.1f}" for p, o, _ in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="#2b6cb0" stroke-width="2"/>')
    for p, o, n in points:
        parts.append(
            f'<circle cx="{x0 + p * span_x:.1f}" cy="{y0 - o * span_y:.1f}" r="3" fill="#2b6cb0">'
            f"<title>predicted {p:.1%}, observed {o:.1%}, {n} leads</title></circle>"
        )
    for k in range(0, 11, 2):
        parts.append(_text(x0 + span_x * k / 10, y0 + 12, f"{k * 10}%", 9))
    parts.append(_text(x0 + span_x / 2, H - 8, "predicted probability", 10))
    return parts


def svg(ev: Evaluation) -> str:
    """The chart as an SVG document."""
    body = "\n".join(_tiers_panel(ev) + _reliability_panel(ev))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W + 20}" height="{H}" '
        f'viewBox="0 0 {2 * W + 20} {H}">\n<rect width="100%" height="100%" fill="white"/>\n'
        f"{body}\n</svg>\n"
    )
