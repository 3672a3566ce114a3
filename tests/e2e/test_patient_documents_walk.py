"""Documents for the patient in a real browser: from the chart, the schedule and a consent's
form printed in Spanish by a real worker and picked up by the section's polling."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from interop.models import PatientDocument
from iop.models import Patient
from iop.roles import Role
from iop.tenancy import clinic_context
from tests.aftercare.test_pdf import pdf_text
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = [pytest.mark.e2e, pytest.mark.worker]


def test_the_chart_prints_the_schedule_and_a_consent_form_in_spanish(
    live_server: object, page: Page, screenshot_dir: Path, celery_worker: object
) -> None:
    alpha = build_tenant("alpha")
    with clinic_context(alpha.clinic.pk):
        Patient.objects.filter(pk=alpha.patient.pk).update(language="Spanish")
        # The test tenant's own queued schedule (its record for the isolation sweep) is not
        # this walk's: the list starts empty.
        PatientDocument.objects.filter(patient=alpha.patient).delete()
    base = str(live_server)
    sign_in(page, base, alpha.members[Role.CASE_MANAGER].user.email)
    page.goto(f"{base}/c/{alpha.clinic.slug}/patients/{alpha.patient.pk}/#documents")
    section = page.locator("#documents")
    expect(section.get_by_text("Printed in Spanish")).to_be_visible()
    section.get_by_role("button", name="Print the schedule").click()
    expect(page.get_by_text("The schedule is being made")).to_be_visible()
    section = page.locator("#documents")
    section.get_by_role("button", name="Print the form").first.click()
    downloads = page.locator("#documents").get_by_role("link", name="Download PDF")
    expect(downloads).to_have_count(2, timeout=30_000)
    assert serious_accessibility_issues(page) == []
    # The chart's patient header stays on top: the section is shown below it.
    page.evaluate(
        "window.scrollTo(0, document.querySelector('#documents').getBoundingClientRect().top"
        " + window.scrollY - 190)"
    )
    page.screenshot(path=screenshot_dir / "66-patient-documents.png")
    texts = {}
    for index in range(2):
        with page.expect_download() as download:
            downloads.nth(index).click()
        name = download.value.suggested_filename
        assert name.endswith("-es.pdf"), name
        texts[name.split("-")[0]] = pdf_text(Path(download.value.path()).read_bytes())
    assert "Mi horario" in texts["schedule"]
    assert "Consentimiento para divulgar" in texts["consent"]
