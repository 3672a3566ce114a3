"""Reads for the FHIR API: a patient's records by resource type, the owner of a resource id,
the recipient behind a token and the consent that covers a disclosure."""

import datetime
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404

from aftercare.models import AftercarePlan
from iop.models import (
    ApiToken,
    Clinic,
    Coverage,
    Diagnosis,
    Enrollment,
    Medication,
    Patient,
    Track,
)
from progress.models import Measure
from scheduling.ledger import ATTENDED
from scheduling.models import Attendance
from therapy.models import TreatmentPlan

from .fhir import LOINC_CODES
from .models import (
    BulkExport,
    BulkExportFile,
    Recipient,
    RecipientConsent,
    WebhookDelivery,
    WebhookSubscription,
)

MEASURE_ID = re.compile(r"m(\d{1,18})(?:-(?:total|\d{1,2}))?")
PLAN_ID = re.compile(r"(tp|ac)(\d{1,18})")
NUMBER_ID = re.compile(r"\d{1,18}")


@dataclass
class PatientRecords:
    """One patient's rows, loaded for the resource types asked for (others stay empty).
    The diagnoses are always loaded: they decide whether the records are Part 2 records."""

    patient: Patient
    diagnoses: list[Diagnosis]
    enrollments: list[Enrollment] = field(default_factory=list)
    attendances: list[Attendance] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    treatment_plans: list[TreatmentPlan] = field(default_factory=list)
    aftercare_plans: list[AftercarePlan] = field(default_factory=list)
    coverages: list[Coverage] = field(default_factory=list)
    consents: list[RecipientConsent] = field(default_factory=list)

    def read_rows(self, types: Collection[str]) -> list[Any]:
        """Every row the resources of these types were built from, for the audit trail."""
        rows: list[Any] = [self.patient]
        if "Condition" in types:
            rows += self.diagnoses
        return [
            *rows, *self.enrollments, *self.attendances, *self.medications, *self.measures,
            *self.treatment_plans, *self.aftercare_plans, *self.coverages, *self.consents,
        ]  # fmt: skip

    def narrow(self, resource_type: str, resource_id: str) -> None:
        """Keep only the row behind one resource (after the Part 2 decision, which reads
        every diagnosis)."""
        keep = _row_filter(resource_type, resource_id)
        for name in LISTS:
            setattr(self, name, [row for row in getattr(self, name) if keep(name, row)])


LISTS = (
    "diagnoses", "enrollments", "attendances", "medications", "measures", "treatment_plans",
    "aftercare_plans", "coverages", "consents",
)  # fmt: skip
LIST_OF_TYPE = {
    "EpisodeOfCare": "enrollments",
    "Encounter": "attendances",
    "Condition": "diagnoses",
    "MedicationStatement": "medications",
    "Coverage": "coverages",
    "Consent": "consents",
}


def _row_filter(resource_type: str, resource_id: str) -> Any:
    if resource_type in ("Observation", "QuestionnaireResponse"):
        match = MEASURE_ID.fullmatch(resource_id)
        pk = int(match[1]) if match else None
        return lambda name, row: name == "measures" and row.pk == pk
    if resource_type == "CarePlan":
        match = PLAN_ID.fullmatch(resource_id)
        wanted = {"tp": "treatment_plans", "ac": "aftercare_plans"}.get(match[1]) if match else None
        pk = int(match[2]) if match else None
        return lambda name, row: name == wanted and row.pk == pk
    wanted_list = LIST_OF_TYPE.get(resource_type)
    number = int(resource_id) if NUMBER_ID.fullmatch(resource_id) else None
    return lambda name, row: name == wanted_list and row.pk == number


def patient_records(
    *, clinic: Clinic, patient_id: int, types: Collection[str]
) -> PatientRecords | None:
    patient = Patient.objects.filter(clinic=clinic, pk=patient_id).first()
    if patient is None:
        return None
    mine = {"clinic": clinic, "patient": patient}
    records = PatientRecords(
        patient=patient, diagnoses=list(Diagnosis.objects.filter(**mine).order_by("id"))
    )
    if "EpisodeOfCare" in types:
        records.enrollments = list(Enrollment.objects.filter(**mine).order_by("id"))
    if "Encounter" in types:
        records.attendances = list(
            Attendance.objects.filter(**mine, status__in=ATTENDED)
            .select_related("session")
            .order_by("starts_at", "id")
        )
    if "MedicationStatement" in types:
        records.medications = list(Medication.objects.filter(**mine).order_by("id"))
    if "Observation" in types or "QuestionnaireResponse" in types:
        records.measures = list(
            Measure.objects.filter(**mine, instrument__in=list(LOINC_CODES)).order_by(
                "administered_on", "id"
            )
        )
    if "CarePlan" in types:
        records.treatment_plans = list(TreatmentPlan.objects.filter(**mine).order_by("id"))
        records.aftercare_plans = list(AftercarePlan.objects.filter(**mine).order_by("id"))
    if "Coverage" in types:
        records.coverages = list(Coverage.objects.filter(**mine).order_by("id"))
    if "Consent" in types:
        records.consents = list(
            RecipientConsent.objects.filter(**mine).select_related("recipient").order_by("id")
        )
    return records


