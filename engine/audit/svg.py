"""Inline SVG charts for the HTML report: written directly, so the page needs no script, no library
and no network to show them (a horizontal grouped bar chart is all the report needs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

LABEL_WIDTH = 230
BAR_AREA = 420
BAR_HEIGHT = 14
ROW_GAP = 10
LEGEND_HEIGHT = 28


@dataclass(frozen=True)
class Series:
    label: str
    color: str


@dataclass(frozen=True)
class Bar:
    value: float | None  # 0..1 of the scale; None: nothing to show
    text: str  # printed after the bar


def bar_chart(
    title: str, series: Sequence[Series], rows: Sequence[tuple[str, Sequence[Bar]]], chart_id: str
) -> str:
    """Rows of grouped horizontal bars, one per series, on a 0-100% scale."""
    group_height = len(series) * BAR_HEIGHT + ROW_GAP
    height = LEGEND_HEIGHT + len(rows) * group_height + 24
    width = LABEL_WIDTH + BAR_AREA + 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" role="img"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    x = LABEL_WIDTH
    for series_item in series:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{series_item.color}"/>')
        parts.append(f'<text x="{x + 16}" y="16" class="legend">{escape(series_item.label)}</text>')
        x += 24 + 7 * len(series_item.label)
    for tick in (0, 25, 50, 75, 100):
        tx = LABEL_WIDTH + BAR_AREA * tick / 100
        parts.append(
            f'<line x1="{tx:.1f}" y1="{LEGEND_HEIGHT}" x2="{tx:.1f}" y2="{height - 20}" class="grid"/>'
            f'<text x="{tx:.1f}" y="{height - 6}" class="tick" text-anchor="middle">{tick}%</text>'
        )
    y = LEGEND_HEIGHT
    for label, bars in rows:
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + len(series) * BAR_HEIGHT / 2 + 4:.1f}"'
            f' class="label" text-anchor="end">{escape(_shorten(label))}<title>{escape(label)}</title></text>'
        )
        for i, (series_item, bar) in enumerate(zip(series, bars, strict=True)):
            top = y + i * BAR_HEIGHT
            if bar.value is not None:
                length = max(BAR_AREA * min(max(bar.value, 0.0), 1.0), 1.0)
                parts.append(
                    f'<rect class="bar" x="{LABEL_WIDTH}" y="{top + 1}" width="{length:.1f}"'
                    f' height="{BAR_HEIGHT - 2}" fill="{series_item.color}">'
                    f"<title>{escape(label)}: {escape(series_item.label)} {escape(bar.text)}</title></rect>"
                )
                end = LABEL_WIDTH + length + 4
            else:
                end = LABEL_WIDTH + 4
            parts.append(
                f'<text x="{end:.1f}" y="{top + BAR_HEIGHT - 3}" class="value">{escape(bar.text)}</text>'
            )
        y += group_height
    parts.append("</svg>")
    return "".join(parts)


def _shorten(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
