"""The caseload: each risk flag raised (and not raised just below its line), sorted by risk,
a case manager's own patients only, and a query budget pinned for 5 and for 80 patients."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop import services as core
from iop.models import Medication, Patient
from iop.roles import Role
from iop.tenancy import clinic_context
from progress import selectors, services
from progress.cssrs import Screen
from progress.models import DrugTest, Measure, SubstanceResult
from scheduling.models import Attendance, Session
from tests import factories
from tests.conftest import DEFAULT_ZONE, FAR_ZONES, Tenant

# Pinned: the same for 5 or 80 patients. 21 = 20 + 1 for the medication-assisted treatment
# findings of tests not yet reviewed (one query for the whole caseload).
# -2 since the clinic is bound with the person in one statement and MFA state is cached.
CASELOAD_QUERIES = 17


def enrolled(tenant: Tenant, name: str, **fields: Any) -> Patient:
    patient = factories.patient(
        tenant.clinic, actor=tenant.admin.user, legal_last_name=name,
        case_manager=tenant.members[Role.CASE_MANAGER], **fields,
    )  # fmt: skip
    core.enrollment_create(
        patient=patient, actor=tenant.admin.user, track=tenant.records["enrollment_id"].track,
        admission_date=clock.today(tenant.clinic) - datetime.timedelta(days=30),
    )  # fmt: skip
    return patient


def past_sessions(tenant: Tenant, patient: Patient, statuses: dict[int, str]) -> None:
    """3-hour sessions `days_ago → status` before dawn (clear of generated ones): held, or
    planned when `days_ago` is negative."""
    tz = clock.zone(tenant.clinic)
    today = clock.today(tenant.clinic)
    with clinic_context(tenant.clinic.pk):
        for days_ago, status in statuses.items():
            day = today - datetime.timedelta(days=days_ago)
            session = Session.objects.create(
                clinic=tenant.clinic, kind="group", day=day,
                status="held" if days_ago > 0 else "scheduled",
                starts_at=clock.at(tz, day, datetime.time(5)),
                ends_at=clock.at(tz, day, datetime.time(8)),
            )  # fmt: skip
            Attendance.objects.create(
                clinic=tenant.clinic, session=session, patient=patient, status=status,
                starts_at=session.starts_at, ends_at=session.ends_at,
                minutes_attended=180 if status == "present" else None,
            )  # fmt: skip


def phq9(tenant: Tenant, patient: Patient, days_ago: int, answers: list[int]) -> None:
    services.measure_submit(
        clinic=tenant.clinic, actor=tenant.admin.user, patient=patient, instrument="phq9",
        answers=answers,
        administered_on=clock.today(tenant.clinic) - datetime.timedelta(days=days_ago),
    )  # fmt: skip


def collected_test(tenant: Tenant, patient: Patient, results: list[dict[str, Any]]) -> None:
    test = services.drug_test_order(
        clinic=tenant.clinic, actor=tenant.admin.user, patient=patient,
        panel=tenant.records["panel_id"], ordered_for=clock.today(tenant.clinic),
    )  # fmt: skip
    services.drug_test_collect(
        test, actor=tenant.admin.user, collected_at=clock.now() - datetime.timedelta(hours=2),
        specimen_type="urine", observed=True, temperature=Decimal("36.5"), temperature_unit="C",
        creatinine=Decimal(90), specific_gravity=Decimal("1.018"), ph=Decimal(6),
    )  # fmt: skip
    services.drug_test_results_record(test, actor=tenant.admin.user, results=results)


def flags_of(tenant: Tenant, patient: Patient) -> set[str]:
    with clinic_context(tenant.clinic.pk):
        rows = selectors.caseload(clinic=tenant.clinic)
    row = next(r for r in rows if r.patient.pk == patient.pk)
    return {code for code, _tone, _words in row.flags}


def test_two_unexcused_misses_in_14_days(clinic_a: Tenant) -> None:
    two = enrolled(clinic_a, "Two")
    past_sessions(clinic_a, two, {2: "absent", 9: "absent", 10: "excused"})
    one = enrolled(clinic_a, "One")
    past_sessions(clinic_a, one, {2: "absent", 16: "absent", 3: "excused"})
    assert "missed" in flags_of(clinic_a, two)
    assert "missed" not in flags_of(clinic_a, one)  # the second miss is 16 days ago


def test_unexpected_positive_and_a_lab_negative_overriding_the_cup(clinic_a: Tenant) -> None:
    positive = enrolled(clinic_a, "Positive")
    collected_test(
        clinic_a, positive, [{"substance": "coc", "method": "presumptive", "outcome": "positive"}]
    )
    overturned = enrolled(clinic_a, "Overturned")
    collected_test(clinic_a, overturned, [
        {"substance": "coc", "method": "presumptive", "outcome": "positive"},
        {"substance": "coc", "method": "confirmed", "outcome": "negative"},
    ])  # fmt: skip
    prescribed = enrolled(clinic_a, "Prescribed")
    core.record_create(
        Medication, patient=prescribed,
        actor=clinic_a.admin.user, name="buprenorphine",
    )  # fmt: skip
    collected_test(
        clinic_a, prescribed, [{"substance": "bup", "method": "presumptive", "outcome": "positive"}]
    )
    assert "unexpected" in flags_of(clinic_a, positive)
    assert "unexpected" not in flags_of(clinic_a, overturned)
    assert "unexpected" not in flags_of(clinic_a, prescribed)


def test_phq9_up_five_points(clinic_a: Tenant) -> None:
    worse = enrolled(clinic_a, "Worse")
    phq9(clinic_a, worse, 14, [1, 1, 1, 1, 1, 1, 1, 1, 0])  # 8
    phq9(clinic_a, worse, 0, [2, 2, 2, 2, 1, 1, 1, 2, 0])  # 13
    almost = enrolled(clinic_a, "Almost")
    phq9(clinic_a, almost, 14, [1, 1, 1, 1, 1, 1, 1, 1, 0])  # 8
    phq9(clinic_a, almost, 0, [2, 2, 2, 1, 1, 1, 1, 2, 0])  # 12
    assert "phq9_up" in flags_of(clinic_a, worse)
    assert "phq9_up" not in flags_of(clinic_a, almost)


def test_item9_flag_stays_until_the_task_is_closed(clinic_a: Tenant) -> None:
    patient = enrolled(clinic_a, "Nine")
    phq9(clinic_a, patient, 0, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert "item9" in flags_of(clinic_a, patient)
    phq9(clinic_a, patient, 0, [0] * 9)  # a later PHQ-9 does not close the task
    assert "item9" in flags_of(clinic_a, patient)
    with clinic_context(clinic_a.clinic.pk):
        task = selectors.open_safety_tasks(clinic=clinic_a.clinic, patient_id=patient.pk)[0]
    services.safety_task_close(
        task,
        actor=clinic_a.admin.user,
        screen=Screen(wish_dead=False, suicidal_thoughts=False),
        plan="Seen the same day.",
    )
    assert "item9" not in flags_of(clinic_a, patient)


def own_sessions_only(tenant: Tenant, *patients: Patient) -> None:
    """Take the patients off the track's generated sessions, so their week is exactly the
    sessions a test gives them."""
    with clinic_context(tenant.clinic.pk):
        Attendance.objects.filter(
            clinic=tenant.clinic, patient__in=patients, session__track__isnull=False
        ).delete()


def row_of(tenant: Tenant, patient: Patient) -> selectors.CaseloadRow:
    with clinic_context(tenant.clinic.pk):
        rows = selectors.caseload(clinic=tenant.clinic)
    return next(r for r in rows if r.patient.pk == patient.pk)


# A Thursday: Monday to Wednesday are held, Friday's session is still to come.
@pytest.mark.instant("2026-12-10 18:00")
@pytest.mark.parametrize("clinic_zone", [DEFAULT_ZONE, *FAR_ZONES])
def test_under_the_weekly_minimum_is_this_weeks_and_names_the_week(clinic_a: Tenant) -> None:
    today = clock.today(clinic_a.clinic)
    assert today.weekday() == 3
    short = enrolled(clinic_a, "Short")  # 3 h held, 3 h to come: at most 6 of 9 h
    last_week_only = enrolled(clinic_a, "Lastweek")  # 3 h last week, on track this week
    own_sessions_only(clinic_a, short, last_week_only)
    past_sessions(clinic_a, short, {3: "present", 2: "absent", 1: "absent", -1: "expected"})
    past_sessions(
        clinic_a, last_week_only,
        {10: "present", 3: "present", 2: "present", 1: "present", -1: "expected"},
    )  # fmt: skip

    flagged = row_of(clinic_a, short)
    assert [w for c, _t, w in flagged.flags if c == "under_minimum"] == [
        "Short of the 9 h minimum this week: at most 6 h possible"
    ]
    # Last week ended 3 of 9 h: shown in its own column, not a flag for today.
    calm = row_of(clinic_a, last_week_only)
    assert calm.last_week_shortfall == "under"
    assert "under_minimum" not in {c for c, _t, _w in calm.flags}

    html = (
        clinic_a.client_for(Role.CASE_MANAGER)
        .get(f"/c/{clinic_a.clinic.slug}/caseload/")
        .content.decode()
    )
    assert 'Hours last week<br><span class="muted">Nov 30–Dec 6</span>' in html
    assert 'Hours this week<br><span class="muted">Dec 7–13</span>' in html
    assert "under the minimum" in html  # Lastweek's last-week cell


@pytest.mark.instant("2026-12-10 18:00")
def test_no_minimum_flag_in_a_first_partial_week(clinic_a: Tenant) -> None:
    today = clock.today(clinic_a.clinic)
    newcomer = factories.patient(
        clinic_a.clinic, actor=clinic_a.admin.user, legal_last_name="Newcomer",
        case_manager=clinic_a.members[Role.CASE_MANAGER],
    )  # fmt: skip
    core.enrollment_create(
        patient=newcomer, actor=clinic_a.admin.user,
        track=clinic_a.records["enrollment_id"].track,
        admission_date=today - datetime.timedelta(days=2),  # the Tuesday
    )  # fmt: skip
    own_sessions_only(clinic_a, newcomer)
    past_sessions(clinic_a, newcomer, {2: "absent", 1: "present", -1: "expected"})
    row = row_of(clinic_a, newcomer)
    assert row.this_week is not None
    assert row.this_week.at_risk  # 6 h reachable of 9
    assert row.this_week_first_partial
    assert row.flags == []
    html = (
        clinic_a.client_for(Role.CASE_MANAGER)
        .get(f"/c/{clinic_a.clinic.slug}/caseload/")
        .content.decode()
    )
    assert "first week, partial: admitted Tue Dec 8" in html
    _, secret = factories.api_token(clinic_a.members[Role.CASE_MANAGER])
    api = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/caseload/").json()
    mine = next(r for r in api["results"] if r["patient"] == newcomer.pk)
    assert (mine["first_partial_week"], mine["week_of"], mine["flags"]) == (
        True, "2026-12-07", []
    )  # fmt: skip


@pytest.mark.instant("2026-12-10 18:00")
def test_ranked_by_what_needs_action_today(clinic_a: Tenant) -> None:
    """Hours that a make-up can still save this week come before a PHQ-9 trend; a safety
    follow-up before everything else."""
    trend = enrolled(clinic_a, "Aatrend")
    phq9(clinic_a, trend, 14, [1, 1, 1, 1, 1, 1, 1, 1, 0])
    phq9(clinic_a, trend, 0, [2, 2, 2, 2, 1, 1, 1, 2, 0])
    short = enrolled(clinic_a, "Mmshort")
    safety = enrolled(clinic_a, "Zzsafety")
    phq9(clinic_a, safety, 0, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    own_sessions_only(clinic_a, trend, short, safety)
    past_sessions(clinic_a, short, {3: "absent", 1: "present", -1: "expected"})  # one miss
    with clinic_context(clinic_a.clinic.pk):
        rows = selectors.caseload(clinic=clinic_a.clinic)
    assert {c for c, _t, _w in next(r for r in rows if r.patient == short).flags} == {
        "under_minimum"
    }
    order = [r.patient.pk for r in rows if r.patient.pk in {trend.pk, short.pk, safety.pk}]
    assert order == [safety.pk, short.pk, trend.pk]


def test_sorted_by_risk_and_a_case_manager_sees_only_their_own(clinic_a: Tenant) -> None:
    calm = enrolled(clinic_a, "Calmwater")
    risky = enrolled(clinic_a, "Zed")
    phq9(clinic_a, risky, 0, [0, 0, 0, 0, 0, 0, 0, 0, 2])
    with clinic_context(clinic_a.clinic.pk):
        rows = selectors.caseload(
            clinic=clinic_a.clinic, case_manager_id=clinic_a.members[Role.CASE_MANAGER].pk
        )
    names = [row.patient.pk for row in rows]
    assert names.index(risky.pk) < names.index(calm.pk)
    assert clinic_a.patient.pk not in names  # no case manager: not on this caseload

    page = clinic_a.client_for(Role.CASE_MANAGER).get(f"/c/{clinic_a.clinic.slug}/caseload/")
    html = page.content.decode()
    assert "Zed" in html
    assert "Calmwater" in html
    assert "PHQ-9 item 9" in html
    assert clinic_a.patient.legal_last_name not in html
    # The chart above the rows: how many of the case manager's patients carry each flag.
    assert ">Patients with each risk flag</title>" in html
    counts = dict(page.context["c"].rows)
    assert counts["PHQ-9 item 9: safety follow-up"] == "1"
    assert counts["Unexpected positive"] == "0"
    assert "of 2 patients have a risk flag; PHQ-9 item 9: safety follow-up: 1" in html
    flagged = (
        clinic_a.client_for(Role.ADMIN)
        .get(f"/c/{clinic_a.clinic.slug}/caseload/", {"flag": "item9"})
        .content.decode()
    )
    assert "Zed" in flagged
    assert "Calmwater" not in flagged


def _busy_patients(tenant: Tenant, count: int) -> None:
    """`count` patients with a bit of everything: an enrollment, measures, a collected test
    with a positive, attendance in the window."""
    track = tenant.records["enrollment_id"].track
    today = clock.today(tenant.clinic)
    patients = [enrolled(tenant, f"Busy{n:03d}") for n in range(count)]
    with clinic_context(tenant.clinic.pk):
        Measure.objects.bulk_create(
            Measure(clinic=tenant.clinic, patient=p, instrument=instrument, answers=[1] * n,
                    administered_on=today - datetime.timedelta(days=days), total=total,
                    band="Mild", recorded_by=tenant.admin.user)
            for p in patients
            for instrument, n, total in (("phq9", 9, 9), ("gad7", 7, 7))
            for days in (0, 14)
        )  # fmt: skip
        tests = DrugTest.objects.bulk_create(
            DrugTest(clinic=tenant.clinic, patient=p, panel=tenant.records["panel_id"],
                     reason="scheduled", ordered_for=today, ordered_by=tenant.admin.user,
                     collected_at=clock.now(), specimen_type="urine", validity="normal")
            for p in patients
        )  # fmt: skip
        SubstanceResult.objects.bulk_create(
            SubstanceResult(clinic=tenant.clinic, test=t, substance="thc", method="presumptive",
                            outcome="positive", expected=False, recorded_by=tenant.admin.user)
            for t in tests
        )  # fmt: skip
    assert track is not None


@pytest.mark.parametrize("patients", [5, 80])
def test_caseload_query_budget(clinic_a: Tenant, patients: int) -> None:
    _busy_patients(clinic_a, patients)
    client = clinic_a.client_for(Role.CASE_MANAGER)
    client.get(f"/c/{clinic_a.clinic.slug}/")  # session settled
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/c/{clinic_a.clinic.slug}/caseload/")
    assert page.status_code == 200
    assert page.content.decode().count('<th scope="row">') == patients
    assert len(queries) == CASELOAD_QUERIES, [q["sql"][:90] for q in queries]


def test_caseload_api_reads_the_same_rows(clinic_a: Tenant) -> None:
    risky = enrolled(clinic_a, "Api")
    phq9(clinic_a, risky, 0, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    _, secret = factories.api_token(clinic_a.members[Role.CASE_MANAGER])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    page = client.get("/api/v1/caseload/", {"flag": "item9"}).json()
    assert page["count"] == len(page["results"])
    rows = page["results"]
    mine = next(row for row in rows if row["patient"] == risky.pk)
    assert "item9" in mine["flags"]
    assert all("item9" in row["flags"] for row in rows)  # the filter keeps only those
    assert client.get("/api/v1/caseload/", {"flag": "nonsense"}).status_code == 400


def test_progress_page_draws_accessible_charts(clinic_a: Tenant) -> None:
    patient = enrolled(clinic_a, "Charted")
    phq9(clinic_a, patient, 14, [2, 2, 2, 2, 2, 1, 1, 1, 0])
    phq9(clinic_a, patient, 0, [1, 1, 1, 1, 1, 0, 0, 0, 0])
    services.daily_rating_record(
        clinic=clinic_a.clinic, actor=clinic_a.admin.user, patient=patient,
        rated_on=clock.today(clinic_a.clinic), mood=6, stress=4, cravings=3, sleep=7,
    )  # fmt: skip
    collected_test(
        clinic_a, patient, [{"substance": "thc", "method": "presumptive", "outcome": "negative"}]
    )
    page = clinic_a.client_for(Role.THERAPIST).get(
        f"/c/{clinic_a.clinic.slug}/patients/{patient.pk}/progress/"
    )
    html = page.content.decode()
    ratings = ("Mood", "Stress", "Cravings", "Sleep")
    for title in ("PHQ-9 over time", "GAD-7 over time", "Weekly hours against the minimum",
                  "Attendance by week", "Drug and alcohol tests",
                  *(f"{name} (daily rating)" for name in ratings)):  # fmt: skip
        assert f">{title}</title>" in html
    # Small multiples: one chart per rating, each with its own line and latest value.
    assert html.count("<svg") == 9
    assert html.count("<desc") == 9
    assert "Latest cravings: 3 of 10" in html
    # The axis spans the data: admitted 30 days ago, so the charts start on that week's
    # Monday, not 12 weeks back.
    today = clock.today(clinic_a.clinic)
    admitted = clock.week_start(today - datetime.timedelta(days=30))
    weeks = (clock.week_start(today) - admitted).days // 7 + 1
    assert page.context["progress"].first == admitted
    hours = next(c for c in page.context["figures"] if c.slug == "hours")
    assert len(hours.rows) == weeks < 12
    twelve_back = clock.week_start(today) - datetime.timedelta(weeks=11)
    phq = next(c for c in page.context["figures"] if c.slug == "phq9")
    assert f"{twelve_back:%b} {twelve_back.day}" not in [label for _x, label in phq.x_ticks]
    assert f"the last {weeks} weeks" in html
    assert "Latest PHQ-9: 5 (mild)" in html
    assert "down 8 since the one before" in html
    assert "Data table: phq-9 over time" in html
    assert "Moderately severe 15–19" in html  # the bands are drawn and named
    from django.test import Client

    _, secret = factories.api_token(clinic_a.members[Role.THERAPIST])
    token = Client(headers={"Authorization": f"Bearer {secret}"})
    api = token.get(f"/api/v1/patients/{patient.pk}/progress").json()
    assert [p["value"] for p in api["phq9"]] == [13, 5]
