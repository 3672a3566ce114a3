"""An aftercare plan in a real browser: from the chart to a signed plan and its PDF, made by
a real worker and picked up by the page's polling."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from aftercare import services
from iop.roles import Role
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = [pytest.mark.e2e, pytest.mark.worker]


def test_chart_to_signed_plan_to_pdf(
    live_server: object, page: Page, screenshot_dir: Path, celery_worker: object
) -> None:
    alpha = build_tenant("alpha")
    cm = alpha.members[Role.CASE_MANAGER].user
    draft = services.aftercare_plan_revise(alpha.records["aftercare_plan_id"], actor=cm)
    base = str(live_server)
    sign_in(page, base, cm.email)

    page.goto(f"{base}/c/{alpha.clinic.slug}/patients/{alpha.patient.pk}/#aftercare")
    page.get_by_role("link", name="Aftercare plan, version 2").click()
    page.get_by_role("link", name="Edit the plan").click()
    page.get_by_label("Triggers").fill("Payday Fridays; the new commute past the bar")
    page.locator("#id_support_groups-2-name").fill("Harbor SMART")
    page.locator("#id_support_groups-2-kind").select_option(label="SMART Recovery")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "60-aftercare-editor.png", full_page=True)
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("Plan saved.")).to_be_visible()

    page.get_by_role("button", name="Send for review").click()
    page.get_by_label("Patient types their name").fill(alpha.patient.legal_name)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign the plan").click()
    expect(page.get_by_text("Signed. This version is now final.")).to_be_visible()
    page.get_by_role("button", name="Generate PDF").click()
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible(timeout=30_000)
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "61-aftercare-plan.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"aftercare-plan-{draft.pk}-v2.pdf"
