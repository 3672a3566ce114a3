"""A safety follow-up that reaches a person: PHQ-9 item 9 above 0 tells the patient's therapist
and case manager (in the app and by an email with no patient details), sits first on their
Today page until it is closed with the C-SSRS Screener and a plan, and goes to the clinical
lead once the clinic's day has ended without it being closed.

Sources: the C-SSRS Screener, Screen Version – Since Last Contact, and its triage levels (The
Columbia Lighthouse Project, cssrs.columbia.edu, 2021; progress/cssrs.py); PHQ-9 item 9 needs
a same-day follow-up (DOMAIN.md, measurement-based care)."""

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop import services as core
from iop.models import AuditEvent, Membership, Notification, NotificationKind, Patient
from iop.roles import Role
from iop.tenancy import clinic_context
from progress import services, tasks
from progress.cssrs import RiskLevel, Screen
from progress.models import SafetyTask
from tests import factories
from tests.conftest import DEFAULT_ZONE, FAR_ZONES, Tenant, wait_until

NO, YES = False, True


# --- The screener's triage, hand-worked at every boundary -----------------------------------
@pytest.mark.parametrize(
    ("screen", "risk"),
    [
        (Screen(wish_dead=NO, suicidal_thoughts=NO), RiskLevel.NONE),
        (Screen(wish_dead=YES, suicidal_thoughts=NO), RiskLevel.LOW),
        # Q2 yes opens Q3–5; all three no: still low.
        (Screen(wish_dead=NO, suicidal_thoughts=YES, method=NO, intent=NO, specific_plan=NO),
         RiskLevel.LOW),
        (Screen(wish_dead=YES, suicidal_thoughts=YES, method=YES, intent=NO, specific_plan=NO),
         RiskLevel.MODERATE),
        (Screen(wish_dead=YES, suicidal_thoughts=YES, method=NO, intent=YES, specific_plan=NO),
         RiskLevel.HIGH),
        (Screen(wish_dead=YES, suicidal_thoughts=YES, method=NO, intent=NO, specific_plan=YES),
         RiskLevel.HIGH),
        # Behaviour ever, but not in the past 3 months: moderate, even with no ideation.
        (Screen(wish_dead=NO, suicidal_thoughts=NO, behavior=YES, behavior_recent=NO),
         RiskLevel.MODERATE),
        (Screen(wish_dead=YES, suicidal_thoughts=NO, behavior=YES, behavior_recent=NO),
         RiskLevel.MODERATE),
        # Behaviour within the past 3 months: high whatever the ideation.
        (Screen(wish_dead=NO, suicidal_thoughts=NO, behavior=YES, behavior_recent=YES),
         RiskLevel.HIGH),
        (Screen(wish_dead=YES, suicidal_thoughts=YES, method=YES, intent=NO, specific_plan=NO,
                behavior=YES, behavior_recent=YES), RiskLevel.HIGH),
    ],
)  # fmt: skip
def test_the_screener_triage_gives_the_published_risk_level(screen: Screen, risk: str) -> None:
    assert screen.risk == risk


