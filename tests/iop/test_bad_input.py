"""Bad input gets a clear error and breaks nothing (issue: hardening). Each case once answered
500 or stored a value that made the clinic's pages answer 500 for everyone afterwards: a year
9999 appointment (year 10000 in UTC, which Python cannot read back), year 1, NUL bytes,
a JSON body thousands of levels deep, a formula in a spreadsheet cell."""

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from iop import clock
from iop.bounds import CONTROL, NUL, OUT_OF_RANGE
from iop.models import Inquiry, User
from iop.rls import BoundDates, date_bound_name
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling import services as calendar
from scheduling.models import Attendance
from tests.conftest import Tenant
from therapy import services as therapy

ROOT = Path(__file__).resolve().parents[2]


def api(tenant: Tenant) -> Client:
    return Client(headers={"Authorization": f"Bearer {tenant.token_secret}"})


def board_still_works(tenant: Tenant) -> None:
    slug = tenant.clinic.slug
    client = tenant.client_for()
    for url in (f"/c/{slug}/intake/", f"/c/{slug}/roster/", f"/c/{slug}/"):
        assert client.get(url).status_code == 200, url
    assert api(tenant).get("/api/v1/inquiries/").status_code == 200


@pytest.mark.parametrize("at", ["9999-12-31T23:59", "0001-01-01T00:00", "1899-12-31T10:00"])
def test_an_assessment_out_of_the_years_is_a_form_error(clinic_a: Tenant, at: str) -> None:
    inquiry = clinic_a.records["inquiry_id"]
    therapist = clinic_a.members[Role.THERAPIST]
    response = clinic_a.client_for().post(
        f"/c/{clinic_a.clinic.slug}/intake/{inquiry.pk}/schedule/",
        {"at": at, "assessor": therapist.pk},
    )
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()
    with clinic_context(clinic_a.clinic.pk):
        assert Inquiry.objects.get(pk=inquiry.pk).assessment_at is None
    board_still_works(clinic_a)


