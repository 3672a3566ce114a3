"""Migration operations for the database-level walls.

    operations = [..., EnableRowLevelSecurity("patient")]

adds `ENABLE` + `FORCE ROW LEVEL SECURITY` and the clinic policy to a tenant table in one
line. `FORCE` matters: the app role owns its tables, and owners skip RLS without it.
NULLIF: after a transaction-local set_config ends, the setting reads '' (not NULL) on that
connection, and ''::bigint would raise on every query (DESIGN.md §8).
"""

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

from django.db import migrations, models

from iop.bounds import EARLIEST, LATEST

CURRENT_CLINIC = "NULLIF(current_setting('app.clinic_id', true), '')::bigint"
POLICY = "clinic_isolation"
# The two rows read before the clinic is known (iop/tenancy.py): a person's own memberships,
# and the API token whose secret was presented. Read-only that way: writes need the clinic.
OWN_MEMBERSHIP = "user_id = NULLIF(current_setting('app.user_id', true), '')::bigint"
PRESENTED_TOKEN = "key_hash = NULLIF(current_setting('app.token_hash', true), '')"  # noqa: S105


class EnableRowLevelSecurity(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(
        self, model_name: str, *, allow_platform_rows: bool = False, also_visible: str = ""
    ) -> None:
        self.model_name = model_name
        # Platform rows (clinic_id NULL) may be written by anyone and are read by no clinic.
        self.allow_platform_rows = allow_platform_rows
        # Rows also readable (never writable) outside their clinic: OWN_MEMBERSHIP…
        self.also_visible = also_visible

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _table(self, app_label: str, state: Any) -> str:
        model = state.apps.get_model(app_label, self.model_name)
        return str(model._meta.db_table)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = schema_editor.quote_name(self._table(app_label, to_state))
        using = check = f"clinic_id = {CURRENT_CLINIC}"
        if self.allow_platform_rows:
            check = f"clinic_id IS NULL OR {check}"
        if self.also_visible:
            using = f"{using} OR {self.also_visible}"
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY {POLICY} ON {table} USING ({using}) WITH CHECK ({check})"
        )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = schema_editor.quote_name(self._table(app_label, from_state))
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self) -> str:
        return f"Enable row-level security on {self.model_name}"


class MakeAppendOnly(migrations.operations.base.Operation):
    """Refuse UPDATE and DELETE on a table, for every role, with a trigger; and revoke both
    privileges from the app role. TRUNCATE (test flush, platform maintenance) is not
    affected."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        raw = str(to_state.apps.get_model(app_label, self.model_name)._meta.db_table)
        table = schema_editor.quote_name(raw)
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION iop_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
            "'% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; "
            "END $$",
            params=None,  # the '%' is plpgsql's, not a query placeholder
        )
        schema_editor.execute(
            f"CREATE TRIGGER {raw}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION iop_refuse_change()"
        )
        schema_editor.execute(f"REVOKE UPDATE, DELETE ON {table} FROM CURRENT_USER")

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        raw = str(from_state.apps.get_model(app_label, self.model_name)._meta.db_table)
        table = schema_editor.quote_name(raw)
        schema_editor.execute(f"GRANT UPDATE, DELETE ON {table} TO CURRENT_USER")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {raw}_append_only ON {table}")

    def describe(self) -> str:
        return f"Make {self.model_name} append-only"


LOCK_FUNCTION = """
CREATE OR REPLACE FUNCTION iop_refuse_signed_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    signed_column text := TG_ARGV[0];
    parent_fk text := TG_ARGV[1];
    parent_table text := TG_ARGV[2];
    locked boolean := false;
    rec jsonb;
BEGIN
    IF parent_fk IS NULL THEN
        -- The record itself: its state before the change decides (signing is an UPDATE).
        locked := to_jsonb(OLD) ->> signed_column IS NOT NULL;
    ELSE
        -- A child row: locked if the parent it leaves or joins is signed.
        FOREACH rec IN ARRAY ARRAY[
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END
        ] LOOP
            CONTINUE WHEN rec IS NULL OR locked;
            EXECUTE format('SELECT %I IS NOT NULL FROM %I WHERE id = $1',
                           signed_column, parent_table)
                INTO locked USING (rec ->> parent_fk)::bigint;
            locked := coalesce(locked, false);
        END LOOP;
    END IF;
    IF locked THEN
        RAISE EXCEPTION '% belongs to a signed record and cannot change', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$
