"""Server-rendered bar charts (SVG, no script, no inline style: the strict CSP holds). A chart is
data for templates/review/closing_chart.html: bars with their x/y/width/height computed here."""

from __future__ import annotations

from dataclasses import dataclass, field

ROW_HEIGHT = 30
BAR_HEIGHT = 20
LABEL_WIDTH = 84
PLOT_WIDTH = 290
VALUE_WIDTH = 66


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: float
    y: int
    css: str  # a class of portal.css: chart-ok, chart-warn, chart-bad, chart-neutral
    text: str
    marker_x: float | None = None  # a target line (the quota), in plot coordinates


@dataclass
class BarChart:
    title: str
    bars: list[Bar] = field(default_factory=list)
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH
    value_width: int = VALUE_WIDTH

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT + 8

    @property
    def width(self) -> int:
        return self.label_width + self.plot_width + self.value_width

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT

    @property
    def plot_end(self) -> int:
        return self.label_width + self.plot_width


def bar_chart(title: str, rows: list[tuple[str, int, int | None, str]], *, scale_max: int | None = None) -> BarChart:
    """rows: (label, value, target or None, css class). Bars scale to the largest value or target."""
    largest = max([scale_max or 0] + [max(value, target or 0) for _label, value, target, _css in rows] + [1])
    chart = BarChart(title=title)
    for index, (label, value, target, css) in enumerate(rows):
        width = round(PLOT_WIDTH * value / largest, 1)
        marker = round(LABEL_WIDTH + PLOT_WIDTH * target / largest, 1) if target else None
        text = f"{value}/{target}" if target is not None else str(value)
        chart.bars.append(Bar(label=label, value=value, width=width, y=4 + index * ROW_HEIGHT, css=css, text=text,
                              marker_x=marker))
    return chart


def fill_class(value: int, target: int) -> str:
    if target and value >= target:
        return "chart-ok"
    if value == 0:
        return "chart-bad"
    return "chart-warn"
