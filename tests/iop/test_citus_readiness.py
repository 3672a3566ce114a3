"""Ready for Citus, sharded by `clinic_id` (DESIGN.md §3, docs/architecture.md "Scale-out").

A distributed table keeps its rows on the shard of their clinic, so Citus refuses what it
cannot check on one shard:
- a unique index, unique constraint or primary key without the distribution column;
- an exclusion constraint that does not compare `clinic_id` with `=`;
- a foreign key between two distributed tables that is not co-located, i.e. does not pair
  `clinic_id` with `clinic_id` (a plain FK on `x_id` can point at another clinic's row);
- a foreign key from a reference (global) table to a distributed one;
- NULL in the distribution column.

The distributed tables are the ones with a `clinic_id` column (memberships and API tokens
among them); every `TenantModel` must be among them.

Uniqueness, exclusion, nullability and database FKs are read from pg_catalog (what Citus
sees, including constraints written in raw SQL). Relations are also read from Django's
model meta, so a `ForeignKey(db_constraint=False)` between tenant rows counts too: it can
point across clinics just the same, only unchecked.

The primary key `id` alone is the one documented exception, not listed per table: every
distributed table must have exactly that key (or one that includes `clinic_id`), so the
plan is uniform — at migration time each key becomes `(clinic_id, id)` and each tenant FK
`(clinic_id, x_id) → (clinic_id, id)`. The test counts those keys and fails on any other
shape.

Everything else that is not ready is listed in `KNOWN_DEBT`. A new finding fails; an entry
that no longer matches a finding fails too, so the list only ever shrinks.
"""

from collections.abc import Iterable

import pytest
from django.apps import apps
from django.db import connection, models

from iop.models import TenantModel
from therapy.models import NoteCosignature, ProgressNote

Finding = tuple[str, str, str]  # (model label or table, kind, constraint or field name)

# Foreign keys between tenant rows: none is co-located yet, because Django (5.2) cannot
# declare a composite foreign key. Plan: composite keys + co-located FKs at migration time.
_PLAIN_TENANT_FKS = {
    "aftercare.AftercarePdf": ["plan"],
    "aftercare.AftercarePlan": ["enrollment", "patient", "revised_from"],
    "aftercare.FollowUp": ["enrollment", "patient"],
    "aftercare.PlanAppointment": ["plan"],
    "aftercare.PlanMedication": ["plan"],
    "aftercare.SupportContact": ["plan"],
    "aftercare.SupportGroup": ["plan"],
    "billing.BillingProvider": ["site"],
    "billing.Claim": ["enrollment", "patient", "payer", "replaces"],
    "billing.ClaimLine": ["authorization", "claim", "patient"],
    "billing.PayerConsent": ["patient", "payer"],
    "billing.Remittance": ["payer"],
    "billing.RemittanceLine": ["claim", "claim_line", "patient", "remittance"],
    "family.ConsentRevocation": ["consent"],
    "family.FamilyConsent": ["family_member", "patient"],
    "family.FamilyDisclosure": ["consent", "family_member", "patient"],
    "family.FamilyMember": ["patient"],
    "family.FamilySessionParticipant": ["family_member", "session"],
    "groups.GroupNote": ["session"],
    "groups.GroupNotePart": ["note", "patient"],
    "interop.BulkExport": ["track"],
    "interop.BulkExportFile": ["export"],
    "interop.Disclosure": ["consent", "patient", "recipient"],
    "interop.PatientDocument": ["family_consent", "patient"],
    "interop.Recipient": ["token"],
    "interop.RecipientConsent": ["patient", "recipient"],
    "interop.WebhookDelivery": ["subscription"],
    "iop.Authorization": ["coverage", "patient"],
    "iop.Coverage": ["patient"],
    "iop.Diagnosis": ["patient"],
    "iop.Enrollment": ["patient", "track"],
    "iop.EnrollmentExtension": ["enrollment"],
    "iop.Inquiry": ["patient"],
    "iop.Medication": ["patient"],
    "iop.PaymentPlan": ["patient"],
    "iop.Track": ["site"],
    "progress.CheckIn": ["patient", "session"],
    "progress.DailyRating": ["check_in", "patient"],
    "progress.DrugTest": ["panel", "patient", "selection"],
    "progress.Measure": ["patient"],
    "progress.MedicationFinding": ["patient", "test"],
    "progress.PanelSubstance": ["panel"],
    "progress.RandomSelection": ["panel"],
    "progress.RecollectionTask": ["patient", "test"],
    "progress.SafetyTask": ["measure", "patient"],
    "progress.SubstanceResult": ["test"],
    "scheduling.Attendance": ["makeup_of", "patient", "session"],
    "scheduling.AttendanceTodo": ["session"],
    "scheduling.CalendarFeed": ["patient"],
    "scheduling.MakeupProposal": ["missed", "session"],
    "scheduling.MissedSession": ["attendance", "makeup", "patient", "session"],
    "scheduling.Room": ["site"],
    "scheduling.Session": ["block", "group_type", "room", "topic", "track"],
    "scheduling.SessionReminder": ["attendance"],
    "scheduling.Topic": ["group_type"],
    "scheduling.TrackBlock": ["group_type", "room", "track"],
    "therapy.Goal": ["plan", "problem"],
    "therapy.NoteAddendum": ["note"],
    "therapy.NoteCosignature": ["note"],
    "therapy.NoteObjective": ["note", "objective"],
    "therapy.Objective": ["goal", "plan"],
    "therapy.PlannedIntervention": ["intervention", "objective", "plan"],
    "therapy.Problem": ["diagnosis", "plan"],
    "therapy.ProgressNote": ["modality", "patient", "session"],
    "therapy.TreatmentPlan": ["enrollment", "patient"],
}