"""


class LockWhenSigned(migrations.operations.base.Operation):
    """Once a record is signed (its `signed_column` is set) the database refuses to change
    or delete it, for every path (service, API, admin, raw ORM update). With `parent`
    ("<fk column>", "<model>") the rows of a child table are locked by their parent's
    signature, and none can be added to a signed parent."""

    reversible = True
    reduces_to_sql = True

    def __init__(
        self,
        model_name: str,
        *,
        signed_column: str = "signed_at",
        parent: tuple[str, str] | None = None,
    ) -> None:
        self.model_name = model_name
        self.signed_column = signed_column
        self.parent = parent

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        raw = str(to_state.apps.get_model(app_label, self.model_name)._meta.db_table)
        events = "UPDATE OR DELETE"
        args = [self.signed_column]
        if self.parent:
            fk, parent_model = self.parent
            parent = to_state.apps.get_model(app_label, parent_model)._meta.db_table
            events = "INSERT OR UPDATE OR DELETE"
            args += [fk, parent]
        schema_editor.execute(LOCK_FUNCTION, params=None)
        quoted = ", ".join(f"'{arg}'" for arg in args)
        schema_editor.execute(
            f"CREATE TRIGGER {raw}_signed_lock BEFORE {events} ON "
            f"{schema_editor.quote_name(raw)} FOR EACH ROW "
            f"EXECUTE FUNCTION iop_refuse_signed_change({quoted})"
        )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        raw = str(from_state.apps.get_model(app_label, self.model_name)._meta.db_table)
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {raw}_signed_lock ON {schema_editor.quote_name(raw)}"
        )

    def describe(self) -> str:
        return f"Lock {self.model_name} once signed"


class SameClinicReference(migrations.operations.base.Operation):
    """A second foreign key beside Django's, `(clinic_id, <fk>) → target (clinic_id, id)`: a
    row can point only at a row of its own clinic, whatever code wrote it. The target needs
    a unique `(clinic_id, id)`; a NULL reference is not checked (MATCH SIMPLE). Deferred
    like Django's own keys, so `on_delete` handling in Python runs first."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, field_name: str) -> None:
        self.model_name = model_name
        self.field_name = field_name

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _parts(self, app_label: str, state: Any) -> tuple[str, str, str]:
        model = state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.field_name)
        return model._meta.db_table, field.column, field.related_model._meta.db_table

    def _nullable(self, app_label: str, state: Any) -> bool:
        model = state.apps.get_model(app_label, self.model_name)
        return bool(model._meta.get_field(self.field_name).null)

    @staticmethod
    def constraint_name(table: str, column: str) -> str:
        name = f"{table}_{column}_same_clinic"
        if len(name) <= 63:
            return name
        digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
        return f"{name[:50]}_{digest}"

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table, column, target = self._parts(app_label, to_state)
        quote = schema_editor.quote_name
        name = quote(self.constraint_name(table, column))
        if self._nullable(app_label, to_state):
            # A link to another clinic's staff written before this key existed is dropped
            # (it was never the clinic's to see). A required one makes the key refuse to be
            # added, naming itself: that row needs a person to decide.
            with (
                _owner_sees_every_row(schema_editor, table),
                _owner_sees_every_row(schema_editor, target),
            ):
                schema_editor.execute(
                    f"UPDATE {quote(table)} t SET {quote(column)} = NULL "  # noqa: S608 - catalog names
                    f"WHERE {quote(column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    f"{quote(target)} m WHERE m.id = t.{quote(column)} "
                    "AND m.clinic_id = t.clinic_id)"
                )
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {name} "
            f"FOREIGN KEY (clinic_id, {quote(column)}) REFERENCES {quote(target)} (clinic_id, id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table, column, _target = self._parts(app_label, from_state)
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS "
            f"{quote(self.constraint_name(table, column))}"
        )

    def describe(self) -> str:
        return f"{self.model_name}.{self.field_name} points only within its clinic"


