"""Least privilege, pinned: each role × each page and endpoint → allowed or refused, as
DESIGN.md §4 says. The expectations are written out here, not derived from the code's own
table, and every clinic page / API operation must appear (new ones fail until added)."""

import re

import pytest

from iop import services as core
from iop.roles import Role
from iop.tenancy import clinic_context
from tests.conftest import Tenant
from tests.iop.routes import clinic_routes, fhir_routes, fhir_type, fhir_values
from tests.iop.test_isolation_sweep import api_ids

ALL = set(Role.values)
ADMIN = {Role.ADMIN}
DEMOGRAPHICS_WRITERS = {Role.ADMIN, Role.CASE_MANAGER, Role.FRONT_DESK}
AUDIT_READERS = {Role.ADMIN, Role.AUDITOR}
CLINICAL_WRITERS = {Role.THERAPIST, Role.CASE_MANAGER}
SCHEDULERS = {Role.ADMIN, Role.THERAPIST, Role.CASE_MANAGER, Role.FRONT_DESK}
CLINICAL_READERS = {Role.ADMIN, Role.THERAPIST, Role.CASE_MANAGER, Role.AUDITOR}
MEDICATION_READERS = CLINICAL_READERS | {Role.NURSE}
ENROLLMENT_MANAGERS = {Role.ADMIN, Role.CASE_MANAGER}
INTAKE_READERS = {Role.ADMIN, Role.THERAPIST, Role.CASE_MANAGER, Role.FRONT_DESK, Role.AUDITOR}
INTAKE_MANAGERS = {Role.ADMIN, Role.THERAPIST, Role.CASE_MANAGER, Role.FRONT_DESK}
# Diagnoses: clinical readers who also write (front desk and nurses never see them).
DIAGNOSIS_EDITORS = CLINICAL_WRITERS

# page name → roles that may open it (GET; token-revoke is POST-only)
PAGES: dict[str, set[str]] = {
    "clinic-home": ALL,
    "patient-list": ALL,
    "patient-search": ALL,
    "patient-create": DEMOGRAPHICS_WRITERS,
    "patient-chart": ALL,
    "patient-edit": DEMOGRAPHICS_WRITERS,
    "diagnoses-create": DIAGNOSIS_EDITORS,
    "diagnoses-edit": DIAGNOSIS_EDITORS,
    "medications-create": CLINICAL_WRITERS,
    "medications-edit": CLINICAL_WRITERS,
    "coverages-create": DEMOGRAPHICS_WRITERS,
    "coverages-edit": DEMOGRAPHICS_WRITERS,
    "payment-plans-create": DEMOGRAPHICS_WRITERS,
    "payment-plans-edit": DEMOGRAPHICS_WRITERS,
    "authorizations-create": DEMOGRAPHICS_WRITERS,
    "authorizations-edit": DEMOGRAPHICS_WRITERS,
    "enrollment-create": ENROLLMENT_MANAGERS,
    "enrollment-edit": ENROLLMENT_MANAGERS,
    "enrollment-status": ENROLLMENT_MANAGERS,
    "enrollment-extend": ENROLLMENT_MANAGERS,
    "roster": ALL,
    "sign-in-sheet": ALL,
    "makeup-queue": ALL,
    "makeup-detail": ALL,
    "makeup-decide": SCHEDULERS,
    "notifications-read": ALL,
    "notification-list": ALL,
    "notification-open": ALL,
    "notification-read": ALL,
    "weekly-hours": ALL,
    "track-list": ALL,
    "track-create": ADMIN,
    "track-edit": ADMIN,
    "room-create": ADMIN,
    "closure-create": ADMIN,
    "attendance-mark": SCHEDULERS,
    "attendance-times": SCHEDULERS,
    "walk-in": SCHEDULERS,
    "mark-remaining": SCHEDULERS,
    "session-topic": SCHEDULERS,
    "my-calendar": ALL,
    "group-note": {Role.THERAPIST},
    "curriculum": ALL,
    "group-type-create": ADMIN,
    "group-type-edit": ADMIN,
    "topic-create": ADMIN,
    "topic-edit": ADMIN,
    "patient-calendar": DEMOGRAPHICS_WRITERS,
    "intake-board": INTAKE_READERS,
    "inquiry-create": INTAKE_MANAGERS,
    "inquiry-detail": INTAKE_READERS,
    "inquiry-edit": INTAKE_MANAGERS,
    "inquiry-schedule": INTAKE_MANAGERS,
    "inquiry-status": INTAKE_MANAGERS,
    "inquiry-admit": ENROLLMENT_MANAGERS,
    "staff-list": ALL,
    "staff-invite": ADMIN,
    "staff-edit": ADMIN,
    "site-list": ALL,
    "site-create": ADMIN,
    "site-edit": ADMIN,
    "clinic-settings": ADMIN,
    "token-list": ADMIN,
    "token-revoke": ADMIN,
    "audit-list": AUDIT_READERS,
    "audit-export": AUDIT_READERS,
    # --- aftercare: clinical readers read; therapists and case managers write ---
    "aftercare-plan-create": CLINICAL_WRITERS,
    "aftercare-plan": CLINICAL_READERS,
    "aftercare-plan-edit": CLINICAL_WRITERS,
    "aftercare-plan-transition": CLINICAL_WRITERS,
    "aftercare-plan-revise": CLINICAL_WRITERS,
    "aftercare-pdf-request": CLINICAL_WRITERS,
    "aftercare-pdf-status": CLINICAL_READERS,
    "aftercare-pdf-download": CLINICAL_READERS,
    "aftercare-pdf-retry": CLINICAL_WRITERS,
    "follow-up-list": CLINICAL_READERS,
    "follow-up-edit": CLINICAL_WRITERS,
}
POST_ONLY = {
    "makeup-decide",
    "notifications-read",
    "notification-open",
    "notification-read",
    "token-revoke",
    "patient-calendar",
    "attendance-mark",
    "walk-in",
    "mark-remaining",
    "room-create",
    "closure-create",
    "session-topic",
    # --- aftercare ---
    "aftercare-plan-transition",
    "aftercare-plan-revise",
    "aftercare-pdf-request",
    "aftercare-pdf-retry",
}

