"""Each report as tables: what the page shows under its charts, the CSV holds and the API
returns. A count and a rate know what they are, so an export meant for outside the clinic can
show a small cell as "< 11" (a count from 1 to 10, and a rate whose numerator or denominator
is one) while the clinic's own copy keeps the number."""

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

from iop.models.care import LevelOfCare

from . import cohort
from .attendance import AttendanceReport, Share
from .census import HOW as CENSUS_HOW
from .census import Census
from .cohort import ReportFilter
from .outcomes import OutcomesReport
from .stays import StaysReport


@dataclass(frozen=True)
class Count:
    value: int

    def shown(self, outside: bool) -> int | str:
        return cohort.suppressed(self.value) if outside else self.value


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    def shown(self, outside: bool) -> float | str | None:
        if outside and any(0 < n < cohort.SMALL_CELL for n in (self.numerator, self.denominator)):
            return cohort.SUPPRESSED
        return cohort.rate(self.numerator, self.denominator)


Cell = Count | Rate | str | float | None


@dataclass
class Table:
    slug: str
    title: str
    how: str
    columns: list[str]
    rows: list[list[Cell]]

    def shown(self, outside: bool = False) -> list[list[Any]]:
        return [
            [cell.shown(outside) if isinstance(cell, Count | Rate) else cell for cell in row]
            for row in self.rows
        ]


def _d(day: datetime.date) -> str:
    return day.isoformat()


def census_tables(report: Census) -> list[Table]:
    how = CENSUS_HOW
    active = Table(
        "active",
        "Patients active each day",
        how["active"],
        [
            "Day",
            "Active",
            *(f"Track: {name}" for name in report.by_track),
            *(f"Site: {name}" for name in report.by_site),
            *(f"Level: {name}" for name in report.by_level),
        ],
        [
            [
                _d(day),
                Count(report.active[n]),
                *(Count(v[n]) for v in report.by_track.values()),
                *(Count(v[n]) for v in report.by_site.values()),
                *(Count(v[n]) for v in report.by_level.values()),
            ]
            for n, day in enumerate(report.days)
        ],
    )
    endings = list(cohort.ENDINGS)
    flow_columns = ["Period from", "Admissions", "Discharges", *cohort.ENDINGS.values()]

    def flow(periods: list[Any]) -> list[list[Cell]]:
        return [
            [
                _d(p.start),
                Count(p.admissions),
                Count(p.discharged),
                *(Count(p.discharges[e]) for e in endings),
            ]
            for p in periods
        ]

    return [
        active,
        Table(
            "weeks",
            "Admissions and discharges by week",
            how["flow"],
            flow_columns,
            flow(report.weeks),
        ),
        Table(
            "months",
            "Admissions and discharges by month",
            how["flow"],
            flow_columns,
            flow(report.months),
        ),
    ]


def stays_tables(report: StaysReport) -> list[Table]:
    def lengths(rows: list[Any]) -> list[list[Cell]]:
        return [[row.name, Count(row.count), row.median, row.mean] for row in rows]

    columns = ["", "Stays", "Median days", "Mean days"]
    return [
        Table(
            "length-track",
            "Length of stay by track",
            report.how["length"],
            columns,
            lengths([report.overall, *report.by_track]),
        ),
        Table(
            "length-ending",
            "Length of stay by how the stay ended",
            report.how["length"],
            columns,
            lengths(report.by_reason),
        ),
        Table(
            "completion",
            "Completion and early drop-out",
            f"{report.how['completion']} {report.how['dropout']}",
            ["", "Stays", "Of stays ended", "Rate %"],
            [
                [
                    "Completed",
                    Count(report.completed),
                    Count(report.ended),
                    Rate(report.completed, report.ended),
                ],
                [
                    "Early drop-out",
                    Count(report.early_dropouts),
                    Count(report.ended),
                    Rate(report.early_dropouts, report.ended),
                ],
            ],
        ),
    ]


def attendance_tables(report: AttendanceReport) -> list[Table]:
    def shares(rows: list[Share]) -> list[list[Cell]]:
        return [
            [s.name, Count(s.attended), Count(s.scheduled), Rate(s.attended, s.scheduled)]
            for s in rows
        ]

    columns = ["", "Minutes attended", "Minutes scheduled", "Rate %"]
    how = report.how
    return [
        Table(
            "track",
            "Attended over scheduled minutes by track",
            how["minutes"],
            columns,
            shares([report.overall, *report.by_track]),
        ),
        Table("group-type", "By group type", how["minutes"], columns, shares(report.by_group_type)),
        Table("weekday", "By weekday", how["minutes"], columns, shares(report.by_weekday)),
        Table(
            "measures",
            "Minimum, make-ups and billable days",
            f"{how['minimum']} {how['misses']} {how['billable']}",
            ["", "Count", "Of", "Rate %"],
            [
                [
                    "Weeks under the ASAM minimum",
                    Count(report.weeks_under_minimum),
                    Count(report.patient_weeks),
                    Rate(report.weeks_under_minimum, report.patient_weeks),
                ],
                [
                    "Missed sessions made up within the window",
                    Count(report.made_up_in_window),
                    Count(report.misses),
                    Rate(report.made_up_in_window, report.misses),
                ],
                [
                    "Unexcused missed sessions",
                    Count(report.unexcused_misses),
                    Count(report.misses),
                    Rate(report.unexcused_misses, report.misses),
                ],
                [
                    "Billable days",
                    Count(report.billable_days),
                    Count(report.held_days),
                    Rate(report.billable_days, report.held_days),
                ],
            ],
        ),
    ]


