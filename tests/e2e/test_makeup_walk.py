"""A case manager's make-ups in a real browser: the queue, a proposal booked, a waiver; the
admin's curriculum and track editing pages."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop import services
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling.models import MissedSession
from tests import factories
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues
from tests.scheduling.test_makeups import evening_track, skills_with_topic

pytestmark = pytest.mark.e2e


def test_case_manager_books_and_waives_makeups(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    admin = alpha.admin.user
    case_manager = alpha.members[Role.CASE_MANAGER]
    skills, topic = skills_with_topic(alpha)
    evening_track(alpha, skills)
    with clinic_context(alpha.clinic.pk):
        services.patient_update(patient=alpha.patient, actor=admin, case_manager=case_manager)
    booked = factories.missed_session(
        alpha.patient, actor=admin, group_type=skills, topic=topic, days_ago=3
    )
    other = factories.patient(alpha.clinic, actor=admin, legal_first_name="Robin")
    with clinic_context(alpha.clinic.pk):
        services.patient_update(patient=other, actor=admin, case_manager=case_manager)
    waived = factories.missed_session(other, actor=admin, group_type=skills, status="excused")

    sign_in(page, str(live_server), case_manager.user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Make-ups").click()
    expect(page.get_by_role("heading", name="Make-ups")).to_be_visible()
    expect(page.get_by_text("a make-up decision").first).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "50-makeup-queue.png", full_page=True)

    name = alpha.patient.display_name
    page.get_by_role("button", name=f"for {name}").first.click()
    expect(page.get_by_text(f"Make-up booked for {name}")).to_be_visible()

    page.get_by_role("link", name=f"Another time or waive… for {other.display_name}").click()
    expect(page.get_by_role("heading", name="Another time")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "51-makeup-detail.png", full_page=True)
    page.get_by_role("button", name="Waive the make-up").click()
    expect(page.get_by_text("Say why no make-up is needed.")).to_be_visible()
    page.get_by_label("Reason").fill("Covered in the individual session.")
    page.get_by_role("button", name="Waive the make-up").click()
    expect(page.get_by_text(f"Waived for {other.display_name}")).to_be_visible()
    with clinic_context(alpha.clinic.pk):
        statuses = dict(
            MissedSession.objects.filter(pk__in=[booked.pk, waived.pk]).values_list("pk", "status")
        )
    assert statuses == {booked.pk: "made_up", waived.pk: "waived"}


def test_admin_edits_the_curriculum_and_a_track(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    sign_in(page, str(live_server), alpha.admin.user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Group curriculum").click()
    expect(page.get_by_role("heading", name="Group types and curriculum")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "52-curriculum.png", full_page=True)
    page.get_by_role("link", name="Add a topic to Skills").click()
    page.get_by_label("Name").fill("Sleep hygiene")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Topic “Sleep hygiene” saved.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tracks and rooms").click()
    page.get_by_role("link", name="Edit Morning IOP").click()
    expect(page.get_by_role("heading", name="Edit Morning IOP")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "53-track-edit.png", full_page=True)
