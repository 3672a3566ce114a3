"""Server-rendered SVG figures: geometry computed in Python, drawn by templates/iop/_figure.html.

No JavaScript and no chart library: every figure is an inline <svg> with a <title> and
<desc>, labelled axes, its threshold or bands drawn, the latest value written in words
beside it, and a data table as its text alternative. It prints as it shows. The features
build their own figures from these primitives (progress/charts.py, reports/charts.py,
scheduling/charts.py). Not to be confused with iop/chart.py: the patient's chart (record).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 210
LEFT, RIGHT, TOP, BOTTOM = 44, 140, 24, 30  # band names sit right of the plot
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass
class Point:
    x: float
    y: float
    label: str


@dataclass
class Series:
    name: str
    css: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points)
        )


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    css: str
    label: str = ""


@dataclass
class Marker:
    x: float
    y: float
    css: str
    symbol: str
    label: str


@dataclass
class Chart:
    slug: str
    title: str
    desc: str
    summary: str  # the latest value in words
    columns: list[str]
    rows: list[list[str]]
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    bands: list[Rect] = field(default_factory=list)
    bars: list[Rect] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    threshold: tuple[float, str] | None = None
    y_label: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM
    plot_top: int = TOP


class Scale:
    def __init__(self, first: datetime.date, last: datetime.date, y_max: float) -> None:
        self.first, self.days = first, max(1, (last - first).days)
        self.y_max = y_max

    def x(self, day: datetime.date) -> float:
        return LEFT + PLOT_W * (day - self.first).days / self.days

    def y(self, value: float) -> float:
        return TOP + PLOT_H * (1 - min(value, self.y_max) / self.y_max)

    def week_ticks(self, mondays: Sequence[datetime.date]) -> list[tuple[float, str]]:
        step = 1 if len(mondays) <= 6 else 2  # every week while the labels fit
        return [(self.x(m), f"{m:%b} {m.day}") for m in mondays[::step]]

    def value_ticks(self, step: float) -> list[tuple[float, str]]:
        ticks, value = [], 0.0
        while value <= self.y_max + 1e-9:
            ticks.append((self.y(value), f"{value:g}"))
            value += step
        return ticks

    def week_bar(self, index: int, weeks: int, value: float, css: str, label: str) -> Rect:
        """The bar of the `index`-th of `weeks` weeks, from 0 up to `value`."""
        slot = PLOT_W / max(1, weeks)
        return Rect(
            LEFT + index * slot + slot * 0.15,
            self.y(value),
            slot * 0.7,
            self.y(0) - self.y(value),
            css,
            label,
        )


def mondays_from(first: datetime.date, weeks: int) -> list[datetime.date]:
    return [first + datetime.timedelta(weeks=n) for n in range(weeks)]


def mondays_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The Mondays the axis spans (`first` is a Monday, `last` the Monday after the span)."""
    return mondays_from(first, max(1, (last - first).days // 7))
