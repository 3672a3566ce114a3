"""A program director's reports in a real browser: the index, then census, stays, attendance
and outcomes for March over the hand-built cohort, filtered, printed to PDF by the worker.
Screenshots are looked at (.data/screenshots); axe finds no serious issue on any page."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues
from tests.reports import cohort as handmade
from tests.reports.cohort import MARCH

pytestmark = pytest.mark.e2e
RANGE = f"start={MARCH[0].isoformat()}&end={MARCH[1].isoformat()}"


def test_reports_walk(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    built = handmade.build()
    base = str(live_server)
    sign_in(page, base, built.admin.user.email)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Census, stays, outcomes"
    ).click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "70-reports.png", full_page=True)

    reports = f"{base}/c/{built.clinic.slug}/reports"
    page.goto(f"{reports}/census/?{RANGE}")
    expect(page.get_by_role("heading", name="Census", exact=True)).to_be_visible()
    expect(page.locator("figure")).to_contain_text("On average 3.2 a day")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "71-census.png", full_page=True)

    page.goto(f"{reports}/stays/?{RANGE}")
    expect(page.locator("#table-completion + .table-scroll")).to_contain_text("60.0")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "72-stays.png", full_page=True)

    page.goto(f"{reports}/attendance/?{RANGE}")
    expect(page.locator("figure")).to_contain_text("Overall 74.1 %")
    page.get_by_text("How this is computed").first.click()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "73-attendance.png", full_page=True)

    page.goto(f"{reports}/outcomes/?{RANGE}")
    expect(page.locator("figure")).to_contain_text("PHQ-9 response 60 %")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "74-outcomes.png", full_page=True)

    # Filtered to the evening track through the form.
    page.goto(f"{reports}/stays/?{RANGE}")
    page.get_by_label("Track", exact=True).select_option(label="Evening IOP")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("dl.report-heading").first).to_contain_text("Evening IOP")
    page.screenshot(path=screenshot_dir / "75-stays-evening.png", full_page=True)

    # A bad range is refused beside the field.
    page.goto(f"{reports}/census/?start=2026-03-29&end=2026-03-02")
    expect(page.get_by_role("alert")).to_contain_text("The end must be on or after the start.")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "76-census-error.png", full_page=True)
