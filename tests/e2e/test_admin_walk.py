"""A clinic admin's pages in a real browser: staff, invitations, audit trail, API tokens."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop.roles import Role
from tests import factories
from tests.conftest import build_tenant
from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = pytest.mark.e2e


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_admin_invites_reads_the_trail_and_creates_a_token(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    base = str(live_server)
    slug = alpha.clinic.slug
    sign_in(page, base, alpha.admin.user.email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your day")  # home: their day

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    expect(page.get_by_text("7 people")).to_be_visible()
    page.get_by_role("link", name="Invite a person").click()
    # An address already on staff: the summary links to the field, the input is kept.
    page.get_by_label("Email").fill(alpha.members[Role.NURSE].user.email)
    page.get_by_label("Role").select_option(label="Nurse / tech")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("already on this clinic's staff")
    expect(page.get_by_label("Email")).to_have_value(alpha.members[Role.NURSE].user.email)
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "10-invite-error.png", full_page=True)
    page.get_by_label("Email").fill("new.counselor@clinic.example")
    page.get_by_label("Role").select_option(label="Case manager")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent")
    page.screenshot(path=screenshot_dir / "11-staff.png", full_page=True)

    page.goto(f"{base}/c/{slug}/patients/{alpha.patient.pk}/")
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Action").select_option(label="Viewed")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 event")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "12-audit.png", full_page=True)

    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("Billing export")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("iop_")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "13-token.png", full_page=True)
    response = page.request.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.json()["clinic"]["slug"] == slug
