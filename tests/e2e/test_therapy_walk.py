"""Individual therapy in a real browser: the therapist's week, a treatment plan, writing and
signing a progress note (the confirmation names the patient), the signed note."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop import clock
from iop.roles import Role
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues
from tests.therapy.records import individual_session

pytestmark = pytest.mark.e2e


def test_week_plan_and_note(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    therapist = alpha.members[Role.THERAPIST]
    yesterday = clock.today(alpha.clinic) - datetime.timedelta(days=1)
    session = individual_session(alpha.patient, lead=therapist, day=yesterday, hour=19)
    base, slug = str(live_server), alpha.clinic.slug
    sign_in(page, base, therapist.user.email)

    coming = individual_session(
        alpha.patient, lead=therapist, day=yesterday + datetime.timedelta(days=3), hour=17
    )
    page.goto(f"{base}/c/{slug}/therapy/week/?week={coming.day:%Y-%m-%d}")
    expect(page.get_by_role("link", name="Move").first).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "80-therapy-week.png", full_page=True)

    page.goto(f"{base}/c/{slug}/therapy/plans/{alpha.records['treatment_plan_id'].pk}/")
    expect(page.get_by_text("Goal: Stay sober")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "81-treatment-plan.png", full_page=True)

    page.goto(f"{base}/c/{slug}/therapy/notes/unsigned/")
    page.get_by_role("link", name="Write the note").first.click()
    page.get_by_label("Data").fill("Arrived on time. Reported one craving on Saturday.")
    page.get_by_label("Assessment").fill("Using skills; motivation high.")
    page.get_by_label("Plan", exact=True).fill("Continue the urge log; next session Tuesday.")
    page.get_by_label("Modality used").select_option(label="Motivational interviewing")
    page.get_by_label("One coping skill per craving").check()
    messages: list[str] = []
    page.once("dialog", lambda d: (messages.append(d.message), d.accept()))
    page.get_by_role("button", name=f"Sign note for {alpha.patient.display_name}").click()
    expect(page.get_by_text("Signed by")).to_be_visible()
    assert alpha.patient.display_name in messages[0]
    page.get_by_label("Add an addendum").fill("Late entry: called Monday, doing well.")
    page.get_by_role("button", name="Add addendum").click()
    expect(page.get_by_text("Addendum added.")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    expect(page.get_by_text("One coping skill per craving, 5 of 7 days")).to_be_visible()
    page.screenshot(path=screenshot_dir / "82-progress-note.png", full_page=True)
    assert session.pk


# A Wednesday morning: the rest of the week is still ahead (on a Sunday night "the rest of
# the week" is half an hour, and the schedule has no day left to explain).
@pytest.mark.instant("2026-12-02 09:00")
def test_an_unplaced_patient_is_booked_by_hand(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    """The therapist is away for the rest of the week: the schedule says why the patient
    cannot be placed and offers next week's nearest free times; one click books the first,
    the week view shows it; a second try at the same time is refused on the form."""
    from therapy import services

    alpha = build_tenant("alpha")
    therapist = alpha.members[Role.THERAPIST]
    monday = clock.week_start(clock.today(alpha.clinic)) + datetime.timedelta(weeks=1)
    services.availability_block_add(
        clinic=alpha.clinic, actor=therapist.user, therapist=therapist,
        starts_at=clock.now(), ends_at=clock.at(alpha.clinic, monday, datetime.time(0)),
        reason="Leave",
    )  # fmt: skip
    base, slug = str(live_server), alpha.clinic.slug
    sign_in(page, base, therapist.user.email)
    page.goto(f"{base}/c/{slug}/therapy/schedule/")
    expect(page.get_by_text("Therapist has no availability on the patient's days")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "83-therapy-schedule-unplaced.png", full_page=True)
    first = page.get_by_role("button", name="Book").first
    label = first.inner_text()
    first.click()
    expect(page.get_by_text("Booked ")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "84-therapy-week-booked.png", full_page=True)

    page.goto(f"{base}/c/{slug}/therapy/schedule/patients/{alpha.patient.pk}/book/")
    expect(page.get_by_text("Nearest free times")).to_be_visible()
    assert label not in page.content()  # the time is taken now
    local = clock.at(alpha.clinic, monday, datetime.time(3))  # nobody works at 3 AM
    page.get_by_label("Start").fill(f"{local:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#id_starts_at_error")).to_contain_text(
        "outside the therapist's working hours"
    )
    assert serious_accessibility_issues(page) == []
    page.screenshot(path=screenshot_dir / "85-therapy-book-refused.png", full_page=True)
