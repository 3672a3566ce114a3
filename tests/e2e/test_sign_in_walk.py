"""A person's first minute: sign in, choose a clinic, land on its home, open a chart."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from iop.models import Membership
from iop.roles import Role
from iop.tenancy import clinic_context
from tests import factories
from tests.conftest import build_tenant

pytestmark = pytest.mark.e2e


def serious_accessibility_issues(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_sign_in_choose_a_clinic_and_open_a_chart(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha, bravo = build_tenant("alpha"), build_tenant("bravo")
    user = alpha.members[Role.THERAPIST].user
    with clinic_context(bravo.clinic.pk):
        Membership.objects.create(user=user, clinic=bravo.clinic, role=Role.CASE_MANAGER)
    base = str(live_server)

    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "01-sign-in.png", full_page=True)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Choose a clinic")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "02-choose-clinic.png", full_page=True)
    page.get_by_role("link", name=alpha.clinic.name).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Your day")  # a therapist's home
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Patients")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "03-clinic-home.png", full_page=True)

    # The top bar's search finds the patient as you type, with two identifiers.
    page.get_by_label("Find a patient").fill("Patient-al")
    result = page.locator("#search-results a").first
    expect(result).to_contain_text(alpha.patient.record_number)
    page.screenshot(path=screenshot_dir / "04-search.png")
    result.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Patient-alpha")
    expect(page.locator(".patient-header")).to_contain_text(alpha.patient.record_number)
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "05-chart.png", full_page=True)

    # Switching clinics shows the other clinic's data only.
    page.get_by_role("link", name="Switch clinic").click()
    page.get_by_role("link", name=bravo.clinic.name).click()
    page.get_by_label("Find a patient").fill("Patient-al")
    expect(page.locator("#search-results")).to_contain_text("No patient matches")
