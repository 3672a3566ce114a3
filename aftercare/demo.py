"""Demo aftercare plans for `seed_demo`: drafts, one in review, signed ones (one revised),
and a recorded follow-up call. PDFs are not made here: the worker makes them on request.
The booked step-down appointments are on a weekday, at a wall-clock time in the clinic's zone."""

import datetime
import random

from iop import clock
from iop.models import Clinic, Enrollment, Membership, User
from iop.roles import Role

from . import services
from .models import AftercarePlan, FollowUp

PLAN = {
    "step_down_level": "asam_1",
    "step_down_provider": "Lakeside Counseling",
    "step_down_provider_phone": "(555) 014-2200",
    "continued_therapy": "Weekly individual CBT, Tuesdays, with the same counselor for 3 months.",
    "sober_living": "Oak Street Recovery Residence (house meeting Sundays 7 PM).",
    "vocational_goals": "Back to full-time work at the warehouse within 4 weeks.",
    "education_goals": "Finish the forklift certificate this spring.",
    "triggers": "Payday Fridays; driving past the old bar on 5th Street; arguments at home.",
    "warning_signs": "Skipping meals, staying up late, not answering my sponsor's calls.",
    "coping_strategies": "Call my sponsor before deciding anything; a meeting the same day; "
    "the breathing exercise from group; leave the situation and text my sister.",
    "alumni_enrolled": True,
    "alumni_details": "Alumni group Thursdays 6 PM, Main campus.",
    "local_crisis_resources": "County Mobile Crisis Team (555) 019-9000, 24/7.\n"
    "St. Luke's Emergency, 200 Hospital Drive.",
}
GROUPS = [
    {"name": "Sunrise Serenity", "kind": "aa", "meeting_day": 1,
     "meeting_time": datetime.time(7, 30), "location": "St. Mark's Hall, 12 Elm St"},
    {"name": "Northside SMART Recovery", "kind": "smart", "meeting_day": 3,
     "meeting_time": datetime.time(18), "location": "Public library, room B"},
]  # fmt: skip


def _contacts(enrollment: Enrollment) -> list[dict[str, str]]:
    patient = enrollment.patient
    rows = [{"name": "Robin (sponsor)", "relationship": "Sponsor", "phone": "(555) 013-4411"}]
    if patient.emergency_contact_name:
        rows.append(
            {"name": patient.emergency_contact_name,
             "relationship": patient.emergency_contact_relationship,
             "phone": patient.emergency_contact_phone}
        )  # fmt: skip
    return rows


def seed_aftercare(clinic: Clinic, rng: random.Random) -> None:
    """Runs inside the clinic's context (seed_demo's)."""
    signer = Membership.objects.get(clinic=clinic, role=Role.CASE_MANAGER).user
    ended = Enrollment.objects.filter(clinic=clinic, status__in=["completed", "stepped_down"])
    active = Enrollment.objects.filter(clinic=clinic, status="active").order_by("planned_end_date")
    for n, enrollment in enumerate(ended.select_related("patient")):
        plan = _filled(clinic, enrollment, signer, rng)
        services.aftercare_plan_transition(plan, actor=signer, status="in_review")
        services.aftercare_plan_transition(
            plan, actor=signer, status="signed", patient_ack_name=enrollment.patient.legal_name
        )
        if n == 0:
            draft = services.aftercare_plan_revise(plan, actor=signer)
            services.aftercare_plan_update(
                draft, actor=signer, sober_living="Moved home; weekly check-ins with the sponsor."
            )
    for n, enrollment in enumerate(active.select_related("patient")[:2]):
        plan = _filled(clinic, enrollment, signer, rng)
        if n == 1:
            services.aftercare_plan_transition(plan, actor=signer, status="in_review")
    call = FollowUp.objects.filter(clinic=clinic, status="due").order_by("due_on").first()
    if call is not None and call.due_on <= clock.today(clinic):
        services.follow_up_record(
            call, actor=signer, status="done",
            outcome_note="Sober since discharge; goes to SMART weekly; asked about alumni group.",
        )  # fmt: skip


def _filled(
    clinic: Clinic, enrollment: Enrollment, actor: User, rng: random.Random
) -> AftercarePlan:
    plan = services.aftercare_plan_create(enrollment=enrollment, actor=actor)
    first_visit = (enrollment.ended_on or enrollment.planned_end_date) + datetime.timedelta(days=5)
    while first_visit.weekday() >= 5:  # the provider's intake sees people Monday to Friday
        first_visit += datetime.timedelta(days=1)
    appointment = clock.at(clinic, first_visit, datetime.time(rng.choice([9, 10, 14, 16])))
    return services.aftercare_plan_update(
        plan, actor=actor,
        step_down_starts_on=first_visit,
        lists={
            "support_groups": GROUPS[: rng.randint(1, 2)],
            "contacts": _contacts(enrollment),
            "appointments": [{"with_whom": "Lakeside Counseling intake", "starts_at": appointment,
                              "location": "Lakeside Counseling, 40 River Rd, Suite 4"}],
        },
        **PLAN,
    )  # fmt: skip
