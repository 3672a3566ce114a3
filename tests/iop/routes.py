"""Enumerating the product's routes, for the sweeps that must cover routes added later."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from iop.roles import Role
from tests.conftest import Tenant

CLINIC_PREFIX = "c/<slug:clinic_slug>/"


@dataclass(frozen=True)
class Route:
    name: str
    template: str  # e.g. "c/<slug:clinic_slug>/patients/<int:patient_id>/"
    callback: object

    @property
    def kwargs(self) -> list[str]:
        import re

        return re.findall(r"<(?:\w+:)?(\w+)>", self.template)

    def url(self, **values: object) -> str:
        import re

        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), self.template)


def _walk(patterns: list, prefix: str = "") -> Iterator[Route]:  # type: ignore[type-arg]
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(
                name=entry.name or "", template=prefix + str(entry.pattern), callback=entry.callback
            )


def clinic_routes() -> list[Route]:
    """Every browser page under /c/<slug>/ — the tenant's part of the site."""
    return [r for r in _walk(get_resolver().url_patterns) if r.template.startswith(CLINIC_PREFIX)]


FHIR_PREFIX = "fhir/R4/"


def fhir_routes() -> list[Route]:
    """Every route of the FHIR API under /fhir/R4/ (reads, searches, $everything)."""
    return [r for r in _walk(get_resolver().url_patterns) if r.template.startswith(FHIR_PREFIX)]


def fhir_ids(tenant: Tenant) -> dict[str, str]:
    """One resource id of the tenant per FHIR resource type (the route's type is in its name,
    `fhir-<Type>-read`; `$everything` takes a Patient's)."""
    records = tenant.records
    return {
        "Patient": str(tenant.patient.pk),
        "EpisodeOfCare": str(records["enrollment_id"].pk),
        "Encounter": str(records["encounter_attendance_id"].pk),
        "Condition": str(records["diagnosis_id"].pk),
        "MedicationStatement": str(records["medication_id"].pk),
        "Observation": f"m{records['measure_id'].pk}-total",
        "QuestionnaireResponse": f"m{records['measure_id'].pk}",
        "CarePlan": f"tp{records['treatment_plan_id'].pk}",
        "Coverage": str(records["coverage_id"].pk),
        "Consent": str(records["recipient_consent_id"].pk),
        "Group": str(records["track_id"].pk),  # a FHIR Group is a track
    }


def fhir_values(tenant: Tenant, route: Route) -> dict[str, str]:
    """The tenant's own values for a FHIR route's URL parameters."""
    resource_type = fhir_type(route)
    return {
        "resource_id": fhir_ids(tenant).get(resource_type, ""),
        "export_id": str(tenant.records["bulk_export_id"].pk),
        "resource_type": "Patient",
    }


def fhir_type(route: Route) -> str:
    """The resource type a FHIR route is about (`fhir-<Type>-read`, `fhir-<Type>-search`)."""
    special = {"fhir-patient-everything": "Patient", "fhir-export-group": "Group"}
    return special.get(route.name, route.name.split("-")[1])


def api_ids(tenant: Tenant) -> dict[str, int]:
    """One object of the tenant per API collection (the path segment after /api/v1/)."""
    return {
        "patients": tenant.patient.pk,
        "sites": tenant.site.pk,
        "staff": tenant.members[Role.THERAPIST].pk,
        "diagnoses": tenant.records["diagnosis_id"].pk,
        "medications": tenant.records["medication_id"].pk,
        "coverages": tenant.records["coverage_id"].pk,
        "payment-plans": tenant.records["payment_plan_id"].pk,
        "authorizations": tenant.records["authorization_id"].pk,
        "enrollments": tenant.records["enrollment_id"].pk,
        "inquiries": tenant.records["inquiry_id"].pk,
        "sessions": tenant.records["session_id"].pk,
        "tracks": tenant.records["track_id"].pk,
        "topics": tenant.records["topic_id"].pk,
        "missed-sessions": tenant.records["missed_id"].pk,
        # --- aftercare ---
        "aftercare-plans": tenant.records["aftercare_plan_id"].pk,
        "aftercare-pdfs": tenant.records["aftercare_pdf_id"].pk,
        "follow-ups": tenant.records["follow_up_id"].pk,
        # --- progress app
        "check-ins": tenant.records["check_in_id"].pk,
        "drug-test-panels": tenant.records["panel_id"].pk,
        "drug-tests": tenant.records["drug_test_id"].pk,
        "random-selections": tenant.records["random_selection_id"].pk,
        "recollection-tasks": tenant.records["recollection_task_id"].pk,
        "medication-expectations": tenant.records["expectation_id"].pk,
        "measures": tenant.records["measure_id"].pk,
        "safety-tasks": tenant.records["safety_task_id"].pk,
        # --- family app
        "family-members": tenant.records["family_member_id"].pk,
        "family-consents": tenant.records["family_consent_id"].pk,
        "family-sessions": tenant.records["family_session_id"].pk,
        "family-participants": tenant.records["family_participant_id"].pk,
        # --- therapy
        "therapy-availability": tenant.records["availability_id"].pk,
        "therapy-blocks": tenant.records["block_id"].pk,
        "individual-sessions": tenant.records["therapy_session_id"].pk,
        "treatment-plans": tenant.records["treatment_plan_id"].pk,
        "progress-notes": tenant.records["note_id"].pk,
        # --- billing
        "payers": tenant.records["payer_id"].pk,
        "billing-providers": tenant.records["billing_provider_id"].pk,
        "claims": tenant.records["claim_id"].pk,
        "claim-files": tenant.records["claim_file_id"].pk,
        # --- interop
        "webhooks": tenant.records["webhook_id"].pk,
        "webhook-deliveries": tenant.records["webhook_delivery_id"].pk,
    }
