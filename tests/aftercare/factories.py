"""Aftercare test data, built through the real services."""

import datetime
from typing import Any

from aftercare import services
from aftercare.models import AftercarePlan
from iop import clock
from iop.models import Enrollment, User

FULL_PLAN: dict[str, Any] = {
    "step_down_level": "asam_1",
    "step_down_provider": "Lakeside Counseling",
    "step_down_provider_phone": "555-0142",
    "continued_therapy": "Weekly CBT with Dr. Imani Hale",
    "sober_living": "Oak Street Recovery Residence",
    "vocational_goals": "Return to the warehouse job full time",
    "education_goals": "Finish the forklift certificate",
    "triggers": "Payday Fridays near the old bar",
    "warning_signs": "Skipping breakfast and isolating",
    "coping_strategies": "Call my sponsor before deciding anything",
    "alumni_enrolled": True,
    "alumni_details": "Thursdays 6 PM, Main campus",
    "local_crisis_resources": "County Mobile Crisis 555-0199",
    "follow_up_phone": "555-0100",
}
NEXT_WEEK = clock.now().replace(microsecond=0) + datetime.timedelta(days=9)
FULL_LISTS: dict[str, list[dict[str, Any]]] = {
    "support_groups": [
        {"name": "Sunrise Serenity", "kind": "aa", "meeting_day": 1,
         "meeting_time": datetime.time(7, 30), "location": "St. Mark's Hall"},
        {"name": "Northside SMART", "kind": "smart", "meeting_day": 3,
         "meeting_time": datetime.time(18), "location": "Library Room B"},
    ],
    "contacts": [{"name": "Robin Sponsor", "relationship": "Sponsor", "phone": "555-0111"}],
    "medications": [{"name": "naltrexone", "dose": "50 mg", "frequency": "daily",
                     "prescriber": "Dr. Quinn"}],
    "appointments": [{"with_whom": "Dr. Imani Hale",
                      "starts_at": NEXT_WEEK,
                      "location": "Lakeside Counseling, Suite 4"}],
}  # fmt: skip


def draft_plan(enrollment: Enrollment, *, actor: User, **fields: Any) -> AftercarePlan:
    plan = services.aftercare_plan_create(enrollment=enrollment, actor=actor)
    return services.aftercare_plan_update(
        plan, actor=actor, lists=FULL_LISTS, **{**FULL_PLAN, **fields}
    )


def signed_plan(enrollment: Enrollment, *, actor: User, **fields: Any) -> AftercarePlan:
    plan = draft_plan(enrollment, actor=actor, **fields)
    services.aftercare_plan_transition(plan, actor=actor, status="in_review")
    return services.aftercare_plan_transition(
        plan, actor=actor, status="signed", patient_ack_name=enrollment.patient.legal_name
    )


def aftercare_records(enrollment: Enrollment, *, actor: User) -> dict[str, Any]:
    """One of each aftercare object, keyed by the id names its URLs use."""
    plan = signed_plan(enrollment, actor=actor)
    pdf, _ = services.aftercare_pdf_request(plan, actor=actor)
    follow_ups = services.follow_ups_schedule(enrollment=enrollment, actor=actor)
    return {"aftercare_plan_id": plan, "aftercare_pdf_id": pdf, "follow_up_id": follow_ups[0]}
