"""The reports, by name: how each is built, drawn and tabled. Pages, the CSV export, the PDF
and the API all go through `REPORTS`, so they show the same figures."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from iop.figures import Chart
from iop.models import Clinic

from . import attendance, census, charts, cohort, outcomes, stays, tables
from .cohort import ReportFilter
from .models import ReportPdf, ReportSettings


@dataclass(frozen=True)
class Definition:
    slug: str
    title: str
    lead: str
    build: Callable[..., Any]
    tables: Callable[[Any], list[tables.Table]]
    chart: Callable[[Any], Chart]


REPORTS: dict[str, Definition] = {
    "census": Definition(
        "census",
        "Census",
        "How many patients are in treatment each day, by track, site and level of care; who "
        "was admitted, discharged, stepped down or transferred each week and month.",
        census.census,
        tables.census_tables,
        charts.census_chart,
    ),
    "stays": Definition(
        "stays",
        "Stays and completion",
        "Length of stay (SAMHSA TEDS) by track and by how stays ended; completion and early "
        "drop-out.",
        stays.stays_report,
        tables.stays_tables,
        charts.stays_chart,
    ),
    "attendance": Definition(
        "attendance",
        "Attendance",
        "Attended over scheduled minutes by track, group type and weekday; weeks under the ASAM "
        "minimum; missed sessions made up; billable days.",
        attendance.attendance_report,
        tables.attendance_tables,
        charts.attendance_chart,
    ),
    "outcomes": Definition(
        "outcomes",
        "Outcomes",
        "PHQ-9 and GAD-7 change, response and remission (HEDIS); measurement at admission, 30 "
        "days and discharge; BAM; drug tests; follow-up calls; readmissions.",
        outcomes.outcomes_report,
        tables.outcomes_tables,
        charts.outcomes_chart,
    ),
}


@dataclass
class Built:
    definition: Definition
    filters: ReportFilter
    report: Any
    tables: list[tables.Table]
    chart: Chart
    definitions: list[tuple[str, str]]


def definitions_of(settings: ReportSettings, clinic: Clinic) -> list[tuple[str, str]]:
    """The clinic's choices a figure depends on, printed on every report."""
    return [
        (
            "Transfers and step-downs count as completion",
            "yes (SAMHSA TEDS)" if settings.completion_counts_transfers else "no",
        ),
        ("Early drop-out: left within", f"{settings.early_dropout_days} days"),
        (
            "A measure counts at admission / 30 days / discharge within",
            f"{settings.measure_window_days} days",
        ),
        ("Make-up window", f"{clinic.makeup_window_days} days"),
        ("A billable day", f"{clinic.billable_day_minutes} minutes attended"),
        (
            "Weekly minimum in minutes (adults / adolescents)",
            f"{clinic.weekly_minimum_minutes_adult} / {clinic.weekly_minimum_minutes_adolescent}",
        ),
    ]


def report_build(*, clinic: Clinic, slug: str, filters: ReportFilter) -> Built:
    definition = REPORTS[slug]
    report = definition.build(clinic=clinic, filters=filters)
    settings = getattr(report, "settings", None) or cohort.settings_for(clinic)
    return Built(
        definition=definition,
        filters=filters,
        report=report,
        tables=definition.tables(report),
        chart=definition.chart(report),
        definitions=definitions_of(settings, clinic),
    )


def report_pdf_get(*, clinic: Clinic, pdf_id: int, content: bool = False) -> ReportPdf:
    """One of the clinic's printed reports; another clinic's is as missing as none."""
    rows = ReportPdf.objects.filter(clinic=clinic).select_related("clinic")
    if not content:
        rows = rows.defer("content")
    found = rows.filter(pk=pdf_id).first()
    if found is None:
        raise Http404("No such report PDF.")
    return found
