"""Wall 2: PostgreSQL row-level security, checked in the catalog and with raw SQL."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError, ProgrammingError

from iop.models import AuditEvent, Patient
from iop.services import audit_record
from iop.tenancy import activate, clinic_context
from tests.conftest import Tenant


def tables_with_clinic_id() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_name = c.table_name AND t.table_schema = c.table_schema
            WHERE c.column_name = 'clinic_id' AND c.table_schema = current_schema()
              AND t.table_type = 'BASE TABLE'
            """
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_every_tenant_table_has_forced_rls_and_a_clinic_policy() -> None:
    # Every one, memberships and API tokens included (read before the clinic is known, each
    # through its own second setting: tests/iop/test_membership_wall.py).
    tenant_tables = tables_with_clinic_id()
    assert {"iop_patient", "iop_site", "iop_auditevent", "iop_membership", "iop_apitoken"} <= (
        tenant_tables
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
                   (SELECT string_agg(pg_get_expr(p.polqual, p.polrelid), ' ')
                      FROM pg_policy p WHERE p.polrelid = c.oid)
            FROM pg_class c WHERE c.relname = ANY(%s)
            """,
            [sorted(tenant_tables)],
        )
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    problems = []
    for table in sorted(tenant_tables):
        enabled, forced, policies, using = rows[table]
        if not (enabled and forced and policies and "app.clinic_id" in (using or "")):
            problems.append(table)
    assert problems == [], f"tenant tables without forced RLS and a clinic policy: {problems}"
    print(f"RLS catalog: {len(tenant_tables)} tenant tables checked")  # noqa: T201


@pytest.mark.django_db
def test_app_role_is_neither_superuser_nor_bypassrls() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


def count_patients_raw() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM iop_patient")
        return int(cursor.fetchone()[0])


def test_no_clinic_set_reads_nothing_and_cannot_insert(clinic_a: Tenant) -> None:
    with transaction.atomic():
        activate(None)
        assert count_patients_raw() == 0
        assert Patient.objects.count() == 0
    with (
        pytest.raises(ProgrammingError, match="row-level security"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO iop_patient (clinic_id, record_number, legal_first_name,"
            " legal_last_name, preferred_name, pronouns, date_of_birth, created_at,"
            " updated_at) VALUES (%s, 'X1', 'A', 'B', '', '', '1990-01-01', now(), now())",
            [clinic_a.clinic.pk],
        )


def test_a_clinic_cannot_read_or_write_another_clinics_rows(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    with clinic_context(clinic_a.clinic.pk):
        assert count_patients_raw() == 1
        assert list(Patient.objects.values_list("pk", flat=True)) == [clinic_a.patient.pk]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE iop_patient SET legal_last_name = 'Changed' WHERE id = %s",
                [clinic_b.patient.pk],
            )
            assert cursor.rowcount == 0
            cursor.execute("DELETE FROM iop_patient WHERE id = %s", [clinic_b.patient.pk])
            assert cursor.rowcount == 0
    with (
        pytest.raises(ProgrammingError, match="row-level security"),
        clinic_context(clinic_a.clinic.pk),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE iop_patient SET clinic_id = %s WHERE id = %s",
            [clinic_b.clinic.pk, clinic_a.patient.pk],
        )
    with clinic_context(clinic_b.clinic.pk):
        assert Patient.objects.get().legal_last_name == "Patient-bravo"


def test_nested_context_restores_the_outer_clinic(clinic_a: Tenant, clinic_b: Tenant) -> None:
    with clinic_context(clinic_a.clinic.pk):
        with clinic_context(clinic_b.clinic.pk):
            assert Patient.objects.get().pk == clinic_b.patient.pk
        assert Patient.objects.get().pk == clinic_a.patient.pk


def test_audit_trail_is_append_only_for_the_app_role(clinic_a: Tenant) -> None:
    with clinic_context(clinic_a.clinic.pk):
        event = AuditEvent.objects.filter(clinic=clinic_a.clinic).first()
        assert event is not None
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action="view")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.filter(pk=event.pk, action=event.action).exists()


def test_platform_audit_rows_are_invisible_to_every_clinic(clinic_a: Tenant) -> None:
    audit_record(clinic=None, actor=None, action="login_failed")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM iop_auditevent WHERE clinic_id IS NULL")
        assert cursor.fetchone()[0] == 0
    with clinic_context(clinic_a.clinic.pk):
        assert not AuditEvent.objects.filter(clinic__isnull=True).exists()
