"""Front-desk and billing jobs in a real browser: what issue #17 found broken, walked again."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop.roles import Role
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = pytest.mark.e2e


def test_billing_saves_an_authorization_against_a_coverage(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    base = str(live_server)
    existing = alpha.records["authorization_id"]
    sign_in(page, base, alpha.members[Role.FRONT_DESK].user.email)
    chart = f"{base}/c/{alpha.clinic.slug}/patients/{alpha.patient.pk}"

    # Re-saving the existing one unchanged.
    page.goto(f"{chart}/authorizations/{existing.pk}/")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Authorization saved.")).to_be_visible()

    # A new one on the patient's coverage.
    page.goto(f"{chart}/authorizations/new/")
    page.get_by_label("Coverage").select_option(index=1)
    page.get_by_label("Authorization number").fill("PA-2026-118")
    page.get_by_label("Service code").select_option("H0015")
    page.get_by_label("Units authorized").fill("36")
    page.get_by_label("Start date").fill("2026-11-02")
    page.get_by_label("End date").fill("2027-01-29")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Authorization saved.")).to_be_visible()
    expect(page.locator("#insurance")).to_contain_text("PA-2026-118")
    assert serious_accessibility_issues(page) == []
    page.locator("#insurance").screenshot(path=screenshot_dir / "desk-authorization-saved.png")


@pytest.mark.instant("2026-11-30 07:00")
def test_a_double_booked_lead_shows_on_the_tracks_page_and_the_roster(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    from iop import clock
    from iop.tenancy import clinic_context
    from scheduling import services as calendar
    from scheduling.models import Session

    alpha = build_tenant("alpha")
    therapist = alpha.members[Role.THERAPIST]
    track = alpha.records["enrollment_id"].track
    monday = clock.today(alpha.clinic)
    with clinic_context(alpha.clinic.pk):
        Session.objects.filter(clinic=alpha.clinic).delete()
        track.blocks.update(lead=therapist)
    start = clock.at(alpha.clinic, monday, datetime.time(10))
    calendar.session_create(
        clinic=alpha.clinic, actor=alpha.admin.user, kind="individual", day=monday,
        starts_at=start, ends_at=start + datetime.timedelta(hours=1), lead=therapist,
    )  # fmt: skip
    calendar.sessions_generate(clinic=alpha.clinic)
    base = str(live_server)

    sign_in(page, base, alpha.admin.user.email)
    page.goto(f"{base}/c/{alpha.clinic.slug}/tracks/")
    clash = page.get_by_role("region", name="1 session without its lead")
    expect(clash).to_contain_text(f"{therapist.user.display_name} is already leading")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "desk-track-clash.png", full_page=True)

    page.goto(f"{base}/c/{alpha.clinic.slug}/roster/")
    expect(
        page.get_by_text(f"No lead: {therapist.user.display_name} is double-booked")
    ).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "desk-roster-clash.png", full_page=True)


def test_front_desk_signs_a_patient_up_for_email_reminders(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    base = str(live_server)
    sign_in(page, base, alpha.members[Role.FRONT_DESK].user.email)
    page.goto(f"{base}/c/{alpha.clinic.slug}/patients/{alpha.patient.pk}/edit/")
    page.get_by_label("Session reminders").select_option("email")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the patient's email")
    page.get_by_label("Email").fill("pat@example.org")
    assert serious_accessibility_issues(page) == []
    page.locator("#id_reminders").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "desk-reminders-opt-in.png")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Changes saved.")).to_be_visible()
