"""The audit trail's plumbing: the one way an `AuditEvent` is built and written, stamped with
the request it happens in (iop/request_meta.py). Below the services that record events, and
beside the middleware that sets the request's metadata, so neither imports the other.

Events carry field names only, never values: values may be patient data.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models

from iop.models import AuditEvent, Clinic, User
from iop.request_meta import current_request
from iop.tenancy import bound_clinic_id, clinic_context


def audit_event(
    *,
    clinic_id: int | None,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    patient_id: int | None = None,
    changed_fields: Iterable[str] = (),
) -> AuditEvent:
    """An unsaved event, stamped with the request it happens in."""
    meta = current_request.get()
    return AuditEvent(
        clinic_id=clinic_id,
        actor=actor,
        action=action,
        patient_id=patient_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        changed_fields=sorted(changed_fields),
        ip=meta.ip if meta else None,
        request_id=meta.request_id if meta else "",
    )


def audit_record(
    *,
    clinic: Clinic | None,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    patient_id: int | None = None,
    changed_fields: Iterable[str] = (),
) -> AuditEvent:
    """Append one event."""
    event = audit_event(
        clinic_id=clinic.pk if clinic else None, actor=actor, action=action, obj=obj,
        patient_id=patient_id, changed_fields=changed_fields,
    )  # fmt: skip
    if clinic is None:
        _insert_platform_event(event)
    else:
        with clinic_context(clinic.pk):
            event.save()
    return event


def audit_records(
    *,
    clinic_id: int,
    actor: User | None,
    action: str,
    objs: Iterable[models.Model],
    patient_id_of: Callable[[Any], int | None] = lambda obj: getattr(obj, "patient_id", None),
    changed_fields: Iterable[str] = (),
) -> None:
    """One event per object of one clinic, in one query (a page read, a list marked at once).
    `patient_id_of` names each object's patient (its `patient_id` unless told otherwise)."""
    fields = sorted(changed_fields)
    events = [
        audit_event(
            clinic_id=clinic_id,
            actor=actor,
            action=action,
            obj=obj,
            patient_id=patient_id_of(obj),
            changed_fields=fields,
        )
        for obj in objs
    ]
    if not events:
        return
    if bound_clinic_id() == clinic_id:  # inside the clinic's block already: no savepoint
        AuditEvent.objects.bulk_create(events)
        return
    with clinic_context(clinic_id):
        AuditEvent.objects.bulk_create(events)


def _insert_platform_event(event: AuditEvent) -> None:
    """A row no clinic may read. Inserted without RETURNING: PostgreSQL checks a returned
    row against the read policy, which (rightly) admits no clinic-less row."""
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    values = [f.get_db_prep_save(f.pre_save(event, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AuditEvent._meta.db_table} ({columns}) VALUES ({placeholders})",  # noqa: S608 - names from the model
            values,
        )
