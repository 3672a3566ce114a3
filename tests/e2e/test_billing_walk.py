"""Billing in a real browser: the worklist shows a day held by an unsigned note, the therapist
signs it, the day turns ready with nothing re-keyed, the biller builds the claim, has the
worker write the 837I and downloads it."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop.roles import Role
from tests import factories
from tests.billing.test_claims import _validate
from tests.billing.test_readiness import MON, NOW, THU, TUE, _day, _patient, _setup
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = [pytest.mark.e2e, pytest.mark.worker]


@pytest.mark.instant(NOW)
def test_worklist_to_signed_note_to_claim_to_837(
    live_server: object, page: Page, screenshot_dir: Path, celery_worker: object
) -> None:
    s = _setup()
    _patient(s, legal_last_name="Ready")
    patient = _patient(s, days=(MON, TUE), legal_last_name="Waiting")
    draft = _day(s, patient, THU, sign=False)
    biller = factories.member(s.clinic, Role.BILLING)
    base = str(live_server)
    worklist = f"{base}/c/{s.clinic.slug}/billing/?start=2026-11-01&end=2026-11-20"

    sign_in(page, base, biller.user.email)
    page.goto(worklist)
    held = page.locator("#held")
    expect(held.get_by_role("link", name="No signed note for a service that day")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "70-billing-worklist-blocked.png", full_page=True)

    page.context.clear_cookies()
    sign_in(page, base, s.therapist.user.email)
    page.goto(f"{base}/c/{s.clinic.slug}/sessions/{draft.session_id}/note/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("Signed. Each attendee's chart now has this note.")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, base, biller.user.email)
    page.goto(worklist)
    expect(page.locator("#held")).not_to_contain_text("No signed note")
    expect(page.locator("#days")).not_to_contain_text("Blocked")
    page.screenshot(path=screenshot_dir / "71-billing-worklist-ready.png", full_page=True)

    page.get_by_role("link", name="Claims", exact=True).click()
    page.get_by_role("button", name="Build claims from this month's ready days").click()
    expect(page.get_by_text("Built 2 claims")).to_be_visible()
    for _ in range(2):
        page.get_by_role("button", name="Mark ready").first.click()
    page.get_by_label("File format").select_option("837I")
    page.get_by_role("button", name="Write the file of ready claims").click()
    expect(page.get_by_role("link", name="Download the 837")).to_be_visible(timeout=30_000)
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "72-billing-837-file.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the 837").click()
    path = download.value.path()
    ok, report = _validate(Path(path).read_text())
    assert ok, report
    # The patient's authorization now counts the three claimed days as used units.
    page.goto(f"{base}/c/{s.clinic.slug}/patients/{patient.pk}/")
    expect(page.get_by_text("(3 on claims)")).to_be_visible()
    page.screenshot(path=screenshot_dir / "73-chart-authorization-claimed.png", full_page=True)
