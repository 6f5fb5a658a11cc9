"""The SVG charts of the HTML exports: horizontal bars, a histogram, a line.

Each returns markup ready to place in a page (labels escaped), or a short "no data"
paragraph when there is nothing to draw.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from simulator.report.css import score_color
from simulator.report.text import h, short


def svg_hbars(items: Sequence[tuple[str, float, str]], vmax: float = 100, unit: str = "") -> Markup:
    """Horizontal bars: (label, value, note) each; labels escaped."""
    if not items:
        return Markup('<p class="empty">No data yet.</p>')
    row, label_w, bar_w = 28, 220, 300
    height = row * len(items) + 10
    width = label_w + bar_w + 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" style="max-width:{width}px">'
    ]
    for i, (label, value, note) in enumerate(items):
        y = 5 + i * row
        w = 0 if vmax <= 0 else max(0.0, min(1.0, value / vmax)) * bar_w
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" font-size="13" '
            f'fill="#1d2330">{h(short(label, 30))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="18" fill="#eef1f6"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="18" '
            f'fill="{score_color(value)}"><title>{h(label)}: {value:.1f}{h(unit)}</title></rect>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 18}" font-size="13" fill="#1d2330">'
            f"{value:.0f}{h(unit)} {h(note)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def svg_histogram(bins: Sequence[tuple[str, int]]) -> Markup:
    """Vertical bars of counts, one per (label, count)."""
    total = sum(c for _, c in bins)
    if not total:
        return Markup('<p class="empty">No finished attempts yet.</p>')
    top = max(c for _, c in bins)
    bw, gap, chart_h, base = 40, 8, 160, 30
    width = len(bins) * (bw + gap) + gap + 30
    height = chart_h + base + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" style="max-width:{width}px">',
        f'<line x1="24" y1="{chart_h + 10}" x2="{width}" y2="{chart_h + 10}" stroke="#9aa3b2"/>',
    ]
    for i, (label, count) in enumerate(bins):
        x = 24 + gap + i * (bw + gap)
        bh = 0 if top == 0 else count / top * (chart_h - 14)
        y = chart_h + 10 - bh
        lo = int(label.split("–")[0]) if label[:1].isdigit() else 0
        parts.append(
            f'<rect x="{x}" y="{y:.1f}" width="{bw}" height="{bh:.1f}" '
            f'fill="{score_color(lo + 5)}"><title>{h(label)}: {count}</title></rect>'
            f'<text x="{x + bw / 2}" y="{y - 3:.1f}" text-anchor="middle" font-size="12">'
            f"{count if count else ''}</text>"
            f'<text x="{x + bw / 2}" y="{chart_h + 26}" text-anchor="middle" font-size="11" '
            f'fill="#5b6475">{h(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def svg_line(values: Sequence[float], vmax: float = 100, label: str = "") -> Markup:
    """A small line chart (e.g. the customer's mood after each turn)."""
    if not values:
        return Markup('<p class="empty">No data.</p>')
    width, height, pad = 520, 170, 30
    n = len(values)
    step = (width - 2 * pad) / max(1, n - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, height - pad - max(0.0, min(1.0, v / vmax)) * (height - 2 * pad)

    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" style="max-width:{width}px">'
        f"<title>{h(label)}</title>",
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#9aa3b2"/>',
        f'<text x="4" y="{pad + 4}" font-size="11" fill="#5b6475">{vmax:.0f}</text>'
        f'<text x="4" y="{height - pad + 4}" font-size="11" fill="#5b6475">0</text>',
        f'<polyline points="{pts}" fill="none" stroke="#2d5fa8" stroke-width="2.5"/>',
    ]
    for i, v in enumerate(values):
        x, y = xy(i, v)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{score_color(v)}">'
            f"<title>{i}: {v:.0f}</title></circle>"
            f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" font-size="11" '
            f'fill="#5b6475">{i}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
