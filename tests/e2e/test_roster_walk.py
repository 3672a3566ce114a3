"""The front desk's morning in a real browser: today's roster, one click, the keyboard."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop import clock
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling.models import Attendance
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues
from tests.scheduling.test_roster import todays_session

pytestmark = pytest.mark.e2e


def this_weeks_hours(page: Page, record_number: str) -> float:
    """The first figure of the patient's row on Weekly hours: this week's."""
    page.get_by_role("link", name="Weekly hours").click()
    row = page.locator("tr", has_text=record_number)
    found = re.search(r"(\d+\.\d) h", row.inner_text())
    assert found, row.inner_text()
    return float(found.group(1))


def test_mark_attendance_by_click_and_by_keyboard(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    session = todays_session(alpha, patients=3)
    base = str(live_server)
    sign_in(page, base, alpha.members[Role.FRONT_DESK].user.email)
    before = this_weeks_hours(page, alpha.patient.record_number)  # the fixture's own sessions
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", name="Roster", exact=False).first).to_be_visible()

    name = alpha.patient.display_name
    section = page.locator(f"#roster-session-{session.pk}")
    section.get_by_role("button", name=f"Present: {name}").click()
    row = section.locator("tr", has_text=name)
    expect(row).to_contain_text("180 min")
    expect(row.get_by_role("button", name="Undo")).to_be_visible()

    # Keyboard: down to the first of the others, L marks late.
    row.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("l")
    expect(page.locator("tr.roster-row--late")).to_have_count(1)
    # The times form comes into the row when asked for, its arrival field focused.
    row.get_by_role("link", name=f"Times: {name}").click()
    arrival = row.get_by_role("textbox", name=f"Arrived: {name}")
    expect(arrival).to_be_focused()
    assert serious_accessibility_issues(page) == []
    arrival.fill(f"{clock.local(alpha.clinic, session.starts_at):%H:%M}")
    row.get_by_role("button", name="Save times").click()
    expect(row).to_contain_text(
        f"180 min · in {clock.local(alpha.clinic, session.starts_at):%H:%M}"
    )
    assert "/attendance/" not in page.url  # the row swapped in place, the address unchanged
    page.screenshot(path=screenshot_dir / "30-roster.png", full_page=True)
    with clinic_context(alpha.clinic.pk):
        statuses = set(Attendance.objects.filter(session=session).values_list("status", flat=True))
    assert {"present", "late"} <= statuses

    # The week's hours now count the three hours just marked.
    page.get_by_role("link", name="Weekly hours").click()
    hours_row = page.locator("tr", has_text=alpha.patient.record_number)
    expect(hours_row).to_contain_text(f"{before + 3:.1f} h")
    page.screenshot(path=screenshot_dir / "31-weekly-hours.png", full_page=True)


def test_mark_all_remaining_present_undo_and_clear_after_a_reload(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    session = todays_session(alpha, patients=3)
    sign_in(page, str(live_server), alpha.members[Role.FRONT_DESK].user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    section = page.locator(f"#roster-session-{session.pk}")
    section.get_by_role("button", name="Mark all remaining present (4)").click()
    expect(section).to_contain_text("4 marked present.")
    expect(section.locator("tr.roster-row--present")).to_have_count(4)
    page.screenshot(path=screenshot_dir / "32-roster-all-present.png", full_page=True)
    section.get_by_role("button", name="Undo").click()
    expect(section).to_contain_text("4 marks undone.")
    expect(section.locator("tr.roster-row--expected")).to_have_count(4)

    name = alpha.patient.display_name
    section.get_by_role("button", name=f"Present: {name}").click()
    expect(section.locator("tr", has_text=name)).to_contain_text("180 min")
    page.reload()
    section.get_by_role("button", name=f"Clear mark: {name}").click()
    expect(section.locator("tr", has_text=name)).to_have_class(re.compile("roster-row--expected"))
    assert serious_accessibility_issues(page) == []
    with clinic_context(alpha.clinic.pk):
        statuses = set(Attendance.objects.filter(session=session).values_list("status", flat=True))
    assert statuses == {"expected"}