def test_the_api_refuses_year_one_for_an_assessment_and_an_arrival(clinic_a: Tenant) -> None:
    inquiry = clinic_a.records["inquiry_id"]
    therapist = clinic_a.members[Role.THERAPIST]
    response = api(clinic_a).post(
        f"/api/v1/inquiries/{inquiry.pk}/status",
        {"status": "assessment_scheduled", "assessment_at": "0001-01-01T00:00:00Z",
         "assessor": therapist.pk},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400, response.content
    row = clinic_a.records["attendance_id"]
    response = api(clinic_a).post(
        f"/api/v1/sessions/{row.session_id}/attendance",
        [{"attendance": row.pk, "status": "late", "arrived_at": "0001-01-01T00:00:00Z"}],
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    with clinic_context(clinic_a.clinic.pk):
        assert Attendance.objects.get(pk=row.pk).arrived_at is None
    board_still_works(clinic_a)


def test_an_admission_in_year_9999_is_refused_on_the_page_and_the_api(clinic_a: Tenant) -> None:
    patient = clinic_a.patient
    track = clinic_a.records["track_id"]
    page = clinic_a.client_for().post(
        f"/c/{clinic_a.clinic.slug}/patients/{patient.pk}/enrollments/new/",
        {"level_of_care": "iop", "track": track.pk, "admission_date": "9999-12-31",
         "planned_weeks": 12},
    )  # fmt: skip
    assert page.status_code == 200
    assert OUT_OF_RANGE in page.content.decode()
    response = api(clinic_a).post(
        "/api/v1/enrollments/",
        {"patient": patient.pk, "track": track.pk, "admission_date": "9999-12-31"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "admission_date" in response.json()["error"]["fields"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30", "x"])
def test_far_or_broken_dates_in_the_address_fall_back_to_today(clinic_a: Tenant, day: str) -> None:
    client = clinic_a.client_for()
    slug = clinic_a.clinic.slug
    assert client.get(f"/c/{slug}/roster/", {"date": day}).status_code == 200
    assert client.get(f"/c/{slug}/hours/", {"date": day}).status_code == 200
    response = api(clinic_a).get("/api/v1/hours/", {"week": day})
    assert response.status_code == 400, response.content


def test_nul_bytes_in_hand_typed_fields_are_errors_not_crashes(clinic_a: Tenant) -> None:
    slug = clinic_a.clinic.slug
    client = clinic_a.client_for(Role.THERAPIST)
    session = clinic_a.records["session_id"]
    walk_in = client.post(
        f"/c/{slug}/roster/sessions/{session.pk}/walk-in/", {"record_number": "A\x00B"},
        follow=True,
    )  # fmt: skip
    assert walk_in.status_code == 200
    assert "Record number: Null characters are not allowed." in walk_in.content.decode(), [
        str(m) for m in walk_in.context["messages"]
    ]
    note = client.post(
        f"/c/{slug}/sessions/{session.pk}/note/",
        {"summary": "Coping\x00skills", "interventions": "CBT"},
    )
    assert note.status_code == 200
    assert NUL in note.content.decode()
    signed = therapy.progress_note_sign(
        clinic_a.records["note_id"], signer=clinic_a.members[Role.THERAPIST]
    )
    addendum = client.post(
        f"/c/{slug}/therapy/notes/{signed.pk}/addenda/", {"text": "Late\x00entry"}, follow=True
    )
    assert addendum.status_code == 200
    assert NUL in addendum.content.decode(), [str(m) for m in addendum.context["messages"]]
    bell = client.post(
        f"/c/{slug}/sessions/{session.pk}/note/", {"summary": "Ring\x07", "interventions": ""}
    )
    assert CONTROL in bell.content.decode()


def test_a_json_body_thousands_of_levels_deep_is_a_400(clinic_a: Tenant) -> None:
    deep = "[" * 5000 + "]" * 5000
    response = api(clinic_a).post("/api/v1/sites/", deep, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_huge_address_is_refused(clinic_a: Tenant) -> None:
    patient = clinic_a.patient
    response = api(clinic_a).patch(
        f"/api/v1/patients/{patient.pk}/",
        {"address": "1 Main St " * 30_000},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "address" in response.json()["error"]["fields"]


def test_the_audit_export_writes_no_formulas(clinic_a: Tenant) -> None:
    """A staff member's self-chosen email and a client-sent request id are data, never a
    formula, in the spreadsheet."""
    auditor = clinic_a.members[Role.AUDITOR].user
    User.objects.filter(pk=clinic_a.admin.user.pk).update(email="=HYPERLINK(1)@x.example")
    clinic_a.client_for().get(
        f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/",
        headers={"X-Request-ID": "-2+3-cmd-calc"},
    )
    client = Client()
    client.force_login(auditor)
    response = client.get(f"/c/{clinic_a.clinic.slug}/audit/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = [cell for row in rows for cell in row]
    assert "'=HYPERLINK(1)@x.example" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert "-2+3-cmd-calc" not in json.dumps(cells)


def test_every_date_column_of_ours_refuses_unreadable_years(clinic_a: Tenant) -> None:
    """No path (a raw UPDATE, a bulk write) can store a year Python cannot read back."""
    ours = {app.label for app in apps.get_app_configs() if Path(app.path).parent == ROOT}
    tables = {
        model._meta.db_table for label in ours for model in apps.get_app_config(label).get_models()
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type IN "
            "('date', 'timestamp with time zone')"
        )
        columns = [(t, c) for t, c in cursor.fetchall() if t in tables]
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'c'")
        checks = {name for (name,) in cursor.fetchall()}
    assert len(columns) > 50
    unbounded = [(t, c) for t, c in columns if date_bound_name(t, c) not in checks]
    assert unbounded == [], "add BoundDates() to the migration that made them"
    with clinic_context(clinic_a.clinic.pk), pytest.raises(IntegrityError), transaction.atomic():
        Inquiry.objects.filter(pk=clinic_a.records["inquiry_id"].pk).update(
            assessment_at=datetime.datetime(9999, 12, 31, 23, 59, tzinfo=datetime.UTC)
        )


@pytest.mark.django_db(transaction=True)  # ALTER TABLE needs no pending writes of the test
def test_the_checks_repair_what_an_older_version_let_in(clinic_a: Tenant) -> None:
    """A year-10000 instant stored before the checks existed: the migration that adds them
    makes it unknown (the column allows it) instead of failing, across every clinic's rows."""
    inquiry = clinic_a.records["inquiry_id"]
    name = date_bound_name("iop_inquiry", "assessment_at")
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE iop_inquiry DROP CONSTRAINT "{name}"')
    with clinic_context(clinic_a.clinic.pk), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE iop_inquiry SET assessment_at = '10000-01-01 05:59+00' WHERE id = %s",
            [inquiry.pk],
        )
    state = MigrationExecutor(connection).loader.project_state()
    try:
        with connection.schema_editor() as editor:
            BoundDates().database_forwards("iop", editor, state, state)
    finally:  # the schema outlives this test's rows: the check is back whatever happened
        with connection.schema_editor() as editor:
            BoundDates().database_forwards("iop", editor, state, state)
    with clinic_context(clinic_a.clinic.pk):
        assert Inquiry.objects.get(pk=inquiry.pk).assessment_at is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'iop_inquiry'")
        assert cursor.fetchone() == (True,)
        cursor.execute("SELECT convalidated FROM pg_constraint WHERE conname = %s", [name])
        assert cursor.fetchone() == (True,)


def test_a_one_off_session_is_within_five_years_of_today(clinic_a: Tenant) -> None:
    clinic = clinic_a.clinic
    far = clock.today(clinic) + datetime.timedelta(days=6 * 365)
    with pytest.raises(ValidationError) as refused:
        calendar.session_create(
            clinic=clinic, actor=clinic_a.admin.user, kind="individual", day=far,
            starts_at=clock.at(clinic, far, datetime.time(14)),
            ends_at=clock.at(clinic, far, datetime.time(15)),
        )  # fmt: skip
    assert refused.value.message_dict == {"day": ["Choose a day within 5 years of today."]}