# (method, path template) → roles allowed
API: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/me"): ALL,
    ("GET", "/api/v1/staff/"): ALL,
    ("POST", "/api/v1/staff/"): ADMIN,
    ("GET", "/api/v1/staff/{id}/"): ALL,
    ("PATCH", "/api/v1/staff/{id}/"): ADMIN,
    ("GET", "/api/v1/sites/"): ALL,
    ("POST", "/api/v1/sites/"): ADMIN,
    ("GET", "/api/v1/sites/{id}/"): ALL,
    ("PUT", "/api/v1/sites/{id}/"): ADMIN,
    ("PATCH", "/api/v1/sites/{id}/"): ADMIN,
    ("GET", "/api/v1/patients/"): ALL,
    ("POST", "/api/v1/patients/"): DEMOGRAPHICS_WRITERS,
    ("GET", "/api/v1/patients/{id}/"): ALL,
    ("PUT", "/api/v1/patients/{id}/"): DEMOGRAPHICS_WRITERS,
    ("PATCH", "/api/v1/patients/{id}/"): DEMOGRAPHICS_WRITERS,
    ("GET", "/api/v1/audit-events/"): AUDIT_READERS,
    # Everyone's own notifications (iop.selectors.notification_list).
    ("GET", "/api/v1/notifications/"): ALL,
    ("POST", "/api/v1/notifications/read"): ALL,
    **{
        (method, f"/api/v1/{collection}/{suffix}"): roles
        for collection, read, write in [
            ("diagnoses", CLINICAL_READERS, CLINICAL_WRITERS),
            ("medications", MEDICATION_READERS, CLINICAL_WRITERS),
            ("coverages", ALL, DEMOGRAPHICS_WRITERS),
            ("payment-plans", ALL, DEMOGRAPHICS_WRITERS),
            ("authorizations", ALL, DEMOGRAPHICS_WRITERS),
            ("enrollments", ALL, ENROLLMENT_MANAGERS),
            ("inquiries", INTAKE_READERS, INTAKE_MANAGERS),
        ]
        for method, suffix, roles in [
            ("GET", "", read),
            ("POST", "", write),
            ("GET", "{id}/", read),
            ("PATCH", "{id}/", write),
        ]
    },
    ("POST", "/api/v1/enrollments/{id}/transition"): ENROLLMENT_MANAGERS,
    ("POST", "/api/v1/enrollments/{id}/extensions"): ENROLLMENT_MANAGERS,
    ("POST", "/api/v1/inquiries/{id}/status"): INTAKE_MANAGERS,
    ("POST", "/api/v1/inquiries/{id}/admit"): ENROLLMENT_MANAGERS,
    ("GET", "/api/v1/tracks/"): ALL,
    ("POST", "/api/v1/tracks/"): ADMIN,
    ("GET", "/api/v1/tracks/{id}/"): ALL,
    ("PATCH", "/api/v1/tracks/{id}/"): ADMIN,
    ("GET", "/api/v1/rooms/"): ALL,
    ("POST", "/api/v1/rooms/"): ADMIN,
    ("GET", "/api/v1/closures/"): ALL,
    ("POST", "/api/v1/closures/"): ADMIN,
    ("GET", "/api/v1/sessions/"): ALL,
    ("GET", "/api/v1/sessions/{id}/"): ALL,
    ("GET", "/api/v1/sessions/{id}/attendance"): ALL,
    ("POST", "/api/v1/sessions/{id}/attendance"): SCHEDULERS,
    ("GET", "/api/v1/group-types/"): ALL,
    ("POST", "/api/v1/group-types/"): ADMIN,
    ("GET", "/api/v1/topics/"): ALL,
    ("POST", "/api/v1/topics/"): ADMIN,
    ("PATCH", "/api/v1/topics/{id}/"): ADMIN,
    ("GET", "/api/v1/hours/"): ALL,
    ("GET", "/api/v1/missed-sessions/"): ALL,
    ("GET", "/api/v1/missed-sessions/{id}/"): ALL,
    ("POST", "/api/v1/missed-sessions/{id}/accept"): SCHEDULERS,
    ("POST", "/api/v1/missed-sessions/{id}/waive"): SCHEDULERS,
    ("GET", "/api/v1/sessions/{id}/note"): {
        Role.ADMIN,
        Role.THERAPIST,
        Role.CASE_MANAGER,
        Role.AUDITOR,
    },
    ("PUT", "/api/v1/sessions/{id}/note"): {Role.THERAPIST},
    ("POST", "/api/v1/sessions/{id}/note/sign"): {Role.THERAPIST},
    # --- aftercare: clinical readers read; therapists and case managers write ---
    ("GET", "/api/v1/aftercare-plans/"): CLINICAL_READERS,
    ("POST", "/api/v1/aftercare-plans/"): CLINICAL_WRITERS,
    ("GET", "/api/v1/aftercare-plans/{id}/"): CLINICAL_READERS,
    ("PATCH", "/api/v1/aftercare-plans/{id}/"): CLINICAL_WRITERS,
    ("POST", "/api/v1/aftercare-plans/{id}/transition"): CLINICAL_WRITERS,
    ("POST", "/api/v1/aftercare-plans/{id}/revise"): CLINICAL_WRITERS,
    ("POST", "/api/v1/aftercare-plans/{id}/pdf"): CLINICAL_WRITERS,
    ("GET", "/api/v1/aftercare-pdfs/{id}"): CLINICAL_READERS,
    ("POST", "/api/v1/aftercare-pdfs/{id}/retry"): CLINICAL_WRITERS,
    ("GET", "/api/v1/aftercare-pdfs/{id}/file"): CLINICAL_READERS,
    ("GET", "/api/v1/follow-ups/"): CLINICAL_READERS,
    ("GET", "/api/v1/follow-ups/{id}/"): CLINICAL_READERS,
    ("PATCH", "/api/v1/follow-ups/{id}/"): CLINICAL_WRITERS,
}

