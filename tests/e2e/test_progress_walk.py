"""A case manager's morning in a real browser: the caseload sorted by risk, then one
patient's progress page with its charts. Screenshots are looked at (.data/screenshots)."""

import datetime
import random
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop import clock
from iop import services as core
from iop.roles import Role
from iop.tenancy import clinic_context
from progress.demo import seed_progress
from scheduling.models import Attendance, Session
from tests import factories
from tests.conftest import Tenant, build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues

pytestmark = pytest.mark.e2e
NAMES = [
    ("Maria", "Garcia"), ("James", "Walker"), ("Aisha", "Nguyen"), ("Daniel", "Patel"),
    ("Priya", "Johnson"), ("Marcus", "Kim"), ("Elena", "Lopez"), ("Tyler", "Bennett"),
]  # fmt: skip


def caseload_of_eight(tenant: Tenant) -> None:
    today = clock.today(tenant.clinic)
    tz = clock.zone(tenant.clinic)
    manager = tenant.members[Role.CASE_MANAGER]
    patients = []
    for first, last in NAMES:
        patient = factories.patient(
            tenant.clinic, actor=tenant.admin.user, legal_first_name=first, legal_last_name=last,
            case_manager=manager, primary_therapist=tenant.members[Role.THERAPIST],
        )  # fmt: skip
        core.enrollment_create(
            patient=patient, actor=tenant.admin.user, track=tenant.records["enrollment_id"].track,
            admission_date=today - datetime.timedelta(weeks=9),
        )  # fmt: skip
        patients.append(patient)
    rng = random.Random(7)
    with clinic_context(tenant.clinic.pk):
        for days_ago in range(1, 63):
            day = today - datetime.timedelta(days=days_ago)
            if day.weekday() not in (0, 1, 3):
                continue
            session = Session.objects.create(
                clinic=tenant.clinic, kind="group", day=day, status="held",
                starts_at=clock.at(tz, day, datetime.time(5)),
                ends_at=clock.at(tz, day, datetime.time(8)),
            )  # fmt: skip
            Attendance.objects.bulk_create(
                Attendance(
                    clinic=tenant.clinic, session=session, patient=p, starts_at=session.starts_at,
                    ends_at=session.ends_at, status=status,
                    minutes_attended=180 if status == "present" else 0,
                )
                for p in patients
                for status in [rng.choices(["present", "absent"], weights=[9, 1])[0]]
            )  # fmt: skip
        seed_progress(
            clinic=tenant.clinic, admin=tenant.admin.user,
            nurse=tenant.members[Role.NURSE].user, rng=rng,
        )  # fmt: skip


def test_caseload_then_progress_page(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    caseload_of_eight(alpha)
    base = str(live_server)
    sign_in(page, base, alpha.members[Role.CASE_MANAGER].user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload").click()
    expect(page.get_by_role("heading", name="Caseload", exact=False)).to_be_visible()
    expect(page.locator("p.count")).to_contain_text("8 patients")
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "40-caseload.png", full_page=True)

    first = page.locator("table.caseload tbody tr").first
    expect(first).to_contain_text("PHQ-9 item 9")
    first.get_by_role("link").first.click()
    # Admitted 9 weeks ago: the charts span those 10 weeks, not a fixed 12.
    expect(page.get_by_role("heading", name="Progress · the last 10 weeks")).to_be_visible()
    expect(page.get_by_role("alert").first).to_contain_text("Safety follow-up due")
    expect(page.locator("svg.chart")).to_have_count(9)  # daily ratings: 4 small multiples
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "41-progress.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=screenshot_dir / "42-progress-print.png", full_page=True)
    page.emulate_media(media="screen")

    # The latest test, read by the case manager, who reviews it with a comment.
    page.locator("#tests").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    page.get_by_label("Comment").fill("Dilute specimen: discussed hydration; observed next time.")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Review saved.")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "43-drug-test.png", full_page=True)
