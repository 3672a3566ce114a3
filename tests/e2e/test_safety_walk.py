"""A safety follow-up in a real browser: a PHQ-9 with item 9 answered 1 is recorded, the
therapist signs in and finds the task first on their Today page, and closes it with the
C-SSRS Screener (The Columbia Lighthouse Project, screen version since last contact, 2021)
and a plan. Screenshots: /tmp/safety-home.png, /tmp/safety-close.png."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop import clock
from iop.roles import Role
from iop.tenancy import clinic_context
from progress import selectors, services
from progress.cssrs import Screen
from progress.models import SafetyTask
from tests import factories
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = pytest.mark.e2e
# Where the walk's two screenshots are asked for, to be looked at in review.
REVIEW = Path("/tmp")  # noqa: S108


def test_item9_reaches_the_therapist_who_closes_it_with_the_screen(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    therapist, manager = alpha.members[Role.THERAPIST], alpha.members[Role.CASE_MANAGER]
    with clinic_context(alpha.clinic.pk):
        # The fixture's own item-9 task, closed: this walk is about the new one.
        for task in selectors.open_safety_tasks(clinic=alpha.clinic, patient_id=alpha.patient.pk):
            services.safety_task_close(
                task, actor=therapist.user, screen=Screen(wish_dead=False, suicidal_thoughts=False),
                plan="Seen.",
            )  # fmt: skip
    patient = factories.patient(
        alpha.clinic, actor=alpha.admin.user, legal_first_name="Maria", legal_last_name="Garcia",
        primary_therapist=therapist, case_manager=manager,
    )  # fmt: skip
    with clinic_context(alpha.clinic.pk):
        services.measure_submit(
            clinic=alpha.clinic, actor=manager.user, patient=patient, instrument="phq9",
            answers=[2, 2, 1, 1, 1, 0, 1, 0, 1], administered_on=clock.today(alpha.clinic),
        )  # fmt: skip
        task = SafetyTask.objects.get(patient=patient)

    base = str(live_server)
    sign_in(page, base, therapist.user.email)
    panel = page.get_by_role("region", name="Safety follow-up needing you (1)")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Maria Garcia")
    expect(page.locator(".topbar__bell .count-badge")).to_have_text("1 unread")
    # First on the page: before the day's heading.
    first = page.locator("main h1, main h2").first
    expect(first).to_have_text("Safety follow-up needing you (1)")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=REVIEW / "safety-home.png", full_page=True)
    page.screenshot(path=screenshot_dir / "60-safety-home.png", full_page=True)

    panel.get_by_role("link", name="Close with the screen").click()
    expect(
        page.get_by_role("heading", name="Close the safety task for Maria Garcia")
    ).to_be_visible()
    # Keyboard only, as staff between patients would: radios by label, then the plan.
    page.get_by_role("group", name="1. Since the last contact").get_by_label("Yes").check()
    page.get_by_role("group", name="2. Since the last contact").get_by_label("No").check()
    page.get_by_role("group", name="6. Have they ever").get_by_label("No").check()
    page.get_by_label("Plan").fill(
        "Called Maria; wish to be dead, no thoughts of suicide. Safety plan reviewed; "
        "seen tomorrow."
    )
    assert serious_accessibility_issues(page) == []
    # At the top, so the sticky patient header sits where it belongs in the full-page shot.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=REVIEW / "safety-close.png", full_page=True)
    page.screenshot(path=screenshot_dir / "61-safety-close.png", full_page=True)
    page.get_by_label("Plan").press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Safety task closed.")).to_be_visible()

    with clinic_context(alpha.clinic.pk):
        task.refresh_from_db()
    assert (task.is_open, task.risk_level) == (False, "low")
    page.goto(f"{base}/c/{alpha.clinic.slug}/")
    expect(page.locator(".safety-today")).to_have_count(0)