class BoundDates(migrations.operations.base.Operation):
    """A CHECK on every date and timestamp column of this app's tables that keeps it within
    the years of `iop.bounds` (a year-10000 instant is stored by PostgreSQL but cannot be
    read back by Python). Idempotent: a migration that adds date columns ends with
    `BoundDates()` again, and only the columns without their check get one."""

    reversible = True

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _columns(self, app_label: str, state: Any) -> list[tuple[str, str, str, bool]]:
        """(table, column, kind, nullable) of every date and timestamp column."""
        found = []
        for model in state.apps.get_app_config(app_label).get_models():
            for field in model._meta.local_concrete_fields:
                # DateTimeField is a DateField: ask it first.
                kind = "timestamptz" if isinstance(field, models.DateTimeField) else "date"
                if isinstance(field, models.DateField):
                    table, column = str(model._meta.db_table), str(field.column)
                    found.append((table, column, kind, bool(field.null)))
        return found

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        bounds = {
            "date": (f"DATE '{EARLIEST}'", f"DATE '{LATEST}'"),
            "timestamptz": (
                f"TIMESTAMPTZ '{EARLIEST} 00:00+00'",
                f"TIMESTAMPTZ '{LATEST} 23:59:59.999999+00'",
            ),
        }
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'c'")
            existing = {name for (name,) in cursor.fetchall()}
        for table, column, kind, nullable in self._columns(app_label, to_state):
            name = date_bound_name(table, column)
            if name in existing:
                continue
            low, high = bounds[kind]
            q_table, q_column = schema_editor.quote_name(table), schema_editor.quote_name(column)
            outside = f"{q_column} < {low} OR {q_column} > {high}"
            # A value written before the check (a year-10000 instant) cannot be read back:
            # it becomes unknown where the column allows it, else the nearest readable day.
            repair = "NULL" if nullable else f"LEAST(GREATEST({q_column}, {low}), {high})"
            found = f"SELECT EXISTS (SELECT 1 FROM {q_table} WHERE {outside})"  # noqa: S608 - quoted identifiers of our models, constant bounds
            update = f"UPDATE {q_table} SET {q_column} = {repair} WHERE {outside}"  # noqa: S608 - the same
            with _owner_sees_every_row(schema_editor, table):
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute(found)
                    (unreadable,) = cursor.fetchone()
                if unreadable and not _append_only(schema_editor, table):
                    schema_editor.execute(update)
                    unreadable = False
            # An append-only table (audit, revocations) keeps what it holds: its check then
            # binds every new row and leaves the old ones be (NOT VALID).
            schema_editor.execute(
                f"ALTER TABLE {q_table} ADD CONSTRAINT {schema_editor.quote_name(name)} "
                f"CHECK ({q_column} BETWEEN {low} AND {high})"
                + (" NOT VALID" if unreadable else "")
            )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        for table, column, *_ in self._columns(app_label, from_state):
            schema_editor.execute(
                f"ALTER TABLE {schema_editor.quote_name(table)} DROP CONSTRAINT IF EXISTS "
                f"{schema_editor.quote_name(date_bound_name(table, column))}"
            )

    def describe(self) -> str:
        return "Keep every date and timestamp column within the readable years"


@contextlib.contextmanager
def _owner_sees_every_row(schema_editor: Any, table: str) -> Iterator[None]:
    """Inside a migration's transaction: the owning role sees every clinic's rows of `table`
    (FORCE lifted, then put back), for a repair that must reach them all."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    forced = bool(row and row[0])
    quoted = schema_editor.quote_name(table)
    if forced:
        schema_editor.execute(f"ALTER TABLE {quoted} NO FORCE ROW LEVEL SECURITY")
    yield
    if forced:
        schema_editor.execute(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY")


def _append_only(schema_editor: Any, table: str) -> bool:
    """The app's role may not UPDATE the table (audit events, consent revocations)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'UPDATE')", [table])
        (may_update,) = cursor.fetchone()
    return not may_update


def date_bound_name(table: str, column: str) -> str:
    """`<table>_<column>_years`, shortened with a digest to PostgreSQL's 63 bytes."""
    name = f"{table}_{column}_years"
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:48]}_{digest}_years"
