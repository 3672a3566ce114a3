"""The printed report, rendered by a real worker from the page's filters: the same figures as
the page, small cells hidden in the copy for outside the clinic, downloads audited."""

import io
from pathlib import Path

import pytest
from django.test import Client
from pypdf import PdfReader

from iop.models import AuditEvent
from iop.tenancy import clinic_context
from reports.models import ReportPdf
from tests.conftest import wait_until
from tests.reports import cohort as handmade
from tests.reports.cohort import MARCH, TODAY

pytestmark = [pytest.mark.worker, pytest.mark.instant(TODAY)]
RANGE = {"start": MARCH[0].isoformat(), "end": MARCH[1].isoformat()}
SHOTS = Path(__file__).resolve().parents[2] / ".data" / "review"


def _done(built: handmade.Cohort, pdf_id: int) -> bool:
    with clinic_context(built.clinic.pk):
        return ReportPdf.objects.get(pk=pdf_id).status in ("done", "failed")


def _text(content: bytes, name: str) -> str:
    """The PDF's text (pypdf); the file is kept under .data/review for a look."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"{name}.pdf").write_bytes(content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize(("audience", "completed"), [("clinic", "60.0"), ("outside", "< 11")])
def test_the_worker_prints_the_report(
    transactional_db: None, celery_worker: object, audience: str, completed: str
) -> None:
    built = handmade.build()
    client = Client()
    client.force_login(built.admin.user)
    asked = client.post(
        f"/c/{built.clinic.slug}/reports/stays/pdf", {**RANGE, "audience": audience}
    )
    assert asked.status_code == 302
    pdf_id = int(asked["Location"].rstrip("/").split("/")[-1])
    assert wait_until(lambda: _done(built, pdf_id), timeout=60)
    status = client.get(asked["Location"]).content.decode()
    assert "Download the PDF" in status
    got = client.get(asked["Location"] + "file")
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    content = got.content
    assert content.startswith(b"%PDF")
    text = _text(content, f"report-stays-{audience}")
    assert "Stays and completion" in text
    assert "Completed" in text
    assert completed in text
    assert "How this is computed" in text
    with clinic_context(built.clinic.pk):
        event = AuditEvent.objects.filter(clinic=built.clinic).latest("id")
    assert event.action == "export"
    assert "download" in event.changed_fields