KNOWN_DEBT: set[Finding] = {
    (label, "fk", field) for label, fields in _PLAIN_TENANT_FKS.items() for field in fields
} | {
    # One-to-one links whose reverse accessor pages rely on (`select_related`, pinned query
    # counts): unique on the column alone until the composite key lets them be
    # (clinic_id, col) without losing the one-to-one descriptor.
    ("therapy.ProgressNote", "unique", "therapy_progressnote_session_id_key"),
    ("therapy.NoteCosignature", "unique", "therapy_notecosignature_note_id_key"),
    ("progress.SafetyTask", "unique", "progress_safetytask_measure_id_key"),
    # Double-booking guards: the bundled PostgreSQL has no btree_gist, so clinic equality
    # is written as range overlap; on Citus (btree_gist available) `clinic_id WITH =`.
    ("scheduling.Session", "exclude", "session_room_free"),
    ("scheduling.Session", "exclude", "session_lead_free"),
    ("scheduling.Session", "exclude", "session_co_lead_free"),
    ("scheduling.Attendance", "exclude", "attendance_patient_free"),
    # A token is found by its secret's hash before its clinic is known, so the hash is
    # unique across clinics. Plan: the clinic's id in the token's visible prefix, so the
    # lookup goes to one shard and the key becomes (clinic_id, key_hash).
    ("iop.ApiToken", "unique", "iop_apitoken_key_hash_key"),
    # Platform events (a failed sign-in for an unknown address) have no clinic; Citus
    # cannot place a NULL distribution value. Plan: a platform audit table.
    ("iop.AuditEvent", "nullable", "clinic_id"),
}


def _distributed_tables() -> dict[str, int]:
    """Tables with a `clinic_id` column → that column's attribute number."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, a.attnum FROM pg_class c
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'clinic_id'
                                AND NOT a.attisdropped
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
            """
        )
        return dict(cursor.fetchall())


def _labels() -> dict[str, str]:
    return {m._meta.db_table: m._meta.label for m in apps.get_models()}


