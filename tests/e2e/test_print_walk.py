"""Paper: a session's sign-in sheet, the roster and the chart printed by Chromium (print
media to PDF) and read back with pdftotext: the names and the signature column are there,
the navigation and the buttons are not."""

import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop.models import Patient
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling import services as calendar
from tests import factories
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues
from tests.scheduling.test_roster import todays_session

pytestmark = pytest.mark.e2e


def printed(page: Page, path: Path) -> str:
    """The page as Chromium prints it, as text."""
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="Letter", print_background=True)
    page.emulate_media(media="screen")
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) is needed to read the PDF back"
    return subprocess.run(
        [tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_sign_in_sheet_roster_and_chart_print_cleanly(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    session = todays_session(alpha, patients=3)
    admin = alpha.admin.user
    with clinic_context(alpha.clinic.pk):
        Patient.objects.filter(pk=alpha.patient.pk).update(preferred_name="Sunny")
    guest = factories.patient(alpha.clinic, actor=admin, legal_last_name="Guest")
    missed = factories.missed_session(guest, actor=admin)
    calendar.attendance_add(
        session=session, patient=guest, actor=admin, makeup_of_id=missed.attendance_id
    )
    base = str(live_server)
    sign_in(page, base, alpha.members[Role.FRONT_DESK].user.email)
    page.goto(f"{base}/c/{alpha.clinic.slug}/roster/")
    section = page.locator(f"#roster-session-{session.pk}")
    expect(section.locator("tr", has_text="Guest")).to_contain_text("Make-up")
    page.screenshot(path=screenshot_dir / "33-roster-makeup-guest.png", full_page=True)

    roster = printed(page, screenshot_dir / "roster.pdf")
    assert "Sunny Patient-alpha" in roster
    assert "Pat Guest" in roster
    for absent in ("Mark all remaining", "Walk-in", "Keyboard:", "Sign out", "Excused"):
        assert absent not in roster, absent

    section.get_by_role("link", name="Sign-in sheet").click()
    expect(page.get_by_role("heading", name="Sign-in sheet", exact=False)).to_be_visible()
    assert serious_accessibility_issues(page) == []
    sheet = printed(page, screenshot_dir / "sign-in-sheet.pdf")
    for present in ("Signature", "Time in", "Sunny Patient-alpha", "Pat Guest (make-up)"):
        assert present in sheet, present
    for absent in ("Print this page", "Sign out", "Today", "Back to the roster"):
        assert absent not in sheet, absent
    subprocess.run(
        [shutil.which("pdftoppm") or "pdftoppm", "-png", "-r", "60", "-singlefile",
         str(screenshot_dir / "sign-in-sheet.pdf"), str(screenshot_dir / "34-sign-in-sheet-print")],
        check=True,
    )  # fmt: skip

    page.goto(f"{base}/c/{alpha.clinic.slug}/patients/{alpha.patient.pk}/")
    chart = printed(page, screenshot_dir / "chart.pdf")
    assert "Sunny Patient-alpha" in chart
    assert alpha.patient.record_number in chart
    for absent in ("Sign out", "Find a patient"):
        assert absent not in chart, absent