def outcomes_tables(report: OutcomesReport) -> list[Table]:
    how = report.how
    scores: list[list[Cell]] = []
    for s in report.scores:
        scores += [
            [
                f"{s.label}: at the latest score",
                Count(s.with_intake),
                s.mean_change_latest,
                Count(s.elevated),
                Rate(s.followed_up, s.elevated),
                Rate(s.response_latest, s.elevated),
                Rate(s.remission_latest, s.elevated),
            ],
            [
                f"{s.label}: at discharge",
                Count(s.with_intake),
                s.mean_change_discharge,
                Count(s.elevated_discharged),
                None,
                Rate(s.response_discharge, s.elevated_discharged),
                Rate(s.remission_discharge, s.elevated_discharged),
            ],
        ]
    return [
        Table(
            "scores",
            "PHQ-9 and GAD-7: change, response and remission",
            f"{how['change']} {how['response']}",
            [
                "",
                "Stays with a first score",
                "Mean change",
                "Elevated at first",
                "Followed up %",
                "Response %",
                "Remission %",
            ],
            scores,
        ),
        Table(
            "coverage",
            "Measurement-based care coverage",
            how["coverage"],
            ["", "Stays measured", "Stays", "Rate %"],
            [
                [c.name, Count(c.measured), Count(c.eligible), Rate(c.measured, c.eligible)]
                for c in report.coverage
            ],
        ),
        Table(
            "bam",
            "BAM by week of the stay",
            how["bam"],
            ["Week of the stay", "BAMs", "Use (mean)", "Risk (mean)", "Protective (mean)"],
            [[str(b.week), Count(b.count), b.use, b.risk, b.protective] for b in report.bam],
        ),
        Table(
            "tests",
            "Drug tests with an unexpected positive, by week",
            how["tests"],
            ["Week of", "Tests", "Unexpected positive", "Rate %"],
            [
                [_d(t.start), Count(t.tested), Count(t.unexpected), Rate(t.unexpected, t.tested)]
                for t in report.tests
            ],
        ),
        Table(
            "followups",
            "Follow-up calls reached",
            how["followups"],
            ["Months after leaving", "Calls due", "Reached", "Rate %"],
            [
                [str(f.months), Count(f.due), Count(f.reached), Rate(f.reached, f.due)]
                for f in report.followups
            ],
        ),
        Table(
            "readmissions",
            "Readmissions",
            how["readmissions"],
            ["Within days", "Readmitted", "Stays ended", "Rate %"],
            [
                [
                    str(r.days),
                    Count(r.readmitted),
                    Count(r.eligible),
                    Rate(r.readmitted, r.eligible),
                ]
                for r in report.readmissions
            ],
        ),
    ]


def filters_described(filters: ReportFilter, names: dict[str, str]) -> list[tuple[str, str]]:
    """The filters as printed on the report and at the head of its CSV."""
    levels = dict(LevelOfCare.choices)
    out = [("From", _d(filters.start)), ("To", _d(filters.end))]
    if filters.track_id:
        out.append(("Track", names.get("track", "")))
    if filters.site_id:
        out.append(("Site", names.get("site", "")))
    if filters.level_of_care:
        out.append(("Level of care", levels.get(filters.level_of_care, filters.level_of_care)))
    if filters.therapist_id:
        out.append(("Therapist", names.get("therapist", "")))
    if filters.payer:
        out.append(("Payer", filters.payer))
    return out


def as_csv(
    *,
    title: str,
    heading: list[tuple[str, str]],
    definitions: list[tuple[str, str]],
    tables: list[Table],
    outside: bool,
) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title])
    for name, value in heading + definitions:
        writer.writerow([name, value])
    if outside:
        writer.writerow(["Small cells", "Counts from 1 to 10 are shown as < 11."])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(["How this is computed", table.how])
        writer.writerow(table.columns)
        for row in table.shown(outside):
            writer.writerow(["" if cell is None else cell for cell in row])
    return out.getvalue()
