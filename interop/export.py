"""A patient's records as FHIR resources, and the Bundles they travel in."""

import datetime
import uuid
from collections.abc import Collection
from typing import Any

from iop import clock
from iop.models import Clinic

from . import fhir
from .selectors import PatientRecords


def resources(
    records: PatientRecords,
    *,
    clinic: Clinic,
    types: Collection[str],
    labels: fhir.Labels,
    today: datetime.date,
) -> list[dict[str, Any]]:
    """The resources of these types built from the loaded rows, Patient first."""
    built: list[dict[str, Any]] = []
    if "Patient" in types:
        built.append(fhir.patient(records.patient, clinic, labels))
    if "EpisodeOfCare" in types:
        built += [fhir.episode_of_care(row, labels) for row in records.enrollments]
    if "Encounter" in types:
        built += [fhir.encounter(row, labels) for row in records.attendances]
    if "Condition" in types:
        built += [fhir.condition(row, labels) for row in records.diagnoses]
    if "MedicationStatement" in types:
        built += [fhir.medication_statement(row, labels, today) for row in records.medications]
    for measure in records.measures:
        if "Observation" in types:
            built += fhir.observations(measure, labels)
        if "QuestionnaireResponse" in types:
            built.append(fhir.questionnaire_response(measure, labels))
    if "CarePlan" in types:
        built += [fhir.treatment_care_plan(row, labels) for row in records.treatment_plans]
        built += [fhir.aftercare_care_plan(row, labels) for row in records.aftercare_plans]
    if "Coverage" in types:
        built += [fhir.coverage(row, labels) for row in records.coverages]
    if "Consent" in types:
        built += [fhir.consent(row, labels, today) for row in records.consents]
    return built


def bundle(
    entries: list[dict[str, Any]], *, base_url: str, kind: str, labels: fhir.Labels | None = None
) -> dict[str, Any]:
    """A `searchset` or `collection` Bundle of these resources; a Part 2 Bundle carries the
    labels (and outside the clinic the notice) itself too."""
    result: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": uuid.uuid4().hex,
        "type": kind,
        "timestamp": clock.now().isoformat(),
    }
    meta = labels.meta() if labels is not None else {}
    if meta:
        result["meta"] = meta
    if kind == "searchset":
        result["total"] = len(entries)
    if not entries:
        return result
    result["entry"] = [
        {
            "fullUrl": f"{base_url}{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            **({"search": {"mode": "match"}} if kind == "searchset" else {}),
        }
        for resource in entries
    ]
    return result