# --- progress app: check-ins, ratings, drug tests, measures, safety tasks, caseload ---------
# Test results are clinical: the front desk never reads them; only nurses/techs record them.
TEST_READERS = CLINICAL_READERS | {Role.NURSE}
TEST_RECORDERS = {Role.NURSE}
TEST_REVIEWERS = {Role.THERAPIST, Role.CASE_MANAGER}
API.update(
    {
        ("GET", "/api/v1/check-ins/"): CLINICAL_READERS,
        ("POST", "/api/v1/check-ins/"): CLINICAL_WRITERS,
        ("GET", "/api/v1/check-ins/{id}/"): CLINICAL_READERS,
        ("GET", "/api/v1/daily-ratings/"): CLINICAL_READERS,
        ("POST", "/api/v1/daily-ratings/"): CLINICAL_WRITERS,
        ("GET", "/api/v1/drug-test-panels/"): TEST_READERS,
        ("POST", "/api/v1/drug-test-panels/"): ADMIN,
        ("GET", "/api/v1/drug-test-panels/{id}/"): TEST_READERS,
        ("GET", "/api/v1/drug-tests/"): TEST_READERS,
        ("POST", "/api/v1/drug-tests/"): TEST_RECORDERS,
        ("GET", "/api/v1/drug-tests/{id}/"): TEST_READERS,
        ("POST", "/api/v1/drug-tests/{id}/collection"): TEST_RECORDERS,
        ("POST", "/api/v1/drug-tests/{id}/results"): TEST_RECORDERS,
        ("POST", "/api/v1/drug-tests/{id}/review"): TEST_REVIEWERS,
        ("GET", "/api/v1/random-selections/"): TEST_READERS,
        ("POST", "/api/v1/random-selections/"): TEST_RECORDERS,
        ("GET", "/api/v1/random-selections/{id}/"): TEST_READERS,
        ("GET", "/api/v1/recollection-tasks/"): TEST_READERS,
        ("GET", "/api/v1/recollection-tasks/{id}/"): TEST_READERS,
        ("POST", "/api/v1/recollection-tasks/{id}/close"): TEST_RECORDERS,
        ("GET", "/api/v1/validity-criteria/"): TEST_READERS,
        ("GET", "/api/v1/medication-expectations/"): TEST_READERS,
        ("POST", "/api/v1/medication-expectations/"): ADMIN,
        ("GET", "/api/v1/medication-expectations/{id}/"): TEST_READERS,
        ("PATCH", "/api/v1/medication-expectations/{id}/"): ADMIN,
        ("GET", "/api/v1/instruments/"): CLINICAL_READERS,
        ("GET", "/api/v1/measures/"): CLINICAL_READERS,
        ("POST", "/api/v1/measures/"): CLINICAL_WRITERS,
        ("GET", "/api/v1/measures/{id}/"): CLINICAL_READERS,
        ("GET", "/api/v1/safety-tasks/"): CLINICAL_READERS,
        ("GET", "/api/v1/safety-tasks/{id}/"): CLINICAL_READERS,
        ("POST", "/api/v1/safety-tasks/{id}/close"): CLINICAL_WRITERS,
        ("GET", "/api/v1/caseload/"): CLINICAL_READERS,
        ("GET", "/api/v1/patients/{id}/progress"): CLINICAL_READERS,
    }
)
PAGES.update(
    {
        "caseload": CLINICAL_READERS,
        "patient-progress": CLINICAL_READERS,
        "measure-create": CLINICAL_WRITERS,
        "check-in-create": CLINICAL_WRITERS,
        "rating-create": CLINICAL_WRITERS,
        "safety-task-close": CLINICAL_WRITERS,
        "drug-test-order": TEST_RECORDERS,
        "drug-test-list": TEST_READERS,
        "random-selection-run": TEST_RECORDERS,
        "drug-test-detail": TEST_READERS,
    }
)
POST_ONLY.add("random-selection-run")
# --- end progress app

