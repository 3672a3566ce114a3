"""From a phone call to a chart, in a real browser: inquiry → assessment → admission."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop.roles import Role
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = pytest.mark.e2e


def test_inquiry_to_assessment_to_admission_to_chart(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    therapist = alpha.members[Role.THERAPIST].user
    base = str(live_server)
    sign_in(page, base, alpha.members[Role.CASE_MANAGER].user.email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Intake").click()
    expect(page.get_by_role("heading", name="Intake", exact=True)).to_be_visible()
    page.get_by_role("link", name="Record an inquiry").click()
    page.get_by_label("First name").fill("Morgan")
    page.get_by_label("Last name").fill("Rivers")
    page.get_by_label("Date of birth").fill("1991-04-12")
    page.get_by_label("Phone").fill("(555) 010-4242")
    page.get_by_label("Referral source").select_option(label="Stepping down from residential")
    page.get_by_label("Presenting concerns").fill("Finished 30 days residential; wants evenings.")
    page.get_by_label("Insurance given").fill("Aetna W123456789")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Morgan Rivers")).to_be_visible()

    page.get_by_role("link", name="Book the assessment").click()
    page.get_by_label("Date and time").fill("2026-12-01T10:30")
    page.get_by_label("With").select_option(label=f"{therapist.display_name} · Therapist")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_text("Assessment booked.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Intake").click()
    column = page.get_by_role("region", name="Assessment scheduled")
    expect(column).to_contain_text("Morgan Rivers")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "20-intake-board.png", full_page=True)
    column.get_by_role("link", name="Morgan Rivers").click()

    page.get_by_role("link", name="Record an outcome").click()
    page.get_by_label("Outcome").select_option(label="Assessed")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Admit").click()
    page.get_by_label("Record number").fill("R-2042")
    page.get_by_label("Track").select_option(label="Morning IOP")
    page.get_by_label("Primary therapist").select_option(
        label=f"{therapist.display_name} · Therapist"
    )
    page.screenshot(path=screenshot_dir / "21-admit.png", full_page=True)
    page.get_by_role("button", name="Admit").click()

    header = page.locator(".patient-header")
    expect(header).to_contain_text("Morgan Rivers")
    expect(header).to_contain_text("R-2042")
    expect(header).to_contain_text("Morning IOP")
    expect(header).to_contain_text("Week 1 of 10")
    expect(header).to_contain_text(therapist.display_name)
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "22-chart.png", full_page=True)