def owner_of(*, clinic: Clinic, resource_type: str, resource_id: str) -> int | None:
    """The patient a resource id belongs to, in this clinic (None: no such resource)."""
    scoped: Any = None
    if resource_type in ("Observation", "QuestionnaireResponse"):
        match = MEASURE_ID.fullmatch(resource_id)
        if match:
            scoped = Measure.objects.filter(pk=int(match[1]), instrument__in=list(LOINC_CODES))
    elif resource_type == "CarePlan":
        match = PLAN_ID.fullmatch(resource_id)
        if match:
            model = TreatmentPlan if match[1] == "tp" else AftercarePlan
            scoped = model.objects.filter(pk=int(match[2]))
    elif NUMBER_ID.fullmatch(resource_id):
        pk = int(resource_id)
        if resource_type == "Patient":
            return pk
        scoped = {
            "EpisodeOfCare": Enrollment.objects.filter(pk=pk),
            "Encounter": Attendance.objects.filter(pk=pk, status__in=ATTENDED),
            "Condition": Diagnosis.objects.filter(pk=pk),
            "MedicationStatement": Medication.objects.filter(pk=pk),
            "Coverage": Coverage.objects.filter(pk=pk),
            "Consent": RecipientConsent.objects.filter(pk=pk),
        }.get(resource_type)
    if scoped is None:
        return None
    found: int | None = scoped.filter(clinic=clinic).values_list("patient_id", flat=True).first()
    return found


def recipient_for(*, clinic: Clinic, token: object) -> Recipient | None:
    """The outside organisation a token was issued to (None: the clinic's own client)."""
    if not isinstance(token, ApiToken):
        return None
    return Recipient.objects.filter(clinic=clinic, token=token).first()


def covering_consent(
    *,
    clinic: Clinic,
    patient: Patient,
    recipient: Recipient,
    categories: Collection[str],
    today: datetime.date,
) -> RecipientConsent | None:
    """The patient's consent in force today that lets this recipient have all of these kinds
    of information (the latest signed, when several do)."""
    return (
        RecipientConsent.objects.filter(
            clinic=clinic,
            patient=patient,
            recipient=recipient,
            revoked_at__isnull=True,
            signed_on__lte=today,
            expires_on__gte=today,
            categories__contains=sorted(categories),
        )
        .select_related("recipient")
        .order_by("-signed_on", "-id")
        .first()
    )


def webhook_get(*, clinic: Clinic, subscription_id: int) -> WebhookSubscription:
    found = WebhookSubscription.objects.filter(clinic=clinic, pk=subscription_id).first()
    if found is None:
        raise Http404("No such webhook.")
    return found


def deliveries_for(*, clinic: Clinic, subscription_id: int | None = None) -> Any:
    rows = WebhookDelivery.objects.filter(clinic=clinic)
    if subscription_id is not None:
        rows = rows.filter(subscription_id=subscription_id)
    return rows.order_by("-created_at", "-id")


def delivery_get(*, clinic: Clinic, delivery_id: int) -> WebhookDelivery:
    found = (
        WebhookDelivery.objects.filter(clinic=clinic, pk=delivery_id)
        .select_related("subscription")
        .first()
    )
    if found is None:
        raise Http404("No such delivery.")
    return found


def track_for_group(*, clinic: Clinic, group_id: str) -> Track | None:
    """A FHIR Group here is a track: the patients enrolled in it."""
    if not NUMBER_ID.fullmatch(group_id):
        return None
    return Track.objects.filter(clinic=clinic, pk=int(group_id)).first()


def bulk_export_get(*, clinic: Clinic, export_id: int) -> BulkExport | None:
    return BulkExport.objects.filter(clinic=clinic, pk=export_id).first()


def bulk_export_files(*, clinic: Clinic, job: BulkExport) -> list[BulkExportFile]:
    return list(
        BulkExportFile.objects.filter(clinic=clinic, export=job)
        .defer("content")
        .order_by("resource_type")
    )


def bulk_export_file(
    *, clinic: Clinic, export_id: int, resource_type: str
) -> BulkExportFile | None:
    return (
        BulkExportFile.objects.filter(
            clinic=clinic, export_id=export_id, resource_type=resource_type
        )
        .select_related("export")
        .first()
    )