# --- family app: family members are demographics (front desk sees names and contact and
# family sessions); consents, what may be shared and disclosures are clinical (the treating
# team and admins manage, auditors read). Nurses/techs have no part in family involvement.
FAMILY_READERS = ALL - {Role.NURSE, Role.BILLING}
FAMILY_MANAGERS = {Role.ADMIN, Role.THERAPIST, Role.CASE_MANAGER}
CONSENT_READERS = FAMILY_MANAGERS | {Role.AUDITOR}
PAGES.update(
    {
        "family-member-create": FAMILY_MANAGERS,
        "family-member-edit": FAMILY_MANAGERS,
        "family-member": FAMILY_READERS,
        "family-consent-create": FAMILY_MANAGERS,
        "family-consent-revoke": FAMILY_MANAGERS,
        "family-share": FAMILY_MANAGERS,
        "family-education-add": FAMILY_MANAGERS,
        "family-session-create": FAMILY_MANAGERS,
        "family-session": FAMILY_READERS,
        "family-participant-mark": FAMILY_MANAGERS,
    }
)
POST_ONLY.update({"family-education-add", "family-participant-mark"})
API.update(
    {
        ("GET", "/api/v1/family-members/"): FAMILY_READERS,
        ("POST", "/api/v1/family-members/"): FAMILY_MANAGERS,
        ("GET", "/api/v1/family-members/{id}/"): FAMILY_READERS,
        ("PATCH", "/api/v1/family-members/{id}/"): FAMILY_MANAGERS,
        ("GET", "/api/v1/family-members/{id}/sharing"): CONSENT_READERS,
        ("GET", "/api/v1/family-consents/"): CONSENT_READERS,
        ("POST", "/api/v1/family-consents/"): FAMILY_MANAGERS,
        ("GET", "/api/v1/family-consents/{id}/"): CONSENT_READERS,
        ("POST", "/api/v1/family-consents/{id}/revoke"): FAMILY_MANAGERS,
        ("GET", "/api/v1/family-disclosures/"): CONSENT_READERS,
        ("POST", "/api/v1/family-disclosures/"): FAMILY_MANAGERS,
        ("GET", "/api/v1/family-sessions/"): FAMILY_READERS,
        ("POST", "/api/v1/family-sessions/"): FAMILY_MANAGERS,
        ("GET", "/api/v1/family-sessions/{id}/"): FAMILY_READERS,
        ("GET", "/api/v1/family-participants/"): FAMILY_READERS,
        ("POST", "/api/v1/family-participants/"): FAMILY_MANAGERS,
        ("GET", "/api/v1/family-participants/{id}/"): FAMILY_READERS,
        ("PATCH", "/api/v1/family-participants/{id}/"): FAMILY_MANAGERS,
    }
)
# --- end family app

