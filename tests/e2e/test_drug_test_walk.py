"""A nurse records a cup's results in a real browser: one row of choices per substance,
one positive chosen, the rest negative in one click; the list shows what came back."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop.roles import Role
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues
from tests.progress.test_drug_tests import collect, order

pytestmark = pytest.mark.e2e


def test_results_in_one_row_each_and_the_rest_negative(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    test_id = order(alpha)
    assert collect(alpha, test_id).status_code == 200
    base = str(live_server)
    sign_in(page, base, alpha.members[Role.NURSE].user.email)
    page.goto(f"{base}/c/{alpha.clinic.slug}/drug-tests/{test_id}/")
    entry = page.locator("section.results-entry")
    expect(entry.locator("select[name^=outcome_]")).to_have_count(0)
    thc = entry.get_by_role("group", name="Cannabis (THC)", exact=False)
    thc.get_by_label("Positive").check()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "50-drug-test-results.png", full_page=True)
    entry.get_by_role("button", name="Save: all not marked negative").click()
    expect(page.locator(".facts")).to_contain_text("Resulted")
    expect(page.get_by_role("table").first).to_contain_text("Negative")
    page.get_by_role("link", name="← All tests").click()
    row = page.locator(f"tr:has(a[href$='/drug-tests/{test_id}/'])")
    expect(row).to_contain_text("Resulted")
    expect(row).to_contain_text("negative")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "51-drug-test-list.png", full_page=True)