@pytest.mark.parametrize(
    ("screen", "field"),
    [
        (Screen(wish_dead=NO, suicidal_thoughts=NO, method=YES), "method"),
        (Screen(wish_dead=NO, suicidal_thoughts=NO, intent=NO), "intent"),
        (Screen(wish_dead=NO, suicidal_thoughts=NO, specific_plan=YES), "specific_plan"),
        (Screen(wish_dead=NO, suicidal_thoughts=YES, method=NO, intent=NO), "specific_plan"),
        (Screen(wish_dead=NO, suicidal_thoughts=NO, behavior=YES), "behavior_recent"),
        (Screen(wish_dead=NO, suicidal_thoughts=NO, behavior=NO, behavior_recent=NO),
         "behavior_recent"),
    ],
)  # fmt: skip
def test_answers_the_skip_pattern_does_not_allow_are_refused_by_field(
    screen: Screen, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        screen.check()
    assert field in refused.value.message_dict


# --- Who is told -----------------------------------------------------------------------------
def care_team_patient(tenant: Tenant, **team: Membership | None) -> Patient:
    patient = factories.patient(tenant.clinic, actor=tenant.admin.user, legal_last_name="Zed")
    with clinic_context(tenant.clinic.pk):
        core.patient_update(patient=patient, actor=tenant.admin.user, **team)
    return patient


def item9(tenant: Tenant, patient: Patient, answer: int = 1) -> SafetyTask:
    with clinic_context(tenant.clinic.pk):
        measure = services.measure_submit(
            clinic=tenant.clinic, actor=tenant.members[Role.NURSE].user, patient=patient,
            instrument="phq9", answers=[1, 1, 0, 0, 0, 0, 0, 0, answer],
            administered_on=clock.today(tenant.clinic),
        )  # fmt: skip
        return SafetyTask.objects.get(measure=measure)


def told(tenant: Tenant, task: SafetyTask, kind: str = NotificationKind.SAFETY_TASK) -> set[int]:
    with clinic_context(tenant.clinic.pk):
        return set(
            Notification.objects.filter(
                clinic=tenant.clinic, kind=kind, target_type="progress.safetytask",
                target_id=task.pk,
            ).values_list("recipient_id", flat=True)
        )  # fmt: skip


def test_item9_tells_the_therapist_and_the_case_manager(clinic_a: Tenant) -> None:
    therapist, manager = clinic_a.members[Role.THERAPIST], clinic_a.members[Role.CASE_MANAGER]
    patient = care_team_patient(clinic_a, primary_therapist=therapist, case_manager=manager)
    task = item9(clinic_a, patient)
    assert told(clinic_a, task) == {therapist.pk, manager.pk}
    with clinic_context(clinic_a.clinic.pk):
        note = Notification.objects.get(recipient=therapist, target_id=task.pk)
        assert AuditEvent.objects.filter(
            clinic=clinic_a.clinic, object_type="iop.notification", object_id=str(note.pk)
        ).exists()
    assert note.url == (
        f"/c/{clinic_a.clinic.slug}/patients/{patient.pk}/safety-tasks/{task.pk}/close/"
    )
    assert "Zed" in note.message  # in the app, signed in: the patient is named


def test_without_a_care_team_the_clinical_leads_are_told(clinic_a: Tenant) -> None:
    second_lead = factories.member(clinic_a.clinic, Role.ADMIN)
    task = item9(clinic_a, care_team_patient(clinic_a))
    assert told(clinic_a, task) == {clinic_a.admin.pk, second_lead.pk}
    # An inactive care team counts as none.
    gone = factories.member(clinic_a.clinic, Role.THERAPIST)
    patient = care_team_patient(clinic_a, primary_therapist=gone)
    gone.is_active = False
    with clinic_context(clinic_a.clinic.pk):
        gone.save()
    assert told(clinic_a, item9(clinic_a, patient)) == {clinic_a.admin.pk, second_lead.pk}


def test_item9_zero_tells_nobody(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    patient = care_team_patient(clinic_a, primary_therapist=therapist)
    with clinic_context(clinic_a.clinic.pk):
        before = Notification.objects.filter(clinic=clinic_a.clinic).count()
        services.measure_submit(
            clinic=clinic_a.clinic, actor=clinic_a.admin.user, patient=patient, instrument="phq9",
            answers=[3, 3, 3, 3, 3, 3, 3, 3, 0], administered_on=clock.today(clinic_a.clinic),
        )  # fmt: skip
        assert Notification.objects.filter(clinic=clinic_a.clinic).count() == before


@pytest.mark.django_db(transaction=True)
def test_the_email_goes_through_the_worker_and_names_no_patient(
    clinic_a: Tenant, celery_worker: object
) -> None:
    therapist, manager = clinic_a.members[Role.THERAPIST], clinic_a.members[Role.CASE_MANAGER]
    patient = care_team_patient(clinic_a, primary_therapist=therapist, case_manager=manager)
    mail.outbox.clear()
    item9(clinic_a, patient, answer=2)
    assert wait_until(lambda: len(mail.outbox) == 2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [therapist.user.email, manager.user.email]
    )
    for message in mail.outbox:
        text = message.subject + message.body
        assert f"A safety follow-up needs your attention at {clinic_a.clinic.name}." in text
        assert "/safety-tasks/" in message.body  # the link, signed in to follow
        for detail in ("Zed", patient.legal_first_name, patient.record_number, "PHQ", "item 9"):
            assert detail not in text


# --- Today: first, until closed -------------------------------------------------------------
def today_html(tenant: Tenant, role: str, client: Client | None = None) -> str:
    client = client or tenant.client_for(role)
    return client.get(f"/c/{tenant.clinic.slug}/").content.decode()


def test_the_open_task_is_first_on_the_therapists_and_case_managers_today(
    clinic_a: Tenant,
) -> None:
    therapist, manager = clinic_a.members[Role.THERAPIST], clinic_a.members[Role.CASE_MANAGER]
    patient = care_team_patient(clinic_a, primary_therapist=therapist, case_manager=manager)
    task = item9(clinic_a, patient)
    for role in (Role.THERAPIST, Role.CASE_MANAGER):
        html = today_html(clinic_a, role)
        main = html[html.index('<main id="main"') :]
        # Above the page's own heading ("Your day"), whatever else their first screen shows.
        assert main.index(f'id="safety-task-{task.pk}"') < main.index("<h1>")
        assert patient.record_number in main
    # Another therapist, the front desk and the nurse do not get it.
    other = factories.member(clinic_a.clinic, Role.THERAPIST)
    client = Client()
    client.force_login(other.user)
    assert f"safety-task-{task.pk}" not in today_html(clinic_a, Role.THERAPIST, client)
    for role in (Role.FRONT_DESK, Role.NURSE):
        assert "safety-today" not in today_html(clinic_a, role)

    services.safety_task_close(
        task, actor=therapist.user, screen=Screen(wish_dead=YES, suicidal_thoughts=NO),
        plan="Spoke with the patient; safety plan reviewed.",
    )  # fmt: skip
    assert f"safety-task-{task.pk}" not in today_html(clinic_a, Role.THERAPIST)


# The therapist's first screen ("Your day") with open safety tasks, pinned and flat in
# patients: 4 of the framework, their sessions, their notes to sign, the safety panel. The
# header's unread count comes from Redis, no query.
HOME_QUERIES = 10


@pytest.mark.instant("2026-12-02 10:30")
@pytest.mark.parametrize("patients", [2, 25])
def test_the_therapists_today_query_budget_is_flat_in_patients(
    clinic_a: Tenant, patients: int
) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    for _ in range(patients):
        item9(clinic_a, care_team_patient(clinic_a, primary_therapist=therapist))
    client = clinic_a.client_for(Role.THERAPIST)
    client.get(f"/c/{clinic_a.clinic.slug}/")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/c/{clinic_a.clinic.slug}/").content.decode()
    assert html.count('id="safety-task-') == patients + 1  # and the fixture's patient's
    assert len(queries) == HOME_QUERIES, "\n".join(q["sql"][:150] for q in queries)


# --- Closing with the screen: page and API --------------------------------------------------
def close_page(tenant: Tenant, task: SafetyTask) -> str:
    return f"/c/{tenant.clinic.slug}/patients/{task.patient_id}/safety-tasks/{task.pk}/close/"


def test_the_page_refuses_inconsistent_answers_beside_the_question(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    task = item9(clinic_a, care_team_patient(clinic_a, primary_therapist=therapist))
    client = clinic_a.client_for(Role.THERAPIST)
    page = client.get(close_page(clinic_a, task)).content.decode()
    assert "C-SSRS Screener" in page
    assert "wished they were dead" in page
    response = client.post(
        close_page(clinic_a, task),
        {"wish_dead": "yes", "suicidal_thoughts": "no", "method": "yes", "behavior": "no",
         "plan": "Called."},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Asked only when question 2 is yes" in html
    assert "Called.</textarea>" in html  # nothing typed is lost
    with clinic_context(clinic_a.clinic.pk):
        task.refresh_from_db()
    assert task.is_open


def test_the_page_closes_with_the_screen_and_its_risk_level(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    task = item9(clinic_a, care_team_patient(clinic_a, primary_therapist=therapist))
    response = clinic_a.client_for(Role.THERAPIST).post(
        close_page(clinic_a, task),
        {"wish_dead": "yes", "suicidal_thoughts": "yes", "method": "yes", "intent": "no",
         "specific_plan": "no", "behavior": "yes", "behavior_recent": "no",
         "plan": "Safety plan written with the patient; seen again tomorrow."},
    )  # fmt: skip
    assert response.status_code == 302
    with clinic_context(clinic_a.clinic.pk):
        task.refresh_from_db()
        audit = AuditEvent.objects.filter(
            clinic=clinic_a.clinic, object_type="progress.safetytask", object_id=str(task.pk),
            action="change",
        ).first()  # fmt: skip
    assert not task.is_open
    assert task.risk_level == RiskLevel.MODERATE
    assert (task.screen_method, task.screen_intent, task.screen_behavior_recent) == (YES, NO, NO)
    assert task.closing_note.startswith("Safety plan written")
    assert audit is not None
    assert "risk_level" in audit.changed_fields
    progress = clinic_a.client_for(Role.THERAPIST).get(
        f"/c/{clinic_a.clinic.slug}/patients/{task.patient_id}/progress/"
    )
    assert "C-SSRS screen: Moderate risk" in progress.content.decode()
    # The closer's own notification of the task is read now.
    with clinic_context(clinic_a.clinic.pk):
        assert Notification.objects.get(recipient=therapist, target_id=task.pk).read_at


def test_the_api_closes_with_the_screen_and_refuses_inconsistent_answers(
    clinic_a: Tenant,
) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    task = item9(clinic_a, care_team_patient(clinic_a, primary_therapist=therapist))
    _, secret = factories.api_token(therapist)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    url = f"/api/v1/safety-tasks/{task.pk}/close"
    bad = api.post(
        url, {"wish_dead": True, "suicidal_thoughts": False, "intent": True, "behavior": False,
              "plan": "Called."}, content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 400, bad.content
    assert "intent" in str(bad.json())
    good = api.post(
        url, {"wish_dead": True, "suicidal_thoughts": True, "method": False, "intent": False,
              "specific_plan": True, "behavior": False, "plan": "Emergency evaluation today."},
        content_type="application/json",
    )  # fmt: skip
    assert good.status_code == 200, good.content
    body: dict[str, Any] = good.json()
    assert (body["risk_level"], body["screen_specific_plan"], body["closing_note"]) == (
        "high", True, "Emergency evaluation today.",
    )  # fmt: skip


# --- Escalation at the end of the clinic's day ----------------------------------------------
@pytest.mark.parametrize("clinic_zone", [DEFAULT_ZONE, *FAR_ZONES])
@pytest.mark.instant("2026-12-02 22:00")
def test_escalation_waits_for_the_clinics_midnight_and_happens_once(
    clinic_a: Tenant, clinic_zone: str
) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    task = item9(clinic_a, care_team_patient(clinic_a, primary_therapist=therapist))
    assert task.due_on == datetime.date(2026, 12, 2)
    zone = clock.zone(clinic_a.clinic)
    with time_machine.travel(datetime.datetime(2026, 12, 2, 23, 59, 59, tzinfo=zone), tick=False):
        assert services.safety_tasks_escalate(clinic=clinic_a.clinic) == 0
    with time_machine.travel(datetime.datetime(2026, 12, 3, 0, 0, 0, tzinfo=zone), tick=False):
        escalated = services.safety_tasks_escalate(clinic=clinic_a.clinic)
        assert escalated == 2  # this one and the fixture's patient's, both from Dec 2
        assert services.safety_tasks_escalate(clinic=clinic_a.clinic) == 0
    assert told(clinic_a, task, NotificationKind.SAFETY_ESCALATION) == {clinic_a.admin.pk}
    # The lead now sees it on Today, marked escalated.
    html = today_html(clinic_a, Role.ADMIN)
    assert f'id="safety-task-{task.pk}"' in html
    assert "Escalated" in html


@pytest.mark.instant("2026-12-02 22:00")
def test_without_an_active_lead_nothing_is_claimed_until_there_is_one(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    task = item9(clinic_a, care_team_patient(clinic_a, primary_therapist=therapist))
    clinic_a.admin.is_active = False
    with clinic_context(clinic_a.clinic.pk):
        clinic_a.admin.save()
    zone = clock.zone(clinic_a.clinic)
    with time_machine.travel(datetime.datetime(2026, 12, 3, 1, 0, tzinfo=zone), tick=False):
        assert services.safety_tasks_escalate(clinic=clinic_a.clinic) == 0
        with clinic_context(clinic_a.clinic.pk):
            task.refresh_from_db()
        assert task.escalated_at is None
        lead = factories.member(clinic_a.clinic, Role.ADMIN)
        assert services.safety_tasks_escalate(clinic=clinic_a.clinic) == 2
    assert told(clinic_a, task, NotificationKind.SAFETY_ESCALATION) == {lead.pk}


@pytest.mark.instant("2026-12-02 22:00")
def test_a_task_closed_before_midnight_is_not_escalated(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    task = item9(clinic_a, care_team_patient(clinic_a, primary_therapist=therapist))
    services.safety_task_close(
        task, actor=therapist.user, screen=Screen(wish_dead=NO, suicidal_thoughts=NO),
        plan="Seen.",
    )  # fmt: skip
    zone = clock.zone(clinic_a.clinic)
    with time_machine.travel(datetime.datetime(2026, 12, 3, 8, 0, tzinfo=zone), tick=False):
        services.safety_tasks_escalate(clinic=clinic_a.clinic)
    assert told(clinic_a, task, NotificationKind.SAFETY_ESCALATION) == set()


@pytest.mark.django_db(transaction=True)
def test_the_beat_job_escalates_through_the_worker_once(
    clinic_a: Tenant, clinic_b: Tenant, celery_worker: object
) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    task = item9(clinic_a, care_team_patient(clinic_a, primary_therapist=therapist))
    with clinic_context(clinic_a.clinic.pk):
        # Opened on a clinic-day that has ended (yesterday on the clinic's wall clock).
        SafetyTask.objects.filter(pk=task.pk).update(
            due_on=clock.today(clinic_a.clinic) - datetime.timedelta(days=1)
        )
    tasks.escalate_safety_tasks_everywhere.delay()

    def escalated() -> bool:
        return bool(told(clinic_a, task, NotificationKind.SAFETY_ESCALATION))

    assert wait_until(escalated)
    # Once claimed, a second sweep (or a concurrent worker) sends nothing more.
    assert services.safety_tasks_escalate(clinic=clinic_a.clinic) == 0
    with clinic_context(clinic_a.clinic.pk):
        sent = Notification.objects.filter(
            clinic=clinic_a.clinic, kind=NotificationKind.SAFETY_ESCALATION, target_id=task.pk
        ).count()
        task.refresh_from_db()
    assert sent == 1
    assert task.escalated_at is not None


def test_a_pending_invitee_on_the_care_team_counts_as_none(clinic_a: Tenant) -> None:
    """Someone whose invitation is not yet accepted cannot sign in to see the task: the
    clinical leads are told instead, and the care team cannot be set to them."""
    pending = factories.member(clinic_a.clinic, Role.THERAPIST)
    patient = care_team_patient(clinic_a, primary_therapist=pending)
    with clinic_context(clinic_a.clinic.pk):
        Membership.objects.filter(pk=pending.pk).update(accepted_at=None)
        pending = Membership.objects.get(pk=pending.pk)
        patient = Patient.objects.get(pk=patient.pk)  # as a page reads it: the team afresh
    assert told(clinic_a, item9(clinic_a, patient)) == {clinic_a.admin.pk}
    other = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user)
    with clinic_context(clinic_a.clinic.pk), pytest.raises(ValidationError, match="active member"):
        core.patient_update(patient=other, actor=clinic_a.admin.user, primary_therapist=pending)