# --- billing: billers work the claims; admins set billing up too; auditors read it.
BILLING_READERS = {Role.BILLING, Role.ADMIN, Role.AUDITOR}
BILLING_MANAGERS = {Role.BILLING, Role.ADMIN}
PAGES.update(
    {
        "billing-worklist": BILLING_READERS,
        "billing-setup": BILLING_READERS,
        "billing-payer-create": BILLING_MANAGERS,
        "billing-payer-edit": BILLING_MANAGERS,
        "billing-provider-create": BILLING_MANAGERS,
        "billing-provider-edit": BILLING_MANAGERS,
        "billing-claims": BILLING_READERS,
        "billing-claims-build": BILLING_MANAGERS,
        "billing-claim-transition": BILLING_MANAGERS,
        "billing-file-request": BILLING_MANAGERS,
        "billing-file": BILLING_READERS,
        "billing-file-download": BILLING_READERS,
        "billing-file-csv": BILLING_READERS,
        "billing-remittances": BILLING_READERS,
        "billing-remittance-import": BILLING_MANAGERS,
        "billing-remittance-sample": BILLING_MANAGERS,
        "billing-remittance": BILLING_READERS,
        "billing-denials": BILLING_READERS,
    }
)
POST_ONLY.update({"billing-claims-build", "billing-claim-transition", "billing-file-request",
                  "billing-remittance-import"})  # fmt: skip
API.update(
    {
        ("GET", "/api/v1/claim-readiness/"): BILLING_READERS,
        ("GET", "/api/v1/payers/"): BILLING_READERS,
        ("POST", "/api/v1/payers/"): BILLING_MANAGERS,
        ("GET", "/api/v1/payers/{id}/"): BILLING_READERS,
        ("PATCH", "/api/v1/payers/{id}/"): BILLING_MANAGERS,
        ("GET", "/api/v1/billing-providers/"): BILLING_READERS,
        ("POST", "/api/v1/billing-providers/"): BILLING_MANAGERS,
        ("GET", "/api/v1/billing-providers/{id}/"): BILLING_READERS,
        ("PATCH", "/api/v1/billing-providers/{id}/"): BILLING_MANAGERS,
        ("GET", "/api/v1/payer-consents/"): BILLING_READERS,
        ("POST", "/api/v1/payer-consents/"): BILLING_MANAGERS,
        ("GET", "/api/v1/remittances/"): BILLING_READERS,
        ("POST", "/api/v1/remittances/"): BILLING_MANAGERS,
        ("GET", "/api/v1/denials/"): BILLING_READERS,
        ("GET", "/api/v1/claims/"): BILLING_READERS,
        ("POST", "/api/v1/claims/build"): BILLING_MANAGERS,
        ("GET", "/api/v1/claims/{id}/"): BILLING_READERS,
        ("POST", "/api/v1/claims/{id}/transition"): BILLING_MANAGERS,
        ("GET", "/api/v1/claim-files/"): BILLING_READERS,
        ("GET", "/api/v1/claim-files/{id}/"): BILLING_READERS,
        ("GET", "/api/v1/claim-files/{id}/837"): BILLING_READERS,
        ("GET", "/api/v1/claim-files/{id}/csv"): BILLING_READERS,
    }
)
# --- end billing


