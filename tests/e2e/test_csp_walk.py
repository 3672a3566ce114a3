"""The Content-Security-Policy in a real browser: the staff pages (htmx included) and the
API docs (Swagger UI) work, and Chromium reports no refused script or style."""

from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from iop.roles import Role
from tests import factories
from tests.conftest import build_tenant
from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = pytest.mark.e2e


def record_violations(page: Page) -> list[str]:
    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    return refused


def test_swagger_ui_works_under_the_policy(
    live_server: object, page: Page, screenshot_dir: Path, db: None
) -> None:
    refused = record_violations(page)
    page.goto(f"{live_server}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("IOP clinic API")
    operation = page.locator(".opblock-summary").first
    expect(operation).to_be_visible()
    operation.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert refused == []
    assert page.locator("html").get_attribute("lang") == "en"
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "desk-api-docs.png")


def test_staff_pages_and_htmx_work_under_the_policy(
    live_server: object, page: Page, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    refused = record_violations(page)
    base = str(live_server)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(alpha.members[Role.THERAPIST].user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your day")
    page.get_by_label("Find a patient").fill("Patient-al")  # htmx, as you type
    expect(page.locator("#search-results a").first).to_contain_text(alpha.patient.record_number)
    assert refused == []