def catalog_findings() -> tuple[set[Finding], set[str], set[tuple[str, str]]]:
    """What Citus would refuse, from pg_catalog. Returns the findings (by table name), the
    tables whose primary key is `id` alone (the documented exception), and the co-located
    FKs as (table, column)."""
    tables = _distributed_tables()
    names = sorted(tables)
    findings: set[Finding] = set()
    id_only_keys: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, i.relname, x.indisprimary,
                   ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o)
                         LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n
                         WHERE k.o <= x.indnkeyatts ORDER BY k.o)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE x.indisunique AND t.relname = ANY(%s)
            """,
            [names],
        )
        for table, index, primary, columns in cursor.fetchall():
            if "clinic_id" in columns:
                continue
            if primary and columns == ["id"]:
                id_only_keys.add(table)
            else:
                findings.add((table, "unique", index))

        cursor.execute(
            """
            SELECT t.relname, c.conname,
                   EXISTS (SELECT 1 FROM unnest(c.conkey, c.conexclop) e(col, op)
                           JOIN pg_operator o ON o.oid = e.op
                           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = e.col
                           WHERE a.attname = 'clinic_id' AND o.oprname = '=')
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE c.contype = 'x' AND t.relname = ANY(%s)
            """,
            [names],
        )
        findings |= {(t, "exclude", name) for t, name, equal in cursor.fetchall() if not equal}

        cursor.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_attribute a
              ON a.attrelid = c.oid AND a.attname = 'clinic_id' AND NOT a.attnotnull
            WHERE c.relname = ANY(%s)
            """,
            [names],
        )
        findings |= {(t, "nullable", "clinic_id") for (t,) in cursor.fetchall()}

        cursor.execute(
            """
            SELECT s.relname, d.relname, c.conname,
                   ARRAY(SELECT a.attname FROM unnest(c.conkey) k(n)
                         JOIN pg_attribute a ON a.attrelid = s.oid AND a.attnum = k.n),
                   EXISTS (SELECT 1 FROM unnest(c.conkey, c.confkey) p(src, dst)
                           JOIN pg_attribute a ON a.attrelid = s.oid AND a.attnum = p.src
                           JOIN pg_attribute b ON b.attrelid = d.oid AND b.attnum = p.dst
                           WHERE a.attname = 'clinic_id' AND b.attname = 'clinic_id')
            FROM pg_constraint c
            JOIN pg_class s ON s.oid = c.conrelid
            JOIN pg_class d ON d.oid = c.confrelid
            WHERE c.contype = 'f' AND d.relname = ANY(%s)
              AND s.relnamespace = current_schema()::regnamespace
            """,
            [names],
        )
        colocated: set[tuple[str, str]] = set()
        for source, _target, name, columns, paired in cursor.fetchall():
            if source not in tables:
                findings.add((source, "fk from a global table", name))
            elif paired:
                colocated |= {(source, col) for col in columns if col != "clinic_id"}
            else:
                findings.add((source, "fk", next(c for c in columns if c != "clinic_id")))
    return findings, id_only_keys, colocated


def meta_fk_findings(
    distributed: Iterable[type[models.Model]], colocated: set[tuple[str, str]]
) -> set[Finding]:
    """Every relation from one distributed model to another that is not a co-located FK,
    from Django's meta: it also sees relations without a database constraint."""
    tables = {m._meta.db_table for m in distributed}
    found: set[Finding] = set()
    for model in distributed:
        for field in model._meta.local_fields:
            target = field.related_model if field.is_relation else None
            if not isinstance(target, type) or target._meta.db_table not in tables:
                continue
            if (model._meta.db_table, field.column) not in colocated:
                found.add((model._meta.label, "fk", field.name))
    return found


def citus_findings() -> tuple[set[Finding], set[str]]:
    """All findings, by model label and field name where a model has the table."""
    catalog, id_only_keys, colocated = catalog_findings()
    tables = _distributed_tables().keys()
    distributed = [m for m in apps.get_models() if m._meta.db_table in tables]
    labels = _labels()
    # A catalog FK finding is the same as the meta one, which names the field.
    findings = {(labels.get(t, t), kind, name) for t, kind, name in catalog if kind != "fk"}
    return findings | meta_fk_findings(distributed, colocated), id_only_keys


