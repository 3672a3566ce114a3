"""Remittances in a real browser: the biller downloads the sample 835, imports it, reads what
posted and finds the denied days on the denials worklist with the blocker that catches them."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from billing import demo
from iop.roles import Role
from tests import factories
from tests.billing.test_readiness import NOW, _patient, _setup
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = [pytest.mark.e2e]


@pytest.mark.instant(NOW)
def test_sample_835_to_remittance_to_denials(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    s = _setup()
    for name in ("Paid", "Partly", "Denied"):
        _patient(s, legal_last_name=name)
    demo.seed_sample_remittance(s.clinic, s.admin.user)
    biller = factories.member(s.clinic, Role.BILLING)
    base = str(live_server)
    sign_in(page, base, biller.user.email)
    page.goto(f"{base}/c/{s.clinic.slug}/billing/remittances/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a sample 835").click()
    sample = download.value.path()
    page.get_by_label("835 remittance file").set_input_files("/etc/hostname")
    page.get_by_role("button", name="Import and post").click()
    expect(page.get_by_text("This is not an X12 file").first).to_be_visible()
    page.screenshot(path=screenshot_dir / "73-remittance-refused.png", full_page=True)
    page.get_by_label("835 remittance file").set_input_files(sample)
    page.get_by_role("button", name="Import and post").click()
    expect(page.get_by_text("Posted 3 claims")).to_be_visible()
    expect(page.locator("#posted")).to_contain_text("Coinsurance amount")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "74-remittance-posted.png", full_page=True)
    page.get_by_role("link", name="Denials", exact=True).click()
    expect(page.locator("#denials")).to_contain_text("No authorization covering the date")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "75-denials.png", full_page=True)
