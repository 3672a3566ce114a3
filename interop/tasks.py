"""Webhook jobs, in the worker: fan an event out to the subscriptions that want it, and
deliver each (one attempt per run; a failed attempt schedules the next with exponential
backoff until the attempts run out or the subscription pauses)."""

import uuid
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from aftercare.tasks import RENDER_SOFT_TIME_LIMIT, RENDER_TIME_LIMIT, error_code_for
from iop.jobs import ClinicTask
from iop.models import Clinic

from . import documents, services, webhooks
from .models import (
    BulkExport,
    DeliveryStatus,
    ExportStatus,
    WebhookDelivery,
    WebhookSubscription,
)


@shared_task(base=ClinicTask, name="interop.webhook_fanout")
def webhook_fanout(*, clinic_id: int, event: str, object_type: str, ids: list[int]) -> int:
    """One delivery per subscribed URL and record; the same event id for every URL."""
    subscriptions = list(
        WebhookSubscription.objects.filter(
            clinic_id=clinic_id, is_active=True, paused_at__isnull=True, events__contains=[event]
        )
    )
    deliveries = []
    for object_id in ids:
        event_id = uuid.uuid4()
        body = webhooks.payload(
            event_id=event_id, event=event, object_type=object_type, object_id=object_id,
            clinic_id=clinic_id,
        )  # fmt: skip
        deliveries += [
            WebhookDelivery(
                clinic_id=clinic_id,
                subscription=subscription,
                event_id=event_id,
                event_type=event,
                payload=body,
            )
            for subscription in subscriptions
        ]
    WebhookDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        webhook_deliver.delay_on_commit(clinic_id=clinic_id, delivery_id=delivery.pk)
    return len(deliveries)


@shared_task(base=ClinicTask, name="interop.webhook_deliver", bind=True)
def webhook_deliver(self: Any, *, clinic_id: int, delivery_id: int) -> str:
    delivery = (
        WebhookDelivery.objects.select_for_update()
        .select_related("subscription")
        .filter(clinic_id=clinic_id, pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED):
        return "done"
    if delivery.subscription.paused_at is not None or not delivery.subscription.is_active:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = "Subscription paused"
        delivery.save(update_fields=["status", "last_error"])
        return "paused"
    if webhooks.attempt(delivery):
        return str(delivery.status)
    webhook_deliver.apply_async(
        kwargs={"clinic_id": clinic_id, "delivery_id": delivery_id},
        countdown=webhooks.backoff_seconds(delivery.attempts),
    )
    return "retrying"


@shared_task(base=ClinicTask, name="interop.bulk_export")
def bulk_export_run(*, clinic_id: int, export_id: int) -> str:
    """Build an accepted export, once: a redelivered job finds it completed (the row lock
    makes a second copy wait for the first)."""
    job = (
        BulkExport.objects.select_for_update()
        .select_related("clinic", "requested_by")
        .filter(clinic_id=clinic_id, pk=export_id)
        .first()
    )
    if job is None or job.status != ExportStatus.ACCEPTED:
        return "done"
    services.bulk_export_build(job)
    return "completed"


@shared_task(name="interop.purge_expired_exports_everywhere")
def purge_expired_exports_everywhere() -> None:
    """Beat, hourly: each clinic deletes the files of its expired bulk exports."""
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        purge_expired_exports.delay(clinic_id=clinic_id)


@shared_task(base=ClinicTask, name="interop.purge_expired_exports")
def purge_expired_exports(*, clinic_id: int) -> int:
    return services.bulk_exports_purge_expired(clinic_id=clinic_id)


# --- Documents printed for the patient (interop.documents) -------------------------------------


def _document_ids_given(kwargs: Any) -> bool:
    return isinstance(kwargs.get("clinic_id"), int) and isinstance(kwargs.get("document_id"), int)


class PatientDocumentTask(ClinicTask):
    """The aftercare PDF job's limits and retries; a failure shows on the document."""

    abstract = True
    soft_time_limit = RENDER_SOFT_TIME_LIMIT
    time_limit = RENDER_TIME_LIMIT
    autoretry_for = (ConnectionError, TimeoutError, OperationalError, InterfaceError)  # type: ignore[assignment]
    max_retries = 3
    retry_backoff_max = 60

    def before_start(self, task_id: str, args: Any, kwargs: Any) -> None:
        if _document_ids_given(kwargs):
            documents.document_mark_started(
                clinic_id=kwargs["clinic_id"], document_id=kwargs["document_id"]
            )

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if _document_ids_given(kwargs):
            documents.document_mark_failed(
                clinic_id=kwargs["clinic_id"],
                document_id=kwargs["document_id"],
                error_code=error_code_for(exc),
            )


@shared_task(base=PatientDocumentTask, name="interop.render_patient_document")
def render_patient_document(*, clinic_id: int, document_id: int) -> None:
    documents.document_render(clinic_id=clinic_id, document_id=document_id)
