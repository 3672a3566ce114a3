"""The reports part of every test tenant (tests/conftest.py): one printed report to point at."""

from typing import Any

from iop import clock
from iop.models import Clinic, User
from reports import services
from reports.cohort import ReportFilter


def reports_records(clinic: Clinic, *, actor: User) -> dict[str, Any]:
    today = clock.today(clinic)
    pdf = services.report_pdf_request(
        clinic=clinic,
        actor=actor,
        slug="census",
        filters=ReportFilter(start=today, end=today),
        outside=False,
    )
    return {"report_pdf_id": pdf}
