"""Progress's figures: a patient's measures, hours, attendance, daily ratings and tests, and
the caseload's flags, built from the shared primitives (iop/figures.py) and drawn by
templates/iop/_figure.html."""

import datetime
from collections.abc import Sequence

from iop.figures import (
    BOTTOM,
    LEFT,
    PLOT_W,
    TOP,
    Chart,
    Marker,
    Point,
    Rect,
    Scale,
    Series,
    mondays_between,
    mondays_from,
)
from scheduling.ledger import Week

from .instruments import band_edges
from .models import DailyRating, DrugTest

BAND_CSS = ["band-0", "band-1", "band-2", "band-3", "band-4"]


def measure_chart(
    *,
    code: str,
    name: str,
    points: list[tuple[datetime.date, int, str]],
    first: datetime.date,
    last: datetime.date,
    maximum: int,
) -> Chart:
    """A measure's totals as a line over its severity bands (none for the PACS)."""
    scale = Scale(first, last, maximum)
    bands = [
        Rect(
            LEFT,
            scale.y(min(high, maximum)),
            PLOT_W,
            scale.y(low) - scale.y(min(high, maximum)),
            BAND_CSS[i],
            f"{name} {low}–{min(high - 1, maximum)}",
        )
        for i, (low, high, name) in enumerate(band_edges(code))
    ]
    in_range = [(d, v, b) for d, v, b in points if first <= d <= last]
    series = Series(
        name,
        "line-score",
        [
            Point(scale.x(d), scale.y(v), f"{d:%b %-d}: {v}" + (f" ({b})" if b else ""))
            for d, v, b in in_range
        ],
    )
    if points:
        day, value, band = points[-1]
        summary = f"Latest {name}: {value}" + (f" ({band.lower()})" if band else "")
        summary += f" on {day:%b %-d}"
        if len(points) > 1:
            change = value - points[-2][1]
            summary += (
                f", {'up' if change > 0 else 'down'} {abs(change)} since the one before"
                if change
                else ", unchanged"
            )
    else:
        summary = f"No {name} recorded yet."
    return Chart(
        slug=code,
        title=f"{name} over time",
        summary=summary,
        desc=f"{name} totals (0–{maximum}) by date"
        + (", drawn over the severity bands." if bands else "."),
        columns=["Date", "Score", "Severity"],
        rows=[[f"{d:%b %-d, %Y}", str(v), b] for d, v, b in points],
        y_ticks=scale.value_ticks(5),
        x_ticks=scale.week_ticks(mondays_between(first, last)),
        bands=bands,
        series=[series] if in_range else [],
        y_label="score",
    )


def hours_chart(*, weeks: Sequence[Week], first: datetime.date) -> Chart:
    """Weekly hours attended (bars) against the ASAM weekly minimum (a line)."""
    hours = [(w.start, w.attended / 60, w.minimum / 60, w) for w in weeks]
    top = max([6.0, *(h for _s, h, _m, _w in hours), *(m for _s, _h, m, _w in hours)]) + 2
    last = first + datetime.timedelta(weeks=len(weeks))
    scale = Scale(first, last, top)
    bars = []
    for i, (start, attended, minimum, week) in enumerate(hours):
        # The current week is still in progress: never drawn as "under" before it ends.
        under = week.under_minimum and i < len(hours) - 1
        css = "bar-ok" if attended >= minimum else "bar-under" if under else "bar-neutral"
        label = f"Week of {start:%b %-d}: {attended:.1f} h"
        bars.append(scale.week_bar(i, len(weeks), attended, css, label))
    minimum = hours[-1][2] if hours else 9
    this = hours[-1] if hours else None
    summary = (
        f"This week so far: {this[1]:.1f} h of the {minimum:g} h minimum" if this else "No weeks."
    )
    return Chart(
        slug="hours",
        title="Weekly hours against the minimum",
        summary=summary,
        desc=f"Hours attended each week (bars); the line is the {minimum:g}-hour weekly minimum.",
        columns=["Week of", "Attended (h)", "Scheduled (h)", "Minimum (h)"],
        rows=[
            [f"{s:%b %-d}", f"{a:.1f}", f"{w.scheduled / 60:.1f}", f"{m:g}"] for s, a, m, w in hours
        ],
        y_ticks=scale.value_ticks(3),
        x_ticks=scale.week_ticks(mondays_from(first, len(weeks))),
        bars=bars,
        threshold=(scale.y(minimum), f"minimum {minimum:g} h"),
        y_label="hours",
    )


