"""Staff in the database wall: a membership is visible to its clinic and to its own person
only, an API token to its clinic and to whoever presents its secret, and a tenant row can
name only its own clinic's staff. Raw SQL and the ORM, so no application filter helps."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.utils import ProgrammingError
from django.test import Client

from iop import tenancy
from iop.models import ApiToken, Membership, Patient
from iop.models.tokens import hash_token
from iop.rls import SameClinicReference
from iop.roles import Role
from iop.tenancy import clinic_context, user_context
from tests.conftest import Tenant


def visible_memberships() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM iop_membership")
        return {row[0] for row in cursor.fetchall()}


def ids(tenant: Tenant) -> set[int]:
    return {m.pk for m in tenant.members.values()}


def test_a_clinic_sees_its_own_staff_only(clinic_a: Tenant, clinic_b: Tenant) -> None:
    with transaction.atomic():
        tenancy.activate(None)
        assert visible_memberships() == set()
        assert Membership.objects.count() == 0
    with clinic_context(clinic_a.clinic.pk):
        assert visible_memberships() == ids(clinic_a)
        # Not even by id, not even joined from a row of the clinic's own.
        assert not Membership.objects.filter(pk=clinic_b.admin.pk).exists()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE iop_membership SET role = 'admin' WHERE id = %s",
                [clinic_b.members[Role.NURSE].pk],
            )
            assert cursor.rowcount == 0


def test_a_person_sees_their_own_places_in_every_clinic_and_nothing_else(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    person = clinic_a.members[Role.THERAPIST].user
    with clinic_context(clinic_b.clinic.pk):
        second = Membership.objects.create(user=person, clinic=clinic_b.clinic, role=Role.NURSE)
    with user_context(person.pk):
        assert visible_memberships() == {clinic_a.members[Role.THERAPIST].pk, second.pk}
        # Seeing their own row elsewhere is not a way to write there.
        with (
            pytest.raises(ProgrammingError, match="row-level security"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE iop_membership SET role = 'admin' WHERE id = %s", [second.pk])
        with (
            pytest.raises(ProgrammingError, match="row-level security"),
            transaction.atomic(),
        ):
            Membership.objects.create(user=person, clinic=clinic_b.clinic, role=Role.ADMIN)


def test_a_nested_person_context_gives_the_outer_one_back(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    first = clinic_a.admin.user
    second = clinic_b.admin.user
    with user_context(first.pk):
        with user_context(second.pk):
            assert visible_memberships() == {clinic_b.admin.pk}
        assert visible_memberships() == {clinic_a.admin.pk}


def test_a_token_is_found_only_by_its_secret_or_its_clinic(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    with clinic_context(clinic_a.clinic.pk):
        visible = dict(ApiToken.objects.values_list("pk", "clinic_id"))
    assert clinic_a.token.pk in visible
    assert set(visible.values()) == {clinic_a.clinic.pk}
    with transaction.atomic():
        tenancy.activate(None)
        assert ApiToken.objects.count() == 0
        tenancy.bind_token_hash(hash_token(clinic_b.token_secret))
        assert list(ApiToken.objects.values_list("pk", flat=True)) == [clinic_b.token.pk]
    # End to end: each clinic's token still answers for its own clinic only. (Last: inside
    # the test's one transaction a presented secret stays bound, as it does to the end of a
    # request.)
    for tenant in (clinic_a, clinic_b):
        me = Client(headers={"Authorization": f"Bearer {tenant.token_secret}"}).get("/api/v1/me")
        assert me.status_code == 200
        assert me.json()["clinic"]["slug"] == tenant.clinic.slug


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("iop_patient", "case_manager_id"),
        ("iop_patient", "primary_therapist_id"),
        ("iop_inquiry", "assessor_id"),
        ("scheduling_session", "lead_id"),
        ("therapy_progressnote", "author_id"),
        ("progress_drugtest", "collector_id"),
        ("aftercare_followup", "assigned_to_id"),
    ],
)
def test_a_row_cannot_name_another_clinics_staff(
    clinic_a: Tenant, clinic_b: Tenant, table: str, column: str
) -> None:
    """A plain foreign key is checked without row-level security, so before the same-clinic
    references this UPDATE went through and clinic A's row named clinic B's staff."""
    stranger = clinic_b.members[Role.THERAPIST].pk
    colleague = clinic_a.members[Role.THERAPIST].pk
    with clinic_context(clinic_a.clinic.pk), connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} ORDER BY id LIMIT 1")  # noqa: S608 - fixed names
        row = cursor.fetchone()
    assert row is not None, f"the tenant fixture has no {table} row"

    def name(member_id: int) -> None:
        update = f"UPDATE {table} SET {column} = %s WHERE id = %s"  # noqa: S608 - fixed names
        with clinic_context(clinic_a.clinic.pk), connection.cursor() as cursor:
            cursor.execute(update, [member_id, row[0]])
            assert cursor.rowcount == 1  # the plain key and the policy let it through
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks, now
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    name(colleague)
    with pytest.raises(IntegrityError, match="same_clinic"):
        name(stranger)


@pytest.mark.django_db
def test_every_reference_to_a_membership_is_a_same_clinic_reference() -> None:
    """From the catalog: each foreign key to iop_membership has a twin that pairs clinic_id."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.relname, a.attname,
                   bool_or(array_length(c.conkey, 1) = 2)
            FROM pg_constraint c
            JOIN pg_class s ON s.oid = c.conrelid
            JOIN pg_attribute a ON a.attrelid = s.oid AND a.attnum = ANY(c.conkey)
                                AND a.attname <> 'clinic_id'
            WHERE c.contype = 'f' AND c.confrelid = 'iop_membership'::regclass
            GROUP BY s.relname, a.attname
            """
        )
        references = {(table, column): paired for table, column, paired in cursor.fetchall()}
    assert len(references) >= 17
    assert [ref for ref, paired in references.items() if not paired] == []


def test_the_patient_list_still_shows_the_care_team(clinic_a: Tenant) -> None:
    """The care team is read through the wall: a page of the clinic joins its own staff."""
    with clinic_context(clinic_a.clinic.pk):
        Patient.objects.filter(pk=clinic_a.patient.pk).update(
            case_manager=clinic_a.members[Role.CASE_MANAGER]
        )
    page = clinic_a.client_for().get(f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/")
    assert page.status_code == 200
    assert clinic_a.members[Role.CASE_MANAGER].user.last_name in page.content.decode()


def test_the_migration_drops_a_link_to_another_clinics_staff_written_before_the_key(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    """A database that already holds a cross-clinic link: adding the key repairs it (the
    link goes, the colleague's stays) instead of failing the deploy."""
    state = MigrationLoader(connection).project_state()
    reference = SameClinicReference("patient", "case_manager")
    constraint = reference.constraint_name("iop_patient", "case_manager_id")
    with connection.cursor() as cursor:
        # Checked as they happen: a table with deferred checks pending cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE iop_patient DROP CONSTRAINT {constraint}")
    stranger = clinic_b.members[Role.CASE_MANAGER].pk
    colleague = clinic_b.members[Role.THERAPIST].pk
    with clinic_context(clinic_a.clinic.pk):
        Patient.objects.filter(pk=clinic_a.patient.pk).update(case_manager_id=stranger)
    with clinic_context(clinic_b.clinic.pk):
        Patient.objects.filter(pk=clinic_b.patient.pk).update(case_manager_id=colleague)
    with connection.schema_editor() as editor:
        reference.database_forwards("iop", editor, state, state)
    with clinic_context(clinic_a.clinic.pk):
        assert Patient.objects.get(pk=clinic_a.patient.pk).case_manager_id is None
    with clinic_context(clinic_b.clinic.pk):
        assert Patient.objects.get(pk=clinic_b.patient.pk).case_manager_id == colleague
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relforcerowsecurity FROM pg_class WHERE relname IN "
            "('iop_patient', 'iop_membership')"
        )
        assert [forced for (forced,) in cursor.fetchall()] == [True, True]
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conname = %s", [constraint])
        assert cursor.fetchone() == (1,)