def ids(tenant: Tenant) -> dict[str, int]:
    return {
        "patient_id": tenant.patient.pk,
        "site_id": tenant.site.pk,
        "membership_id": tenant.members[Role.THERAPIST].pk,
        "token_id": tenant.token.pk,
        **{name: record.pk for name, record in tenant.records.items()},
    }


def test_every_page_is_in_the_matrix() -> None:
    names = {route.name for route in clinic_routes()}
    assert names == set(PAGES), f"add to PAGES: {names - set(PAGES)}; stale: {set(PAGES) - names}"


@pytest.mark.parametrize("role", Role.values)
def test_pages_by_role(clinic_a: Tenant, role: str) -> None:
    client = clinic_a.client_for(role)
    values = ids(clinic_a)
    # A notification is its recipient's alone: each role opens its own.
    values["notification_id"] = core.notify(
        clinic=clinic_a.clinic, membership_id=clinic_a.members[role].pk,
        message="Matrix", url=f"/c/{clinic_a.clinic.slug}/",
    ).pk  # fmt: skip
    for route in clinic_routes():
        url = route.url(clinic_slug=clinic_a.clinic.slug, **values)
        # token-revoke is POST-only; whether it acted is checked after the loop.
        response = client.post(url) if route.name in POST_ONLY else client.get(url)
        allowed = role in PAGES[route.name]
        if allowed:
            assert response.status_code in (200, 302), f"{role} → {route.name}: {response}"
        else:
            assert response.status_code == 403, f"{role} → {route.name}: {response}"
    with clinic_context(clinic_a.clinic.pk):
        clinic_a.token.refresh_from_db()
    assert (clinic_a.token.revoked_at is not None) == (role in PAGES["token-revoke"])