def attendance_chart(*, weeks: list[tuple[datetime.date, int, int]], first: datetime.date) -> Chart:
    last = first + datetime.timedelta(weeks=len(weeks))
    scale = Scale(first, last, 100)
    bars = []
    for i, (monday, attended, listed) in enumerate(weeks):
        if not listed:
            continue
        rate = 100 * attended / listed
        css = "bar-ok" if rate >= 80 else "bar-under" if rate < 60 else "bar-neutral"
        label = f"Week of {monday:%b %-d}: {attended} of {listed}"
        bars.append(scale.week_bar(i, len(weeks), rate, css, label))
    held = [(m, a, n) for m, a, n in weeks if n]
    recent = held[-4:]
    summary = (
        f"Last 4 weeks: {sum(a for _m, a, _n in recent)} of {sum(n for _m, _a, n in recent)} "
        "sessions attended"
        if held
        else "No sessions held yet."
    )
    return Chart(
        slug="attendance",
        title="Attendance by week",
        summary=summary,
        desc="Share of the week's sessions attended (excused absences not counted).",
        columns=["Week of", "Attended", "Sessions", "Rate"],
        rows=[
            [f"{m:%b %-d}", str(a), str(n), f"{round(100 * a / n)} %" if n else "—"]
            for m, a, n in weeks
        ],
        y_ticks=scale.value_ticks(25),
        x_ticks=scale.week_ticks(mondays_from(first, len(weeks))),
        bars=bars,
        threshold=(scale.y(80), "80 %"),
        y_label="% attended",
    )


RATING_SERIES = [
    ("mood", "Mood", "line-mood"),
    ("stress", "Stress", "line-stress"),
    ("cravings", "Cravings", "line-cravings"),
    ("sleep", "Sleep", "line-sleep"),
]


RATINGS_HEIGHT = 120


def ratings_charts(
    *, ratings: Sequence[DailyRating], first: datetime.date, last: datetime.date
) -> list[Chart]:
    """Small multiples: one short chart per rating on the same time axis and 0–10 scale, so
    mood, stress, cravings and sleep can be read apart and compared down the column."""
    plot_h = RATINGS_HEIGHT - TOP - BOTTOM
    scale = Scale(first, last, 10)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - min(value, 10) / 10)

    figures = []
    for name, label, css in RATING_SERIES:
        points = [
            Point(
                scale.x(r.rated_on),
                y(getattr(r, name)),
                f"{r.rated_on:%b %-d}: {label.lower()} {getattr(r, name)}",
            )
            for r in ratings
        ]
        summary = (
            f"Latest {label.lower()}: {getattr(ratings[-1], name)} of 10 "
            f"on {ratings[-1].rated_on:%b %-d}"
            if ratings
            else f"No {label.lower()} ratings yet."
        )
        figures.append(
            Chart(
                slug=f"ratings-{name}",
                title=f"{label} (daily rating)",
                summary=summary,
                desc=f"The patient's own 0–10 rating of {label.lower()} by date.",
                columns=["Date", label],
                rows=[[f"{r.rated_on:%b %-d}", str(getattr(r, name))] for r in ratings],
                y_ticks=[(y(v), f"{v:g}") for v in (0, 5, 10)],
                x_ticks=scale.week_ticks(mondays_between(first, last)),
                series=[Series(label, css, points)] if ratings else [],
                y_label="0–10",
                height=RATINGS_HEIGHT,
                plot_bottom=RATINGS_HEIGHT - BOTTOM,
            )
        )
    return figures


