"""Server-rendered SVG bar charts: no script to load (the CSP stays strict), readable at
phone width (a viewBox the page scales), and each with a title, a description and the
table on the page as its fallback. Colours come from classes in platform.css."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 480, 210
LEFT, RIGHT, TOP, BOTTOM = 58, 8, 12, 30  # room for the axis labels
MAX_LABELS = 5  # x-axis labels: they must stay readable at phone width


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the bucket, for the bar's own <title> (a tooltip)
    value: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    bars: list[Bar]
    ticks: list[Tick]
    x_labels: list[XLabel]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM


def nice_ceiling(value: int) -> int:
    """A round top for the axis: 1, 2, 5 x 10^n at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor:
                return step * factor
        step *= 10


def bar_chart(title: str, values: list[int], labels: list[str], short_labels: list[str], shown,
              description: str) -> Chart:
    """Bars of `values` (one per bucket); `shown(value)` writes a value as people read it
    (a count, an amount of money). Negative values (a refund-heavy day) draw as 0."""
    top = nice_ceiling(max([*values, 0]))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(values), 1)
    gap = min(slot * 0.2, 6)
    bars = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        height = plot_height * max(value, 0) / top
        bars.append(Bar(round(LEFT + index * slot + gap / 2, 2), round(TOP + plot_height - height, 2),
                        round(max(slot - gap, 1), 2), round(height, 2), label, shown(value)))
    ticks = [Tick(round(TOP + plot_height * (1 - share), 2), shown(int(top * share)))
             for share in (0, 0.5, 1)]
    every = max(1, -(-len(values) // MAX_LABELS))  # about MAX_LABELS labels, evenly
    x_labels = [XLabel(round(LEFT + index * slot + slot / 2, 2), short_labels[index])
                for index in range(0, len(values), every)]
    return Chart(title, description, bars, ticks, x_labels)
