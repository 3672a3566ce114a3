"""One of each therapy record for a test tenant, through the real services: the patient's
care team, a therapist's weekly hours and a block, a treatment plan with its tree, a past
individual session with a draft note (a draft goes with its session, so the calendar's
tests may still clear the calendar). Keyed by the id names the URLs and sweeps use."""

import datetime
from typing import Any

from iop import clock
from iop import services as core
from iop.models import Membership, Patient
from iop.tenancy import clinic_context
from scheduling.models import Attendance
from scheduling.services import attendance_add, attendance_mark, session_create
from therapy import services
from therapy.models import Intervention, Objective


def individual_session(
    patient: Patient, *, lead: Membership, day: datetime.date, hour: int, minute: int = 0
) -> Any:
    """An individual session with the patient on its list (50 minutes)."""
    start = clock.at(patient.clinic, day, datetime.time(hour, minute))
    session = session_create(
        clinic=patient.clinic, actor=lead.user, kind="individual", day=day, starts_at=start,
        ends_at=start + datetime.timedelta(minutes=50), lead=lead,
    )  # fmt: skip
    attendance_add(session=session, patient=patient, actor=lead.user)
    return session


def weekly_hours(
    therapist: Membership, *, days: range = range(5), hours: tuple[int, int] = (8, 18)
) -> None:
    for weekday in days:
        services.availability_add(
            clinic=therapist.clinic, actor=therapist.user, therapist=therapist, weekday=weekday,
            starts_at=datetime.time(hours[0]), ends_at=datetime.time(hours[1]),
        )  # fmt: skip


def plan_with_tree(enrollment: Any, *, author: Any, diagnosis: Any = None) -> Any:
    plan = services.treatment_plan_create(enrollment=enrollment, author=author)
    actor = author.user
    problem = services.plan_problem_add(
        plan, actor=actor, description="Drinking daily to cope with stress", diagnosis=diagnosis
    )
    goal = services.plan_goal_add(plan, actor=actor, problem=problem, description="Stay sober")
    objective = services.plan_objective_add(
        plan, actor=actor, goal=goal, description="One coping skill per craving, 5 of 7 days",
        target_date=clock.today(plan.clinic) + datetime.timedelta(days=28),
    )  # fmt: skip
    with clinic_context(plan.clinic_id):
        cbt = Intervention.objects.get(clinic_id=plan.clinic_id, name__startswith="CBT")
    services.plan_intervention_add(
        plan, actor=actor, objective=objective, intervention=cbt, frequency="weekly"
    )
    return plan


def therapy_records(
    patient: Patient, *, members: dict[str, Membership], records: dict[str, Any]
) -> dict[str, Any]:
    from iop.roles import Role

    therapist, case_manager = members[Role.THERAPIST], members[Role.CASE_MANAGER]
    admin = members[Role.ADMIN].user
    clinic = patient.clinic
    with clinic_context(clinic.pk):
        core.patient_update(patient=patient, actor=admin, primary_therapist=therapist)
    # The case manager joins the treating team as the therapist's clinical supervisor (the
    # patient's own case-manager field stays empty: the caseload tests rely on it).
    services.therapist_profile_set(
        membership=therapist, actor=admin, needs_cosign=False, supervisor=case_manager
    )
    weekly_hours(therapist)
    now = clock.now()
    block = services.availability_block_add(
        clinic=clinic, actor=therapist.user, therapist=therapist,
        starts_at=now + datetime.timedelta(days=30), ends_at=now + datetime.timedelta(days=31),
        reason="Training",
    )  # fmt: skip
    plan = plan_with_tree(
        records["enrollment_id"], author=therapist, diagnosis=records["diagnosis_id"]
    )
    today = clock.today(patient.clinic)
    # Last week's Saturday: past, and outside this week's hours the roster tests count.
    last_saturday = today - datetime.timedelta(days=today.weekday() + 2)
    past = individual_session(patient, lead=therapist, day=last_saturday, hour=17)
    with clinic_context(clinic.pk):
        row = Attendance.objects.get(session=past)
    row.session = past
    attendance_mark(row, actor=therapist.user, status="present")
    with clinic_context(clinic.pk):
        objectives = list(Objective.objects.filter(plan=plan))
    note = services.progress_note_save(
        session=past, author=therapist, objectives=objectives,
        texts={"data": "Reported two cravings.", "assessment": "Engaged.", "plan": "Urge surfing."},
    )  # fmt: skip
    availability = services.availability_add(
        clinic=clinic, actor=therapist.user, therapist=therapist, weekday=5,
        starts_at=datetime.time(9), ends_at=datetime.time(12),
    )  # fmt: skip
    return {
        "treatment_plan_id": plan,
        "note_id": note,
        "therapy_session_id": past,
        "availability_id": availability,
        "block_id": block,
    }


TRACK_SHAPES = [  # name, weekdays, hours
    ("Morning", [0, 1, 3], (9, 12)),
    ("Afternoon", [0, 2, 4], (13, 16)),
    ("Evening", [1, 2, 3], (18, 21)),
]


def caseload_clinic(
    clinic: Any, *, actor: Any, therapists: int, patients: int, hours: tuple[int, int] = (8, 18)
) -> tuple[list[Membership], list[Patient]]:
    """A clinic with three tracks (with sessions generated), `therapists` therapists working
    Monday to Friday and `patients` active patients spread over tracks and therapists —
    bulk-created, so large numbers are quick."""
    from iop.models import Enrollment
    from iop.roles import Role
    from scheduling.services import sessions_generate
    from tests import factories
    from therapy.models import Availability

    today = clock.today(clinic)
    tracks = [
        factories.track(
            clinic,
            actor=actor,
            name=f"{name} IOP",
            weekdays=days,
            capacity=500,
            hours=(datetime.time(start), datetime.time(end)),
        )
        for name, days, (start, end) in TRACK_SHAPES
    ]
    staff = [factories.member(clinic, Role.THERAPIST) for _ in range(therapists)]
    services.therapy_settings_get(clinic=clinic)
    with clinic_context(clinic.pk):
        Availability.objects.bulk_create(
            Availability(
                clinic=clinic, therapist=t, weekday=day, starts_at=datetime.time(hours[0]),
                ends_at=datetime.time(hours[1]),
            )
            for t in staff
            for day in range(5)
        )  # fmt: skip
        people = Patient.objects.bulk_create(
            Patient(
                clinic=clinic, record_number=f"T{n:05d}", legal_first_name="Case",
                legal_last_name=f"P{n:05d}", date_of_birth=datetime.date(1985, 1, 1),
                primary_therapist=staff[n % therapists],
            )
            for n in range(patients)
        )  # fmt: skip
        Enrollment.objects.bulk_create(
            Enrollment(
                clinic=clinic, patient=p, track=tracks[n % len(tracks)], status="active",
                admission_date=today - datetime.timedelta(weeks=2),
                planned_end_date=today + datetime.timedelta(weeks=8),
            )
            for n, p in enumerate(people)
        )  # fmt: skip
    sessions_generate(clinic=clinic)
    return staff, people