def tests_chart(*, tests: Sequence[DrugTest], first: datetime.date, last: datetime.date) -> Chart:
    """Each test on a timeline: negative, expected positive, unexpected positive, a
    specimen problem, or not collected — shape and word, not colour alone."""
    scale = Scale(first, last, 1)
    markers, rows = [], []
    for test in tests:
        results = list(test.results.all())
        unexpected = sorted({r.get_substance_display() for r in results if r.unexpected})
        expected = sorted(
            {r.get_substance_display() for r in results if r.outcome == "positive" and r.expected}
        )
        day = test.ordered_for
        if test.collected_at is None:
            css, symbol, words = "mark-muted", "○", "not collected"
        elif unexpected:
            css, symbol, words = "mark-danger", "!", "unexpected: " + ", ".join(unexpected)
        elif test.validity not in ("normal", "not_tested", ""):
            css, symbol, words = "mark-warn", "?", test.get_validity_display().lower()
        elif not results:
            css, symbol, words = "mark-muted", "…", "awaiting results"
        elif expected:
            css, symbol, words = "mark-info", "+", "expected: " + ", ".join(expected)
        else:
            css, symbol, words = "mark-ok", "−", "negative"
        markers.append(
            Marker(scale.x(day), (TOP + 110 - BOTTOM) / 2, css, symbol, f"{day:%b %-d}: {words}")
        )
        rows.append([f"{day:%b %-d}", test.panel.name, test.get_validity_display() or "—", words])
    latest = rows[-1] if rows else None
    return Chart(
        slug="tests",
        title="Drug and alcohol tests",
        summary=(f"Latest test {latest[0]}: {latest[3]}" if latest else "No tests in this period."),
        desc="Each test on a timeline: − negative, + expected positive, ! unexpected positive, "
        "? specimen problem, ○ not collected.",
        columns=["Date", "Panel", "Specimen validity", "Result"],
        rows=rows,
        x_ticks=scale.week_ticks(mondays_between(first, last)),
        markers=markers,
        height=110,
        plot_bottom=110 - BOTTOM,
    )


CASELOAD_FLAGS = [
    ("item9", "Safety", "PHQ-9 item 9: safety follow-up"),
    ("unexpected", "Positive", "Unexpected positive"),
    ("medication", "MAT", "Medication-assisted treatment result to review"),
    ("missed", "Misses", "Two or more unexcused misses in 14 days"),
    ("under_minimum", "Hours", "This week under the weekly minimum"),
    ("phq9_up", "PHQ-9 up", "PHQ-9 up 5 or more"),
]


def caseload_chart(*, flag_codes: Sequence[set[str]]) -> Chart:
    """How many patients carry each risk flag (one set of codes per patient), so a case
    manager sees where today's work is before reading the rows."""
    counts = [(short, words, sum(code in codes for codes in flag_codes))
              for code, short, words in CASELOAD_FLAGS]  # fmt: skip
    height = 170
    plot_bottom = height - BOTTOM
    top = max([4, *(n for _s, _w, n in counts)])
    step = max(1, -(-top // 4))
    y_max = step * -(-top // step)

    def y(value: float) -> float:
        return TOP + (plot_bottom - TOP) * (1 - value / y_max)

    slot = PLOT_W / len(counts)
    bars = [
        Rect(LEFT + i * slot + slot * 0.2, y(n), slot * 0.6, y(0) - y(n),
             "bar-under" if i < 2 else "bar-neutral", f"{words}: {n}")
        for i, (_short, words, n) in enumerate(counts)
    ]  # fmt: skip
    flagged = sum(1 for codes in flag_codes if codes)
    summary = f"{flagged} of {len(flag_codes)} patients have a risk flag" + (
        "; " + ", ".join(f"{words}: {n}" for _s, words, n in counts if n) if flagged else ""
    )
    return Chart(
        slug="caseload",
        title="Patients with each risk flag",
        summary=summary,
        desc="Number of patients with each risk flag (a patient can have several).",
        columns=["Flag", "Patients"],
        rows=[[words, str(n)] for _s, words, n in counts],
        y_ticks=[(y(v), str(v)) for v in range(0, y_max + 1, step)],
        x_ticks=[(LEFT + (i + 0.5) * slot, short) for i, (short, _w, _n) in enumerate(counts)],
        bars=bars,
        y_label="patients",
        height=height,
        plot_bottom=plot_bottom,
    )
