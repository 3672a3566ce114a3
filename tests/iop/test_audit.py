"""The audit trail: every chart read and every change, field names only, a page to filter
it, a CSV export that is itself audited."""

import csv
import io

from iop.models import AuditEvent, Clinic
from iop.roles import Role
from iop.tenancy import clinic_context
from tests.conftest import Tenant


def trail(clinic: Clinic, **filters: object) -> list[AuditEvent]:
    with clinic_context(clinic.pk):
        return list(AuditEvent.objects.filter(clinic=clinic, **filters).order_by("id"))


def test_a_chart_read_writes_a_view_event(clinic_a: Tenant) -> None:
    nurse = clinic_a.members[Role.NURSE].user
    before = len(trail(clinic_a.clinic, action="view"))
    response = clinic_a.client_for(Role.NURSE).get(
        f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/",
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_REQUEST_ID="req-12345678",
    )
    assert response.status_code == 200
    views = trail(clinic_a.clinic, action="view")
    assert len(views) == before + 1
    event = views[-1]
    assert event.actor == nurse
    assert event.patient_id == clinic_a.patient.pk
    assert (event.object_type, event.object_id) == ("iop.patient", str(clinic_a.patient.pk))
    assert event.ip == "10.1.2.3"
    assert event.request_id == "req-12345678"
    assert response["X-Request-ID"] == "req-12345678"


def test_an_api_read_of_a_patient_is_audited_too(clinic_a: Tenant) -> None:
    from django.test import Client

    client = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"})
    assert client.get(f"/api/v1/patients/{clinic_a.patient.pk}/").status_code == 200
    assert trail(clinic_a.clinic, action="view", patient_id=clinic_a.patient.pk)


def test_a_change_records_field_names_never_values(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.FRONT_DESK)
    url = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/edit/"
    response = client.post(
        url,
        {
            "record_number": clinic_a.patient.record_number,
            "legal_first_name": "Pat",
            "legal_last_name": "Patient-alpha",
            "preferred_name": "Sunny",
            "pronouns": "they/them",
            "date_of_birth": "1990-05-17",
            "language": "English",
            # The care team's selects post their current values, as a browser does.
            "primary_therapist": clinic_a.patient.primary_therapist_id or "",
            "case_manager": clinic_a.patient.case_manager_id or "",
            "reminders": clinic_a.patient.reminders,
        },
    )
    assert response.status_code == 302
    change = trail(clinic_a.clinic, action="change", patient_id=clinic_a.patient.pk)[-1]
    assert change.changed_fields == ["preferred_name", "pronouns"]
    assert "Sunny" not in repr(change.__dict__)


def test_failed_save_writes_no_event_and_keeps_the_input(clinic_a: Tenant) -> None:
    client = clinic_a.client_for()
    before = len(trail(clinic_a.clinic))
    response = client.post(
        f"/c/{clinic_a.clinic.slug}/patients/new/",
        {
            "record_number": clinic_a.patient.record_number,
            "legal_first_name": "Robin",
            "legal_last_name": "Typed-In",
            "date_of_birth": "1985-02-03",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Another patient already has this record number." in html
    assert 'value="Typed-In"' in html
    assert len(trail(clinic_a.clinic)) == before


def test_audit_page_filters_by_patient_staff_action_and_date(clinic_a: Tenant) -> None:
    nurse = clinic_a.members[Role.NURSE]
    clinic_a.client_for(Role.NURSE).get(
        f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/"
    )
    client = clinic_a.client_for(Role.ADMIN)
    url = f"/c/{clinic_a.clinic.slug}/audit/"
    page = client.get(
        url,
        {
            "patient": clinic_a.patient.record_number,
            "actor": nurse.pk,
            "action": "view",
            "date_from": "2020-01-01",
        },
    )
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 1
    assert nurse.user.display_name in page.content.decode()
    # A period with nothing in it.
    empty = client.get(url, {"date_from": "2020-01-01", "date_to": "2020-01-31"})
    assert empty.context["page"].paginator.count == 0
    # Bad input is a field error, not a crash.
    bad = client.get(
        url, {"patient": "NO-SUCH", "date_from": "2024-05-02", "date_to": "2024-05-01"}
    )
    html = bad.content.decode()
    assert "No patient has record number NO-SUCH." in html
    assert "The end date must be on or after the start date." in html


def test_csv_export_matches_the_filters_and_is_itself_audited(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.AUDITOR)
    client.get(f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/")
    response = client.get(f"/c/{clinic_a.clinic.slug}/audit/export.csv", {"action": "view"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows
    assert {row["action"] for row in rows} == {"view"}
    assert rows[0]["patient id"] == str(clinic_a.patient.pk)
    assert trail(clinic_a.clinic, action="export", actor=clinic_a.members[Role.AUDITOR].user)


def test_another_clinics_events_never_appear(clinic_a: Tenant, clinic_b: Tenant) -> None:
    response = clinic_a.client_for().get(f"/c/{clinic_a.clinic.slug}/audit/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows
    assert str(clinic_b.patient.pk) not in {row["patient id"] for row in rows}
    emails_b = {m.user.email for m in clinic_b.members.values()}
    assert not {row["staff email"] for row in rows} & emails_b
