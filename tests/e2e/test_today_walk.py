"""The first screen after `make run` on a Sunday night: the demo, seeded then, signed into
by its front desk, shows Monday's lists under a plain note; on Monday morning, Monday's."""

import datetime
import re
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = pytest.mark.e2e

# Sunday 23:30 in New York (Harbor Light, the `second` demo clinic), Monday in UTC.
SUNDAY_NIGHT = datetime.datetime(2026, 12, 7, 4, 30, tzinfo=datetime.UTC)
# Monday 09:10 in New York: the morning groups have begun.
MONDAY_MORNING = datetime.datetime(2026, 12, 7, 14, 10, tzinfo=datetime.UTC)


def sign_in(page: Page, base: str) -> None:
    """The front desk of Harbor Light, with the demo's password, as README gives it."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("frontdesk@second.example")
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_demo_on_a_sunday_night_lands_on_mondays_lists(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    # The clock ticks on from the pinned instant: the browser and the server need time.
    with time_machine.travel(SUNDAY_NIGHT) as traveller:
        call_command("seed_demo", patients=12, stdout=StringIO())
        base = str(live_server)
        sign_in(page, base)

        note = page.locator(".day-off")
        expect(note).to_contain_text("The clinic is closed today (Sunday).")
        next_open = re.compile(r"Next open day: Monday, December 7 — \d+ sessions, shown below")
        expect(note).to_contain_text(next_open)
        expect(page.get_by_role("heading", level=1)).to_have_text("Roster · Monday, December 7")
        expect(page.get_by_role("heading", name=re.compile(r"^9:00 AM–10:30 AM"))).to_be_visible()
        expect(page.get_by_role("link", name="Today", exact=True).first).to_have_attribute(
            "aria-current", "page"
        )
        assert serious_accessibility_issues(page) == []
        page.screenshot(path=screenshot_dir / "32-today-closed-day.png", full_page=True)

        # The note's link is Monday's own address, to keep or share.
        note.get_by_role("link", name="Monday, December 7").click()
        expect(page).to_have_url(re.compile(r"/c/second/(roster/)?\?date=2026-12-07$"))
        expect(page.locator(".day-off")).to_have_count(0)

        # The next morning (signed out overnight by the idle limit): Monday's own lists.
        traveller.move_to(MONDAY_MORNING)
        sign_in(page, base)
        expect(page.locator(".day-off")).to_have_count(0)
        expect(page.get_by_role("heading", level=1)).to_have_text("Roster · Monday, December 7")
        page.screenshot(path=screenshot_dir / "33-today-open-day.png", full_page=True)