def test_every_api_operation_is_in_the_matrix(clinic_a: Tenant) -> None:
    schema = clinic_a.client_for().get("/api/schema/", {"format": "json"}).json()
    operations = {
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert operations == set(API), (
        f"missing: {operations - set(API)}; stale: {set(API) - operations}"
    )


@pytest.mark.parametrize("role", Role.values)
def test_api_by_role(clinic_a: Tenant, role: str) -> None:
    from tests import factories

    _, secret = factories.api_token(clinic_a.members[role])
    from django.test import Client

    client = Client(headers={"Authorization": f"Bearer {secret}"})
    for (method, template), roles in API.items():
        path = re.sub(r"{id}", str(_api_id(clinic_a, template)), template)
        response = getattr(client, method.lower())(path, data={}, content_type="application/json")
        if role in roles:
            # Allowed: anything but a refusal (an empty body may well be a 400).
            assert response.status_code not in (401, 403, 404), f"{role} {method} {path}"
        else:
            assert response.status_code == 403, f"{role} {method} {path}: {response.content!r}"
            assert response.json()["error"]["code"] == "permission_denied"


def _api_id(tenant: Tenant, template: str) -> int:
    """The tenant's own object for the collection (registered once, in the isolation sweep)."""
    collection = template.removeprefix("/api/v1/").split("/")[0]
    return api_ids(tenant)[collection] if "{id}" in template else 0


def test_front_desk_never_sees_the_audit_trail_or_admin_pages(clinic_a: Tenant) -> None:
    page = clinic_a.client_for(Role.FRONT_DESK).get(f"/c/{clinic_a.clinic.slug}/")
    html = page.content.decode()
    assert "Audit trail" not in html
    assert "API tokens" not in html
    assert "Clinic settings" not in html


# --- therapy: notes and plans for the treating team; scheduling for schedulers ------------
NOTE_WRITERS = {Role.THERAPIST}
PAGES.update(
    {
        "therapy-home": CLINICAL_READERS,
        "therapy-week": SCHEDULERS,
        "therapy-availability": SCHEDULERS,
        "therapy-schedule": SCHEDULERS,
        "therapy-settings": ADMIN,
        "therapy-session-move": SCHEDULERS,
        "therapy-session-book": SCHEDULERS,
        "therapy-note-write": NOTE_WRITERS,
        "therapy-notes-unsigned": NOTE_WRITERS,
        "therapy-note": CLINICAL_READERS,
        "therapy-note-sign": NOTE_WRITERS,
        "therapy-note-addendum": NOTE_WRITERS,
        "therapy-note-cosign": NOTE_WRITERS,
        "treatment-plan-create": NOTE_WRITERS,
        "treatment-plan": CLINICAL_READERS,
        "treatment-plan-review": NOTE_WRITERS,
        "treatment-plan-acknowledge": NOTE_WRITERS,
    }
)
POST_ONLY |= {
    "therapy-note-sign",
    "therapy-note-addendum",
    "therapy-note-cosign",
    "treatment-plan-create",
    "treatment-plan-review",
    "treatment-plan-acknowledge",
}
API.update(
    {
        ("GET", "/api/v1/therapy-availability/"): ALL,
        ("POST", "/api/v1/therapy-availability/"): SCHEDULERS,
        ("GET", "/api/v1/therapy-availability/{id}/"): ALL,
        ("DELETE", "/api/v1/therapy-availability/{id}/"): SCHEDULERS,
        ("GET", "/api/v1/therapy-blocks/"): SCHEDULERS,
        ("POST", "/api/v1/therapy-blocks/"): SCHEDULERS,
        ("GET", "/api/v1/therapy-blocks/{id}/"): SCHEDULERS,
        ("DELETE", "/api/v1/therapy-blocks/{id}/"): SCHEDULERS,
        ("GET", "/api/v1/interventions/"): ALL,
        ("POST", "/api/v1/interventions/"): ADMIN,
        ("GET", "/api/v1/individual-sessions/proposals"): SCHEDULERS,
        ("POST", "/api/v1/individual-sessions/book"): SCHEDULERS,
        ("POST", "/api/v1/individual-sessions/{id}/move"): SCHEDULERS,
        ("GET", "/api/v1/treatment-plans/"): CLINICAL_READERS,
        ("POST", "/api/v1/treatment-plans/"): NOTE_WRITERS,
        ("GET", "/api/v1/treatment-plans/{id}/"): CLINICAL_READERS,
        ("POST", "/api/v1/treatment-plans/{id}/problems"): NOTE_WRITERS,
        ("POST", "/api/v1/treatment-plans/{id}/goals"): NOTE_WRITERS,
        ("POST", "/api/v1/treatment-plans/{id}/objectives"): NOTE_WRITERS,
        ("POST", "/api/v1/treatment-plans/{id}/interventions"): NOTE_WRITERS,
        ("POST", "/api/v1/treatment-plans/{id}/review"): NOTE_WRITERS,
        ("POST", "/api/v1/treatment-plans/{id}/acknowledge"): NOTE_WRITERS,
        ("GET", "/api/v1/progress-notes/"): CLINICAL_READERS,
        ("POST", "/api/v1/progress-notes/"): NOTE_WRITERS,
        ("GET", "/api/v1/progress-notes/{id}/"): CLINICAL_READERS,
        ("PATCH", "/api/v1/progress-notes/{id}/"): NOTE_WRITERS,
        ("POST", "/api/v1/progress-notes/{id}/sign"): NOTE_WRITERS,
        ("POST", "/api/v1/progress-notes/{id}/addenda"): NOTE_WRITERS,
        ("POST", "/api/v1/progress-notes/{id}/cosign"): NOTE_WRITERS,
    }
)
# --- end therapy

# --- reports: aggregates drawn from charts, for the clinical readers; definitions for admins
REPORT_NAMES = ("census", "stays", "attendance", "outcomes")
PAGES.update(
    {"report-index": CLINICAL_READERS, "report-settings": ADMIN}
    | {f"report-{name}": CLINICAL_READERS for name in REPORT_NAMES}
    | {f"report-{name}-csv": CLINICAL_READERS for name in REPORT_NAMES}
    | {f"report-{name}-pdf": CLINICAL_READERS for name in REPORT_NAMES}
    | {"report-pdf": CLINICAL_READERS, "report-pdf-file": CLINICAL_READERS}
)
POST_ONLY.update({f"report-{name}-pdf" for name in REPORT_NAMES})
API.update({("GET", f"/api/v1/reports/{name}"): CLINICAL_READERS for name in REPORT_NAMES})
# --- end reports

# --- interop: documents printed for the patient; the schedule is the schedulers', a consent's
# form is the consent managers' (the family app's), status and file likewise by kind.
PAGES.update(
    {
        "patient-schedule-print": SCHEDULERS,
        "family-consent-form-print": FAMILY_MANAGERS,
        "patient-document-status": SCHEDULERS,  # the tenant's document is a schedule
        "patient-document-download": SCHEDULERS,
    }
)
POST_ONLY.update({"patient-schedule-print", "family-consent-form-print"})
# --- interop: webhooks are the clinic admin's
API.update(
    {
        ("GET", "/api/v1/webhooks/"): ADMIN,
        ("POST", "/api/v1/webhooks/"): ADMIN,
        ("GET", "/api/v1/webhooks/{id}/"): ADMIN,
        ("POST", "/api/v1/webhooks/{id}/resume"): ADMIN,
        ("GET", "/api/v1/webhook-deliveries/"): ADMIN,
        ("GET", "/api/v1/webhook-deliveries/{id}/"): ADMIN,
        ("POST", "/api/v1/webhook-deliveries/{id}/redeliver"): ADMIN,
        # Importing patients enrolls them: those who admit.
        ("POST", "/api/v1/patient-imports/preview"): ENROLLMENT_MANAGERS,
        ("POST", "/api/v1/patient-imports/"): ENROLLMENT_MANAGERS,
        ("GET", "/api/v1/patient-imports/template"): ENROLLMENT_MANAGERS,
    }
)

# --- interop: the FHIR API (route name → roles that may GET it) -----------------------------
FHIR: dict[str, set[str]] = {
    "fhir-metadata": ALL,  # public, as FHIR asks
    "fhir-patient-everything": CLINICAL_READERS,
    **{f"fhir-{t}-{kind}": CLINICAL_READERS
       for t in ("Patient", "EpisodeOfCare", "Encounter", "Condition", "MedicationStatement",
                 "Observation", "QuestionnaireResponse", "CarePlan", "Coverage", "Consent")
       for kind in ("read", "search")},
    **dict.fromkeys(("fhir-export-system", "fhir-export-patient", "fhir-export-group",
                     "fhir-bulk-status", "fhir-bulk-file"), CLINICAL_READERS),
}  # fmt: skip
KICKOFFS = ("fhir-export-system", "fhir-export-patient", "fhir-export-group")


def test_every_fhir_route_is_in_the_matrix() -> None:
    names = {route.name for route in fhir_routes()}
    assert names == set(FHIR), f"add to FHIR: {names - set(FHIR)}; stale: {set(FHIR) - names}"


@pytest.mark.parametrize("role", Role.values)
def test_fhir_by_role(clinic_a: Tenant, role: str) -> None:
    from django.test import Client

    from tests import factories

    _, secret = factories.api_token(clinic_a.members[role])
    client = Client(headers={"Authorization": f"Bearer {secret}", "Prefer": "respond-async"})
    for route in fhir_routes():
        if route.kwargs:
            response = client.get(route.url(**fhir_values(clinic_a, route)))
        else:
            param = "_id" if fhir_type(route) == "Patient" else "patient"
            response = client.get(route.url(), {param: clinic_a.patient.pk})
        allowed = 202 if route.name in KICKOFFS else 200
        expected = allowed if role in FHIR[route.name] else 403
        assert response.status_code == expected, f"{role} → {route.name}: {response.content!r}"
        if expected == 403:
            assert response.json()["issue"][0]["code"] == "forbidden"


# --- end interop
