"""The reports' charts, built from the shared figure primitives (iop/figures.py: an inline SVG
with a title and description, labelled axes, a summary in words and the data table as its
text alternative; templates/iop/_figure.html draws them)."""

import math

from iop.figures import HEIGHT, LEFT, PLOT_W, TOP, Chart, Point, Rect, Scale, Series

from .attendance import AttendanceReport
from .census import Census
from .outcomes import OutcomesReport
from .stays import StaysReport

PLOT_H = HEIGHT - TOP - 30
# Axis labels short enough to sit side by side under five bars.
SHORT = {
    "Completed treatment": "Completed",
    "Stepped down": "Step-down",
    "Transferred": "Transfer",
    "Left against advice": "Left AMA",
    "Administrative": "Admin.",
}


def _nice_max(value: float) -> float:
    if value <= 5:
        return 5
    step = 10 ** math.floor(math.log10(value))
    return math.ceil(value / step) * step


def bar_chart(
    *,
    slug: str,
    title: str,
    desc: str,
    summary: str,
    bars: list[tuple[str, float | None, str]],  # label, value, value in words
    y_max: float = 100,
    y_label: str = "%",
    columns: tuple[str, str] = ("", "Value"),
) -> Chart:
    scale_max = y_max if y_label == "%" else _nice_max(max([b[1] or 0 for b in bars] or [0]))
    slot = PLOT_W / max(1, len(bars))

    def y(value: float) -> float:
        return TOP + PLOT_H * (1 - min(value, scale_max) / scale_max)

    rects, ticks = [], []
    for i, (label, value, words) in enumerate(bars):
        ticks.append((LEFT + i * slot + slot / 2, label))
        if value is None:
            continue
        rects.append(
            Rect(
                LEFT + i * slot + slot * 0.2,
                y(value),
                slot * 0.6,
                y(0) - y(value),
                "bar-neutral",
                f"{label}: {words}",
            )
        )
    step = scale_max / 4
    return Chart(
        slug=slug,
        title=title,
        desc=desc,
        summary=summary,
        columns=list(columns),
        rows=[[label, words] for label, _value, words in bars],
        y_ticks=[(y(step * n), f"{step * n:g}") for n in range(5)],
        x_ticks=ticks,
        bars=rects,
        y_label=y_label,
    )


def _pct(value: float | None) -> str:
    return "no one to count" if value is None else f"{value:g} %"


def census_chart(report: Census) -> Chart:
    days = report.days
    top = _nice_max(max(report.active or [0]))
    scale = Scale(days[0], days[-1], top)
    points = [
        Point(scale.x(day), scale.y(n), f"{day:%b %-d}: {n} active")
        for day, n in zip(days, report.active, strict=True)
    ]
    mondays = [day for day in days if day.weekday() == 0]
    peak = max(report.active or [0])
    return Chart(
        slug="census",
        title="Patients active each day",
        desc="A line of how many patients were in treatment on each day of the range.",
        summary=f"On average {report.average_active or 0:g} a day; at most {peak}; "
        f"{report.active[-1] if report.active else 0} on the last day.",
        columns=["Day", "Active"],
        rows=[[f"{day:%b %-d}", str(n)] for day, n in zip(days, report.active, strict=True)],
        y_ticks=scale.value_ticks(top / 5),
        x_ticks=scale.week_ticks(mondays) if mondays else [],
        series=[Series("Active", "line-mood", points)],
        y_label="patients",
    )


def stays_chart(report: StaysReport) -> Chart:
    return bar_chart(
        slug="stays",
        title="Median length of stay by how the stay ended",
        desc="Bars of the median length of stay in days for each way a stay ended.",
        summary=f"{report.ended} stays ended; median {report.overall.median or 0:g} days; "
        f"completion {_pct(report.completion_rate)}.",
        bars=[
            (SHORT.get(row.name, row.name), row.median, f"{row.median:g} days ({row.count} stays)")
            for row in report.by_reason
            if row.median is not None
        ],
        y_label="days",
        columns=("How the stay ended", "Median"),
    )


def attendance_chart(report: AttendanceReport) -> Chart:
    return bar_chart(
        slug="attendance",
        title="Attended over scheduled minutes by weekday",
        desc="Bars of the share of scheduled minutes attended on each weekday.",
        summary=f"Overall {_pct(report.overall.rate)} of scheduled minutes attended; "
        f"{_pct(report.recovery_rate)} of missed sessions made up in the window.",
        bars=[(s.name[:3], s.rate, _pct(s.rate)) for s in report.by_weekday],
        columns=("Weekday", "Attended"),
    )


def outcomes_chart(report: OutcomesReport) -> Chart:
    phq9 = report.scores[0]
    return bar_chart(
        slug="outcomes",
        title="Measured at admission, at 30 days and at discharge",
        desc="Bars of the share of stays with a standardized measure at each point.",
        summary=f"PHQ-9 response {_pct(phq9.response_rate)}, remission "
        f"{_pct(phq9.remission_rate)} of {phq9.elevated} stays with an elevated first score.",
        bars=[
            (c.name, c.rate, f"{_pct(c.rate)} ({c.measured} of {c.eligible})")
            for c in report.coverage
        ],
        columns=("When", "Measured"),
    )
