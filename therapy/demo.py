"""Demo individual therapy for `seed_demo`: every therapist's weekly hours and a team meeting,
individual sessions booked by the scheduler for the two past weeks, this week and next week,
those already over held with signed DAP notes (a draft left to sign, an addendum), and a
treatment plan per patient in active care (one reviewed into a second version, one overdue).
Times are wall-clock times in the clinic's zone; nothing later than now is marked or signed."""

import datetime
import random

from iop import clock
from iop.models import Clinic, Diagnosis, Enrollment, Membership
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling.models import Attendance, Session
from scheduling.services import attendance_mark

from . import scheduler, services
from .models import Intervention, Objective, TreatmentPlan

_DAY = (datetime.time(8), datetime.time(18))
# Monday to Friday, per therapist in the order they joined: the team's therapist works late
# on Wednesdays, when they lead the family groups (17:00 and 18:30 to 20:00); the others
# keep a plain day.
HOURS = [
    [_DAY, _DAY, (datetime.time(10), datetime.time(20)), _DAY, _DAY],
    [(datetime.time(9), datetime.time(17))] * 5,
]
PROBLEMS = [
    ("Daily drinking to manage stress after work", "Stay sober one day at a time",
     "Use one coping skill at each craving, 5 of 7 days", "CBT"),
    ("Panic attacks on the bus and at work", "Travel to work without leaving early",
     "Ride the bus 4 days a week using paced breathing", "DBT"),
    ("Conflict at home after relapse", "Rebuild trust with family",
     "One honest check-in with spouse each evening", "Motivational"),
    ("Opioid cravings when alone in the evening", "Keep evenings safe",
     "Attend an evening meeting or call a sponsor 4 nights a week", "Relapse"),
]  # fmt: skip
NOTES = [
    ("Reported {n} cravings this week; used urge surfing twice. Attended all groups.",
     "Engaged and motivated; insight into triggers improving. No safety concerns.",
     "Practice the thought record daily; review it next session."),
    ("Described an argument at home on Sunday; left the room and called a sponsor.",
     "Applying distress-tolerance skills; mood brighter than last week.",
     "Role-play the family conversation next week; keep the mood log."),
]  # fmt: skip


def seed_therapy(clinic: Clinic, rng: random.Random) -> None:
    therapists = list(Membership.objects.filter(clinic=clinic, role=Role.THERAPIST).order_by("id"))
    therapist = therapists[0]  # the team's therapist: the patients' primary therapist
    actor = therapist.user
    today = clock.today(clinic)
    monday = clock.week_start(today)
    services.therapy_settings_get(clinic=clinic)
    meeting = clock.at(clinic, monday + datetime.timedelta(days=9), datetime.time(12))
    for n, member in enumerate(therapists):
        for weekday, (starts, ends) in enumerate(HOURS[min(n, len(HOURS) - 1)]):
            services.availability_add(
                clinic=clinic, actor=actor, therapist=member, weekday=weekday,
                starts_at=starts, ends_at=ends,
            )  # fmt: skip
        services.availability_block_add(
            clinic=clinic, actor=actor, therapist=member, starts_at=meeting,
            ends_at=meeting + datetime.timedelta(hours=1), reason="Clinical team meeting",
        )  # fmt: skip
    _plans(clinic, therapist, rng, today)
    # Two weeks of history and this week, booked as if the scheduler ran the Sunday before
    # each week began (so this week's first days are there, whatever day it is now).
    booked: list[Session] = []
    for weeks_back in (2, 1, 0):
        start = monday - datetime.timedelta(weeks=weeks_back)
        booked += scheduler.week_book(
            clinic=clinic, actor=actor, week_start=start,
            now=clock.at(clinic, start - datetime.timedelta(days=1), datetime.time(18)),
        ).sessions  # fmt: skip
    _held(clinic, therapist, booked, rng)
    scheduler.week_book(clinic=clinic, actor=actor, week_start=monday + datetime.timedelta(weeks=1))


def _plans(clinic: Clinic, therapist: Membership, rng: random.Random, today: datetime.date) -> None:
    actor = therapist.user
    with clinic_context(clinic.pk):
        interventions = {i.name.split()[0]: i for i in Intervention.objects.filter(clinic=clinic)}
        enrollments = list(
            Enrollment.objects.filter(clinic=clinic, status="active").select_related("patient")
        )
    for n, enrollment in enumerate(enrollments):
        plan = services.treatment_plan_create(enrollment=enrollment, author=therapist)
        with clinic_context(clinic.pk):
            diagnosis = Diagnosis.objects.filter(
                clinic=clinic, patient_id=enrollment.patient_id, is_active=True
            ).first()
        for k in range(1 + n % 2):
            problem, goal, objective, method = PROBLEMS[(n + k) % len(PROBLEMS)]
            p = services.plan_problem_add(
                plan, actor=actor, description=problem, diagnosis=diagnosis if k == 0 else None
            )
            g = services.plan_goal_add(plan, actor=actor, problem=p, description=goal)
            o = services.plan_objective_add(
                plan, actor=actor, goal=g, description=objective,
                target_date=today + datetime.timedelta(days=rng.randint(14, 45)),
            )  # fmt: skip
            services.plan_intervention_add(
                plan, actor=actor, objective=o, intervention=interventions[method],
                frequency="weekly individual session",
            )  # fmt: skip
        services.treatment_plan_acknowledge(plan, actor=actor, name=enrollment.patient.legal_name)
        # Signed with the patient at intake, as plans are: the days since admission bill.
        with clinic_context(clinic.pk):
            TreatmentPlan.objects.filter(pk=plan.pk).update(
                acknowledged_at=clock.at(
                    clock.zone(clinic), enrollment.admission_date, datetime.time(12)
                )
            )
        if n == 0:
            services.treatment_plan_review(plan, actor=actor)
        elif n == 1:
            with clinic_context(clinic.pk):
                TreatmentPlan.objects.filter(pk=plan.pk).update(
                    review_due=today - datetime.timedelta(days=2)
                )


def _held(
    clinic: Clinic, therapist: Membership, sessions: list[Session], rng: random.Random
) -> None:
    """Mark each session that is over held and write its note: signed, but for one draft."""
    now = clock.now()
    over = [s for s in sessions if s.ends_at <= now]
    for n, session in enumerate(over):
        with clinic_context(clinic.pk):
            row = Attendance.objects.select_related("session").get(session=session)
            objectives = list(
                Objective.objects.filter(
                    clinic=clinic, plan__patient_id=row.patient_id, plan__superseded_at__isnull=True
                )[:1]
            )
        attendance_mark(row, actor=therapist.user, status="present")
        data, assessment, plan = NOTES[n % len(NOTES)]
        with clinic_context(clinic.pk):
            modality = rng.choice(list(Intervention.objects.filter(clinic=clinic)))
        note = services.progress_note_save(
            session=session, author=therapist, objectives=objectives, modality=modality,
            texts={"data": data.format(n=rng.randint(1, 4)), "assessment": assessment,
                   "plan": plan},
        )  # fmt: skip
        if n == len(over) - 1:
            continue  # one left to sign: the unsigned-notes list has work on it
        note = services.progress_note_sign(note, signer=therapist)
        if n == 0:
            services.note_addendum_add(
                note, actor=therapist.user, text="Late entry: patient called on Friday, stable."
            )