@pytest.mark.django_db
def test_every_tenant_model_is_a_distributed_table() -> None:
    tables = _distributed_tables().keys()
    tenant_models = [m for m in apps.get_models() if issubclass(m, TenantModel)]
    assert len(tenant_models) > 50
    assert {m._meta.db_table for m in tenant_models} <= tables


@pytest.mark.django_db
def test_no_new_citus_blocker_and_no_stale_debt() -> None:
    findings, id_only_keys = citus_findings()
    new = sorted(findings - KNOWN_DEBT)
    stale = sorted(KNOWN_DEBT - findings)
    assert new == [], f"not shardable by clinic_id (fix it, or plan it in KNOWN_DEBT): {new}"
    assert stale == [], f"KNOWN_DEBT entries that no longer exist (remove them): {stale}"
    tables = _distributed_tables().keys()
    # The documented exception, uniform: every distributed table is keyed by `id` alone.
    assert id_only_keys == tables
    kinds = sorted({kind for _l, kind, _n in KNOWN_DEBT})
    counts = {k: sum(1 for f in KNOWN_DEBT if f[1] == k) for k in kinds}
    print(f"Citus: {len(tables)} distributed tables, known debt {counts}")  # noqa: T201


@pytest.mark.django_db
def test_the_catalog_detector_flags_a_deliberately_bad_table() -> None:
    """Proof the walk can fail: tables built in this test's transaction, one right and one
    wrong of each kind, and only the wrong ones are reported."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TABLE citus_probe_parent (
                id bigserial, clinic_id bigint NOT NULL REFERENCES iop_clinic (id),
                PRIMARY KEY (clinic_id, id));
            CREATE TABLE citus_probe (
                id bigserial PRIMARY KEY,
                clinic_id bigint REFERENCES iop_clinic (id),
                code text UNIQUE,
                label text,
                parent_id bigint,
                patient_id bigint REFERENCES iop_patient (id),
                UNIQUE (clinic_id, label),
                FOREIGN KEY (clinic_id, parent_id) REFERENCES citus_probe_parent (clinic_id, id),
                CONSTRAINT citus_probe_overlap
                    EXCLUDE USING gist (int8range(parent_id, parent_id, '[]') WITH &&),
                CONSTRAINT citus_probe_equal
                    EXCLUDE USING btree (clinic_id WITH =, label WITH =)
            );
            CREATE TABLE citus_probe_global (
                id bigserial PRIMARY KEY, patient_id bigint REFERENCES iop_patient (id));
            """
        )
    findings, id_only_keys, colocated = catalog_findings()
    probe = {f for f in findings if f[0].startswith("citus_probe")}
    assert probe == {
        ("citus_probe", "unique", "citus_probe_code_key"),
        ("citus_probe", "exclude", "citus_probe_overlap"),
        ("citus_probe", "nullable", "clinic_id"),
        ("citus_probe", "fk", "patient_id"),
        ("citus_probe_global", "fk from a global table", "citus_probe_global_patient_id_fkey"),
    }
    assert "citus_probe" in id_only_keys
    assert "citus_probe_parent" not in id_only_keys
    assert ("citus_probe", "parent_id") in colocated


@pytest.mark.django_db
def test_the_meta_detector_sees_relations_without_a_database_constraint() -> None:
    """NoteCosignature.note has `db_constraint=False`: invisible to pg_catalog, still a link
    that could cross clinics. A relation reported as co-located is not flagged."""
    assert meta_fk_findings([NoteCosignature, ProgressNote], set()) >= {
        ("therapy.NoteCosignature", "fk", "note")
    }
    colocated = {("therapy_notecosignature", "note_id")}
    assert ("therapy.NoteCosignature", "fk", "note") not in meta_fk_findings(
        [NoteCosignature, ProgressNote], colocated
    )
    _catalog, _keys, real_colocated = catalog_findings()
    assert ("therapy_notecosignature", "note_id") not in real_colocated
