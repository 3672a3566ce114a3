"""A browser walk per role through the demo on a Monday morning, from sign-in through that
role's day: each lands on its own work (the front desk on today's lists, a therapist on their
sessions and notes, a case manager on their caseload's alerts, an admin on the clinic's day
and its set-up gaps) and opens the pages that day takes. Every page visited has no serious or
critical axe finding; the screenshots are kept in docs/screenshots/ (README: Screenshots)."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Monday 09:10 in New York (Harbor Light, the `second` demo clinic): the morning groups began.
MONDAY_MORNING = datetime.datetime(2026, 12, 7, 14, 10, tzinfo=datetime.UTC)

# role (the demo login's name) → the heading it lands on, then the pages of its day:
# (screenshot name, link in the side navigation or top bar, the heading that page shows)
DAYS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "frontdesk": (
        "Roster · Monday, December 7",
        [
            ("patients", "Patients", "Patients"),
            ("intake", "Intake", "Intake"),
            ("makeups", "Make-ups", "Make-ups"),
        ],
    ),
    "therapist": (
        "Your day · Monday, December 7",
        [
            ("roster", "Today", "Roster · Monday, December 7"),
            ("therapy", "Therapy", "Individual therapy"),
            ("week", "Week view", "Week of"),
            ("calendar", "My calendar", "My calendar"),
        ],
    ),
    "casemanager": (
        "Your day · Monday, December 7",
        [
            ("caseload", "Caseload", "Caseload"),
            ("makeups", "Make-ups", "Make-ups"),
            ("follow-ups", "Follow-up calls", "Alumni follow-up calls"),
        ],
    ),
    "admin": (
        "Your day · Monday, December 7",
        [
            ("tracks", "Tracks and rooms", "Tracks"),
            ("staff", "Staff", "Staff"),
            ("hours", "Weekly hours", "Weekly hours"),
        ],
    ),
    "nurse": (
        "Roster · Monday, December 7",
        [("drug-tests", "Drug tests", "Drug and alcohol tests")],
    ),
    "auditor": (
        "Roster · Monday, December 7",
        [("audit", "Audit trail", "Audit trail")],
    ),
}


def sign_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(f"{login}@second.example")
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def looked_at(page: Page, name: str) -> None:
    """No serious or critical axe finding, then the screenshot for the README."""
    assert serious_accessibility_issues(page) == [], page.url
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=DOCS / f"{name}.png", full_page=True)


@pytest.mark.parametrize("login", list(DAYS))
def test_each_role_walks_through_its_day(
    live_server: object, page: Page, transactional_db: None, login: str
) -> None:
    landing, pages = DAYS[login]
    with time_machine.travel(MONDAY_MORNING):
        call_command("seed_demo", patients=12, stdout=StringIO())
        sign_in(page, str(live_server), login)
        expect(page.get_by_role("heading", level=1)).to_have_text(landing)
        looked_at(page, f"{login}-day")
        for name, link, heading in pages:
            page.get_by_role("link", name=link, exact=True).first.click()
            expect(page.get_by_role("heading", level=1).first).to_contain_text(heading)
            looked_at(page, f"{login}-{name}")


def test_the_api_docs_have_no_serious_accessibility_issue(
    live_server: object, page: Page, transactional_db: None
) -> None:
    with time_machine.travel(MONDAY_MORNING):
        call_command("seed_demo", patients=4, stdout=StringIO())
        sign_in(page, str(live_server), "admin")
        page.goto(f"{live_server}/api/docs/")
        expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=10_000)
        looked_at(page, "admin-api-docs")
