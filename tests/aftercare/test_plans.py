"""Aftercare plans: the workflow, a signed version that stays final (service, API and the
database itself), revising into a new version, the pages, and alumni follow-up calls."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from aftercare import services
from aftercare.models import AftercarePlan, FollowUp, SupportContact
from iop import clock
from iop import services as core
from iop.models import AuditEvent, Enrollment, Medication
from iop.roles import Role
from iop.services import DomainError, TransitionRefusedError
from iop.tenancy import clinic_context
from tests import factories
from tests.aftercare.factories import FULL_LISTS, FULL_PLAN, draft_plan, signed_plan
from tests.conftest import Tenant


def case_manager(tenant: Tenant) -> Any:
    return tenant.members[Role.CASE_MANAGER].user


def new_enrollment(
    tenant: Tenant, *, phone: str = "", admitted: datetime.date | None = None, **patient_fields: Any
) -> Enrollment:
    """A second patient with an open enrollment and no plan yet."""
    admin = tenant.admin.user
    patient = factories.patient(tenant.clinic, actor=admin, phone=phone, **patient_fields)
    track = tenant.records["enrollment_id"].track
    return core.enrollment_create(
        patient=patient,
        actor=admin,
        track=track,
        admission_date=admitted or clock.today(tenant.clinic) - datetime.timedelta(days=30),
    )


def api(tenant: Tenant, role: str) -> Client:
    _, secret = factories.api_token(tenant.members[role])
    return Client(headers={"Authorization": f"Bearer {secret}"})


# --- Workflow -----------------------------------------------------------------------------------


def test_a_new_plan_is_prefilled_from_the_chart(clinic_a: Tenant) -> None:
    enrollment = new_enrollment(
        clinic_a,
        phone="555-0123",
        emergency_contact_name="Lee Doe",
        emergency_contact_relationship="Brother",
        emergency_contact_phone="555-0456",
    )
    patient, admin = enrollment.patient, clinic_a.admin.user
    for name, stopped in [("buprenorphine", None), ("sertraline", None), ("old-med", True)]:
        core.record_create(
            Medication,
            patient=patient,
            actor=admin,
            name=name,
            dose="8 mg",
            started_on=datetime.date(2024, 1, 1),
            stopped_on=datetime.date(2024, 2, 1) if stopped else None,
        )
    plan = services.aftercare_plan_create(enrollment=enrollment, actor=case_manager(clinic_a))
    with clinic_context(clinic_a.clinic.pk):
        assert [m.name for m in plan.medications.all()] == ["buprenorphine", "sertraline"]
        assert [(c.name, c.phone) for c in plan.contacts.all()] == [("Lee Doe", "555-0456")]
    assert plan.follow_up_phone == "555-0123"
    assert (plan.version, plan.status) == (1, "draft")


def test_the_workflow_follows_its_table(clinic_a: Tenant) -> None:
    cm = case_manager(clinic_a)
    plan = draft_plan(new_enrollment(clinic_a), actor=cm)
    with pytest.raises(TransitionRefusedError, match="Allowed: in_review"):
        services.aftercare_plan_transition(plan, actor=cm, status="signed", patient_ack_name="x")
    services.aftercare_plan_transition(plan, actor=cm, status="in_review")
    with pytest.raises(DomainError, match="in review"):
        services.aftercare_plan_update(plan, actor=cm, triggers="changed in review")
    services.aftercare_plan_transition(plan, actor=cm, status="draft")
    services.aftercare_plan_update(plan, actor=cm, triggers="changed in draft")
    services.aftercare_plan_transition(plan, actor=cm, status="in_review")
    signed = services.aftercare_plan_transition(
        plan, actor=cm, status="signed", patient_ack_name="  pat   DOE "
    )
    assert signed.status == "signed"
    assert signed.signed_by == cm
    assert signed.patient_ack_name == "pat   DOE"
    assert signed.signed_at is not None
    assert signed.patient_ack_at is not None
    with pytest.raises(TransitionRefusedError, match="final"):
        services.aftercare_plan_transition(plan, actor=cm, status="draft")


def test_signing_needs_a_clinician_the_essentials_and_the_patients_own_name(
    clinic_a: Tenant,
) -> None:
    cm = case_manager(clinic_a)
    enrollment = new_enrollment(clinic_a)
    plan = services.aftercare_plan_create(enrollment=enrollment, actor=cm)
    services.aftercare_plan_transition(plan, actor=cm, status="in_review")
    with pytest.raises(DomainError, match="therapist or case manager"):
        services.aftercare_plan_transition(
            plan, actor=clinic_a.admin.user, status="signed", patient_ack_name="Pat Doe"
        )
    with pytest.raises(ValidationError) as refused:
        services.aftercare_plan_transition(
            plan, actor=cm, status="signed", patient_ack_name="Someone Else"
        )
    problems = refused.value.message_dict
    assert set(problems) == {
        "step_down_level", "triggers", "warning_signs", "coping_strategies", "contacts",
        "patient_ack_name",
    }  # fmt: skip
    assert "does not match" in problems["patient_ack_name"][0]
    with clinic_context(clinic_a.clinic.pk):
        plan.refresh_from_db()
    assert plan.status == "in_review"


def test_a_signed_version_is_final_in_the_service_the_api_and_the_database(
    clinic_a: Tenant,
) -> None:
    plan = clinic_a.records["aftercare_plan_id"]
    cm = case_manager(clinic_a)
    with pytest.raises(DomainError, match="signed and final"):
        services.aftercare_plan_update(plan, actor=cm, triggers="rewritten")

    response = api(clinic_a, Role.CASE_MANAGER).patch(
        f"/api/v1/aftercare-plans/{plan.pk}/",
        {"triggers": "rewritten"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "revise" in response.json()["error"]["message"]

    with clinic_context(clinic_a.clinic.pk):
        # Straight to the table, around the service: the trigger refuses.
        for change in (
            lambda: AftercarePlan.objects.filter(pk=plan.pk).update(triggers="rewritten"),
            lambda: AftercarePlan.objects.filter(pk=plan.pk).update(status="draft"),
            lambda: connection.cursor().execute(
                "DELETE FROM aftercare_aftercareplan WHERE id = %s", [plan.pk]
            ),
            lambda: SupportContact.objects.filter(plan=plan).update(phone="555-9999"),
            lambda: SupportContact.objects.create(
                clinic=clinic_a.clinic, plan=plan, name="Added later", phone="1"
            ),
        ):
            with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
                change()
        stored = AftercarePlan.objects.get(pk=plan.pk)
        assert (stored.triggers, stored.status) == (FULL_PLAN["triggers"], "signed")
        assert [c.phone for c in SupportContact.objects.filter(plan=plan)] == ["555-0111"]

        # The same raw update on a draft goes through: the trigger is about signed versions.
        draft = draft_plan(new_enrollment(clinic_a), actor=cm)
        assert AftercarePlan.objects.filter(pk=draft.pk).update(triggers="raw edit") == 1


def test_revise_copies_the_signed_version_into_a_new_draft(clinic_a: Tenant) -> None:
    v1 = clinic_a.records["aftercare_plan_id"]
    cm = case_manager(clinic_a)
    v2 = services.aftercare_plan_revise(v1, actor=cm)
    assert (v2.version, v2.status, v2.revised_from_id) == (2, "draft", v1.pk)
    with clinic_context(clinic_a.clinic.pk):
        for name in services.PLAN_FIELDS:
            assert getattr(v2, name) == getattr(v1, name), name
        for name, (_model, fields) in services.PLAN_LISTS.items():
            rows = [[getattr(r, f) for f in fields] for r in getattr(v2, name).all()]
            assert rows == [[row[f] for f in fields] for row in FULL_LISTS[name]], name
    with pytest.raises(DomainError, match="already being edited"):
        services.aftercare_plan_revise(v1, actor=cm)
    services.aftercare_plan_update(v2, actor=cm, triggers="New job stress", lists={"contacts": []})
    with clinic_context(clinic_a.clinic.pk):
        v1.refresh_from_db()
    assert v1.triggers == FULL_PLAN["triggers"]  # the signed version stays as it was
    with clinic_context(clinic_a.clinic.pk):
        assert v1.contacts.count() == 1

    page = clinic_a.client_for(Role.AUDITOR).get(f"/c/{clinic_a.clinic.slug}/aftercare/{v2.pk}/")
    html = page.content.decode()
    assert "Version history" in html
    assert f'href="/c/{clinic_a.clinic.slug}/aftercare/{v1.pk}/"' in html


def test_the_api_walks_a_plan_from_create_to_revise(clinic_a: Tenant) -> None:
    enrollment = new_enrollment(clinic_a)
    client = api(clinic_a, Role.THERAPIST)
    body = {"enrollment": enrollment.pk, **FULL_PLAN, **FULL_LISTS}
    body["support_groups"] = [
        {**g, "meeting_time": g["meeting_time"].isoformat()} for g in FULL_LISTS["support_groups"]
    ]
    body["appointments"] = [
        {**a, "starts_at": a["starts_at"].isoformat()} for a in FULL_LISTS["appointments"]
    ]
    created = client.post("/api/v1/aftercare-plans/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    plan = created.json()
    assert plan["status"] == "draft"
    assert plan["allowed_moves"] == ["in_review"]
    assert [g["name"] for g in plan["support_groups"]] == ["Sunrise Serenity", "Northside SMART"]
    url = f"/api/v1/aftercare-plans/{plan['id']}"

    patched = client.patch(
        f"{url}/", {"sober_living": "Staying with my sister"}, content_type="application/json"
    )
    assert patched.json()["sober_living"] == "Staying with my sister"
    moved = client.post(f"{url}/transition", {"status": "signed"}, content_type="application/json")
    assert moved.status_code == 409
    assert moved.json()["error"]["allowed"] == ["in_review"]
    client.post(f"{url}/transition", {"status": "in_review"}, content_type="application/json")
    unsigned = client.post(
        f"{url}/transition", {"status": "signed"}, content_type="application/json"
    )
    assert unsigned.status_code == 400
    assert "patient_ack_name" in unsigned.json()["error"]["fields"]
    signed = client.post(
        f"{url}/transition",
        {"status": "signed", "patient_ack_name": enrollment.patient.legal_name},
        content_type="application/json",
    )
    assert signed.json()["status"] == "signed"
    revised = client.post(f"{url}/revise")
    assert revised.status_code == 201
    assert revised.json()["version"] == 2

    listed = client.get("/api/v1/aftercare-plans/", {"enrollment": enrollment.pk}).json()
    assert [(p["version"], p["status"]) for p in listed["results"]] == [(1, "signed"), (2, "draft")]
    assert client.get("/api/v1/aftercare-plans/", {"patient": "x"}).status_code == 400


# --- Pages --------------------------------------------------------------------------------------


def test_the_chart_shows_aftercare_to_clinical_readers_only(clinic_a: Tenant) -> None:
    url = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/"
    plan = clinic_a.records["aftercare_plan_id"]
    for role in Role.values:
        html = clinic_a.client_for(role).get(url).content.decode()
        readable = role in (Role.ADMIN, Role.THERAPIST, Role.CASE_MANAGER, Role.AUDITOR)
        assert ('id="aftercare"' in html) == readable, role
        assert (f"/aftercare/{plan.pk}/" in html) == readable, role


def test_the_editor_saves_sections_and_rows_and_keeps_input_on_errors(clinic_a: Tenant) -> None:
    plan = services.aftercare_plan_create(
        enrollment=new_enrollment(clinic_a), actor=case_manager(clinic_a)
    )
    client = clinic_a.client_for(Role.CASE_MANAGER)
    url = f"/c/{clinic_a.clinic.slug}/aftercare/{plan.pk}/edit/"
    assert client.get(url).status_code == 200
    form: dict[str, Any] = dict.fromkeys(services.PLAN_FIELDS, "")
    form |= {"step_down_level": "asam_1", "triggers": "Paydays", "follow_up_consent": "on"}
    for name in services.PLAN_LISTS:
        form |= {f"{name}-TOTAL_FORMS": "1", f"{name}-INITIAL_FORMS": "0"}
    form |= {"contacts-0-name": "Robin", "contacts-0-relationship": "Sponsor"}  # no phone
    group = {"name": "Sunrise", "kind": "aa", "meeting_day": "2", "meeting_time": "19:30"}
    form |= {f"support_groups-0-{k}": v for k, v in group.items()}
    refused = client.post(url, form)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "There is a problem" in html
    assert "People to call" in html
    assert "This field is required." in html
    assert 'value="Robin"' in html
    assert "Paydays" in html

    form["contacts-0-phone"] = "555-0111"
    saved = client.post(url, form)
    assert saved.status_code == 302
    with clinic_context(clinic_a.clinic.pk):
        plan.refresh_from_db()
        assert plan.triggers == "Paydays"
        assert [(g.name, g.meeting_day, g.meeting_time) for g in plan.support_groups.all()] == [
            ("Sunrise", 2, datetime.time(19, 30))
        ]
        assert [c.phone for c in plan.contacts.all()] == ["555-0111"]


def test_the_sign_form_names_the_problem_and_the_signed_plan_cannot_be_edited(
    clinic_a: Tenant,
) -> None:
    cm = case_manager(clinic_a)
    plan = draft_plan(new_enrollment(clinic_a), actor=cm)
    services.aftercare_plan_transition(plan, actor=cm, status="in_review")
    client = clinic_a.client_for(Role.THERAPIST)
    base = f"/c/{clinic_a.clinic.slug}/aftercare/{plan.pk}"
    wrong = client.post(f"{base}/transition/", {"status": "signed", "patient_ack_name": "Bob"})
    assert wrong.status_code == 200
    assert "does not match the patient" in wrong.content.decode()
    signed = client.post(f"{base}/transition/", {"status": "signed", "patient_ack_name": "Pat Doe"})
    assert signed.status_code == 302
    edit = client.get(f"{base}/edit/")
    assert edit.status_code == 302
    assert edit["Location"] == f"{base}/"
    page = client.get(f"{base}/").content.decode()
    assert "Revise (new version 2)" in page
    assert "Generate PDF" in page


# --- Follow-ups ---------------------------------------------------------------------------------


def test_leaving_the_program_schedules_follow_up_calls(clinic_a: Tenant) -> None:
    enrollment = new_enrollment(clinic_a, admitted=datetime.date(2025, 11, 3))
    patient = enrollment.patient
    core.patient_update(
        patient=patient, actor=clinic_a.admin.user, case_manager=clinic_a.members["case_manager"]
    )
    left = datetime.date(2026, 1, 31)
    core.enrollment_transition(
        enrollment, actor=clinic_a.admin.user, status="discharged",
        discharge_type="completed", on=left,
    )  # fmt: skip
    with clinic_context(clinic_a.clinic.pk):
        calls = list(FollowUp.objects.filter(enrollment=enrollment).order_by("months_after"))
        assert [(c.months_after, c.due_on) for c in calls] == [
            (1, datetime.date(2026, 2, 28)),
            (3, datetime.date(2026, 4, 30)),
            (6, datetime.date(2026, 7, 31)),
            (12, datetime.date(2027, 1, 31)),
        ]
        assert {c.assigned_to for c in calls} == {clinic_a.members["case_manager"]}
        assert {c.status for c in calls} == {"due"}
    services.follow_ups_schedule(enrollment=enrollment, actor=None)  # again: no duplicates
    with clinic_context(clinic_a.clinic.pk):
        assert FollowUp.objects.filter(enrollment=enrollment).count() == 4


def test_no_calls_when_the_signed_plan_says_the_patient_declined(clinic_a: Tenant) -> None:
    enrollment = new_enrollment(clinic_a)
    signed_plan(enrollment, actor=case_manager(clinic_a), follow_up_consent=False)
    core.enrollment_transition(enrollment, actor=clinic_a.admin.user, status="stepped_down")
    with clinic_context(clinic_a.clinic.pk):
        assert not FollowUp.objects.filter(enrollment=enrollment).exists()


def test_the_follow_up_queue_puts_due_calls_first_and_records_outcomes(
    clinic_a: Tenant, django_assert_max_num_queries: Any
) -> None:
    cm = clinic_a.members[Role.CASE_MANAGER]
    client = clinic_a.client_for(Role.CASE_MANAGER)
    url = f"/c/{clinic_a.clinic.slug}/follow-ups/"
    first = clinic_a.records["follow_up_id"]
    with clinic_context(clinic_a.clinic.pk):
        FollowUp.objects.filter(clinic=clinic_a.clinic).update(assigned_to=cm)
    recorded = client.post(
        f"{url}{first.pk}/", {"status": "unreachable", "outcome_note": "Voicemail left"}
    )
    assert recorded.status_code == 302
    with clinic_context(clinic_a.clinic.pk):
        events = AuditEvent.objects.filter(object_type="aftercare.followup", action="change")
        assert events.exists()
    blank = client.post(f"{url}{first.pk}/", {"status": "done", "outcome_note": ""})
    assert "Write what happened" in blank.content.decode() or "required" in blank.content.decode()

    with django_assert_max_num_queries(12) as few:
        html = client.get(url, {"who": "mine", "show": "all"}).content.decode()
    assert html.index("3 months") < html.index("Voicemail left")  # due ones before recorded
    assert "Unreachable" in html
    for _ in range(3):
        services.follow_ups_schedule(enrollment=new_enrollment_left(clinic_a), actor=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, {"who": "all", "show": "all"})
    mine_only = client.get(url).content.decode()
    assert "Unassigned" not in mine_only
    assert "Unassigned" in client.get(url, {"who": "all"}).content.decode()


def new_enrollment_left(tenant: Tenant) -> Enrollment:
    enrollment = new_enrollment(tenant)
    core.enrollment_transition(enrollment, actor=tenant.admin.user, status="completed")
    return enrollment


def test_the_follow_up_api_lists_and_records(clinic_a: Tenant) -> None:
    client = api(clinic_a, Role.CASE_MANAGER)
    listed = client.get("/api/v1/follow-ups/", {"status": "due"}).json()
    assert [f["months_after"] for f in listed["results"]] == [1, 3, 6, 12]
    first = listed["results"][0]["id"]
    done = client.patch(
        f"/api/v1/follow-ups/{first}/",
        {"status": "done", "outcome_note": "90 days sober, goes to SMART weekly"},
        content_type="application/json",
    )
    assert done.json()["status"] == "done"
    refused = client.patch(
        f"/api/v1/follow-ups/{first}/",
        {"status": "due", "outcome_note": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 400


def test_a_call_is_due_only_within_the_clinics_window(clinic_a: Tenant) -> None:
    """Calls at 1, 3, 6 and 12 months after leaving: the next two weeks' call is due, a call a
    year away is upcoming, not due — on the page, in its count and in the API."""
    cm = clinic_a.members[Role.CASE_MANAGER]
    today = clock.today(clinic_a.clinic)
    with clinic_context(clinic_a.clinic.pk):
        FollowUp.objects.filter(clinic=clinic_a.clinic).delete()
    services.follow_ups_schedule(enrollment=new_enrollment_left(clinic_a), actor=None)
    with clinic_context(clinic_a.clinic.pk):
        calls = list(FollowUp.objects.filter(clinic=clinic_a.clinic).order_by("due_on"))
        # The one-month call is ten days out; the later ones months away.
        FollowUp.objects.filter(pk=calls[0].pk).update(
            due_on=today + datetime.timedelta(days=10), assigned_to=cm
        )
        FollowUp.objects.filter(pk__in=[c.pk for c in calls[1:]]).update(assigned_to=cm)
    year = next(c for c in calls if c.months_after == 12)
    assert (year.due_on - today).days > 300

    html = (
        clinic_a.client_for(Role.CASE_MANAGER)
        .get(f"/c/{clinic_a.clinic.slug}/follow-ups/")
        .content.decode()
    )
    assert "4 calls · 1 due now" in html
    assert html.count('<span class="tag tag--info">Due</span>') == 1
    assert html.count('<span class="tag tag--muted">Upcoming</span>') == 3

    listed = api(clinic_a, Role.CASE_MANAGER).get("/api/v1/follow-ups/").json()["results"]
    assert {f["months_after"]: f["due_now"] for f in listed} == {
        1: True, 3: False, 6: False, 12: False
    }  # fmt: skip
