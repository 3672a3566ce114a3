"""The calendar's figures, built from the shared primitives (iop/figures.py) and drawn by
templates/iop/_figure.html."""

import datetime
import statistics
from collections.abc import Sequence

from iop.figures import Chart, Scale, mondays_from

from .ledger import Week

WEEK_STATE = {-1: "", 0: " (so far)", 1: " (to come)"}  # ended, under way, ahead
CHART_WEEKS = 8  # the weekly hours page's chart: the week shown and the seven before


def clinic_hours_chart(
    *,
    weeks: Sequence[tuple[datetime.date, Sequence[Week]]],
    minimum: int,
    adolescent_minimum: int,
    shown: datetime.date,
    current: datetime.date,
) -> Chart:
    """The clinic's weekly hours: for each week (oldest first), the median patient's attended
    hours (a bar) against the ASAM adult weekly minimum (a line); each week's patients, how
    many met their own minimum and how many ended under it in the data table. `shown` is the
    page's week, `current` the clinic's: a week still under way is never drawn as under."""
    first = weeks[0][0] if weeks else shown
    line = minimum / 60
    medians = [
        (monday, statistics.median(w.attended / 60 for w in ws) if ws else 0.0, ws)
        for monday, ws in weeks
    ]
    top = max([line, 6.0, *(m for _d, m, _w in medians)]) + 2
    scale = Scale(first, first + datetime.timedelta(weeks=len(weeks)), top)
    bars = []
    for i, (monday, median, ws) in enumerate(medians):
        if not ws:
            continue
        ended = monday < current
        css = "bar-ok" if median >= line else "bar-under" if ended else "bar-neutral"
        label = f"Week of {monday:%b %-d}: median {median:.1f} h of {len(ws)} patients"
        bars.append(scale.week_bar(i, len(weeks), median, css, label))
    rows = [
        [
            f"{monday:%b %-d}" + WEEK_STATE[(monday > current) - (monday < current)],
            str(len(ws)),
            f"{median:.1f}" if ws else "—",
            str(sum(1 for w in ws if w.attended >= w.minimum)),
            str(sum(1 for w in ws if w.under_minimum)),
        ]
        for monday, median, ws in medians
    ]
    week = next((m for m in medians if m[0] == shown), None)
    if week is None or not week[2]:
        summary = "Nobody was scheduled in the week shown."
    else:
        monday, median, ws = week
        met = sum(1 for w in ws if w.attended >= w.minimum)
        summary = (
            f"Week of {monday:%b %-d}: {met} of {len(ws)} patients met their minimum; "
            f"median {median:.1f} h against the {line:g} h adult minimum"
        )
    return Chart(
        slug="clinic-hours",
        title="Weekly hours against the minimum",
        summary=summary,
        desc=f"Median hours attended per scheduled patient each week (bars); the line is the "
        f"{line:g}-hour adult weekly minimum (adolescents: {adolescent_minimum / 60:g} h).",
        columns=["Week of", "Patients", "Median attended (h)", "Met the minimum", "Ended under"],
        rows=rows,
        y_ticks=scale.value_ticks(3),
        x_ticks=scale.week_ticks(mondays_from(first, len(weeks))),
        bars=bars,
        threshold=(scale.y(line), f"minimum {line:g} h"),
        y_label="hours",
    )
