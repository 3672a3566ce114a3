"""Part 2 consents to share with family: the one gate (`may_share`), consents that stay as
signed (the database refuses changes), revocation, and the one sharing action — pages and
API — that records a disclosure or refuses it with the reason."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from family import selectors, services
from family.models import ConsentRevocation, FamilyConsent, FamilyDisclosure, FamilyMember
from iop import clock
from iop.models import AuditEvent
from iop.roles import Role
from iop.services import DomainError
from iop.tenancy import clinic_context
from tests.conftest import Tenant
from tests.family.records import consent, family_member


def today(tenant: Tenant) -> datetime.date:
    return clock.today(tenant.clinic)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def therapist(tenant: Tenant) -> Any:
    return tenant.members[Role.THERAPIST].user


def new_member(tenant: Tenant, **fields: Any) -> FamilyMember:
    with clinic_context(tenant.clinic.pk):
        member = family_member(tenant.patient, actor=therapist(tenant), **fields)
    member.clinic = tenant.clinic
    return member


def decide(member: FamilyMember, category: str, on: datetime.date | None = None) -> Any:
    with clinic_context(member.clinic_id):
        return selectors.may_share(member, category, on=on)


# --- The gate ---------------------------------------------------------------------------------


def test_a_family_member_without_consent_gets_nothing(clinic_a: Tenant) -> None:
    member = new_member(clinic_a, first_name="Sam")
    decision = decide(member, "attendance")
    assert not decision.allowed
    assert decision.reason == "No consent on file for this family member."


def test_an_active_consent_allows_only_what_it_covers(clinic_a: Tenant) -> None:
    member = new_member(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        granted = consent(member, actor=therapist(clinic_a), categories=["attendance", "progress"])
    allowed = decide(member, "attendance")
    assert allowed.allowed
    assert allowed.consent == granted
    assert f"until {granted.expires_on:%Y-%m-%d}" in allowed.reason
    refused = decide(member, "drug_tests")
    assert not refused.allowed
    assert refused.reason == (
        f"The consent signed {granted.signed_on:%Y-%m-%d} does not cover drug test results."
    )


def test_a_consent_expires_after_its_date(clinic_a: Tenant) -> None:
    member = new_member(clinic_a)
    expiry = today(clinic_a) + days(10)
    with clinic_context(clinic_a.clinic.pk):
        consent(
            member, actor=therapist(clinic_a), signed_on=today(clinic_a) - days(5),
            expires_on=expiry,
        )  # fmt: skip
    assert decide(member, "attendance", on=expiry).allowed  # the last day still counts
    after = decide(member, "attendance", on=expiry + days(1))
    assert not after.allowed
    assert after.reason == f"Consent expired on {expiry:%Y-%m-%d}."
    before = decide(member, "attendance", on=today(clinic_a) - days(6))
    assert not before.allowed
    assert "only starts" in before.reason


def test_a_revoked_consent_stops_sharing_and_says_when(clinic_a: Tenant) -> None:
    member = new_member(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        granted = consent(member, actor=therapist(clinic_a))
    revocation = services.consent_revoke(granted, actor=therapist(clinic_a), reason="By patient")
    decision = decide(member, "attendance")
    assert not decision.allowed
    assert decision.reason == f"Consent revoked on {today(clinic_a):%Y-%m-%d}."
    assert revocation.revoked_by == therapist(clinic_a)
    # Asked twice: refused, saying when it happened.
    with pytest.raises(DomainError, match="already revoked"):
        services.consent_revoke(granted, actor=therapist(clinic_a))


def test_an_older_consent_still_in_force_keeps_allowing(clinic_a: Tenant) -> None:
    """Revoking a newer, narrower consent does not end an older one the patient kept."""
    member = new_member(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        older = consent(
            member, actor=therapist(clinic_a), signed_on=today(clinic_a) - days(20),
            categories=["attendance"],
        )  # fmt: skip
        newer = consent(member, actor=therapist(clinic_a), categories=["medications"])
    services.consent_revoke(newer, actor=therapist(clinic_a))
    assert decide(member, "attendance").consent == older
    refused = decide(member, "medications")
    assert (
        refused.reason
        == f"The consent signed {older.signed_on:%Y-%m-%d} does not cover medications."
    )


def test_an_expiry_event_consent_lasts_until_revoked(clinic_a: Tenant) -> None:
    member = new_member(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        consent(
            member, actor=therapist(clinic_a), expires_on=None,
            expiry_event="Discharge from the program",
        )  # fmt: skip
    decision = decide(member, "progress", on=today(clinic_a) + days(400))
    assert decision.allowed
    assert "until Discharge from the program" in decision.reason


# --- Recording a consent ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"categories": []}, "categories"),
        ({"categories": ["attendance", "gossip"]}, "categories"),
        ({"purpose": " "}, "purpose"),
        ({"expires_on": None, "expiry_event": ""}, "expires_on"),
        ({"patient_signature": "Someone Else"}, "patient_signature"),
        ({"signed_on": datetime.date(2100, 1, 1)}, "signed_on"),
    ],
)
def test_a_consent_needs_every_element(
    clinic_a: Tenant, fields: dict[str, Any], field: str
) -> None:
    member = new_member(clinic_a)
    with clinic_context(clinic_a.clinic.pk), pytest.raises(ValidationError) as refused:
        consent(member, actor=therapist(clinic_a), **fields)
    assert field in refused.value.message_dict


def test_the_consent_keeps_the_names_as_signed(clinic_a: Tenant) -> None:
    member = new_member(clinic_a, first_name="Lee", last_name="Park", relationship="parent")
    with clinic_context(clinic_a.clinic.pk):
        granted = consent(member, actor=therapist(clinic_a))
    assert granted.patient_name == clinic_a.patient.legal_name
    assert granted.discloser == clinic_a.clinic.name
    assert granted.recipient == "Lee Park (Parent)"


def test_the_database_refuses_changes_to_consents_revocations_and_disclosures(
    clinic_a: Tenant,
) -> None:
    member = new_member(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        granted = consent(member, actor=therapist(clinic_a))
    services.disclosure_record(member=member, actor=therapist(clinic_a), category="attendance")
    services.consent_revoke(granted, actor=therapist(clinic_a))
    attempts = [
        lambda: FamilyConsent.objects.filter(pk=granted.pk).update(categories=["diagnoses"]),
        lambda: FamilyConsent.objects.filter(pk=granted.pk).update(expires_on=None),
        lambda: ConsentRevocation.objects.filter(consent=granted).delete(),
        lambda: ConsentRevocation.objects.filter(consent=granted).update(reason="never mind"),
        lambda: FamilyDisclosure.objects.filter(family_member=member).update(category="progress"),
        lambda: FamilyDisclosure.objects.filter(family_member=member).delete(),
    ]
    for attempt in attempts:
        with clinic_context(clinic_a.clinic.pk), pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    with clinic_context(clinic_a.clinic.pk):
        assert FamilyConsent.objects.get(pk=granted.pk).categories == ["attendance", "progress"]
        assert ConsentRevocation.objects.filter(consent=granted).count() == 1


# --- Sharing: the service, the page and the API -----------------------------------------------


def test_a_disclosure_is_logged_and_audited(clinic_a: Tenant) -> None:
    member = new_member(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        granted = consent(member, actor=therapist(clinic_a))
    disclosure = services.disclosure_record(
        member=member, actor=therapist(clinic_a), category="progress", method="phone",
        summary="Doing well in group",
    )  # fmt: skip
    assert disclosure.consent == granted
    with clinic_context(clinic_a.clinic.pk):
        event = AuditEvent.objects.get(object_type="family.familydisclosure")
    assert event.action == "export"
    assert event.patient_id == clinic_a.patient.pk
    assert event.actor == therapist(clinic_a)


def test_a_refused_disclosure_leaves_no_log(clinic_a: Tenant) -> None:
    member = new_member(clinic_a)
    with pytest.raises(DomainError, match="No consent on file"):
        services.disclosure_record(member=member, actor=therapist(clinic_a), category="progress")
    with clinic_context(clinic_a.clinic.pk):
        assert not FamilyDisclosure.objects.filter(family_member=member).exists()


def test_the_share_page_refuses_with_the_reason(clinic_a: Tenant) -> None:
    member = new_member(clinic_a)
    expiry = today(clinic_a) - days(1)
    with clinic_context(clinic_a.clinic.pk):
        consent(
            member, actor=therapist(clinic_a), signed_on=today(clinic_a) - days(30),
            expires_on=expiry,
        )  # fmt: skip
    client = clinic_a.client_for(Role.THERAPIST)
    url = f"/c/{clinic_a.clinic.slug}/family/{member.pk}/share/"
    page = client.get(url)
    assert f"Consent expired on {expiry:%Y-%m-%d}" in page.content.decode()
    refused = client.post(url, {"category": "attendance", "method": "phone"})
    assert refused.status_code == 409
    assert f"Not shared: Consent expired on {expiry:%Y-%m-%d}." in refused.content.decode()
    with clinic_context(clinic_a.clinic.pk):
        assert not FamilyDisclosure.objects.filter(family_member=member).exists()


def test_the_share_page_records_an_allowed_disclosure(clinic_a: Tenant) -> None:
    member = new_member(clinic_a, first_name="Ari")
    with clinic_context(clinic_a.clinic.pk):
        consent(member, actor=therapist(clinic_a))
    client = clinic_a.client_for(Role.CASE_MANAGER)
    done = client.post(
        f"/c/{clinic_a.clinic.slug}/family/{member.pk}/share/",
        {"category": "attendance", "method": "phone", "summary": "Came every day this week"},
        follow=True,
    )
    html = done.content.decode()
    assert "Disclosure to Ari Rivera recorded." in html
    assert "Came every day this week" in html
    with clinic_context(clinic_a.clinic.pk):
        row = FamilyDisclosure.objects.get(family_member=member)
    assert row.disclosed_by == clinic_a.members[Role.CASE_MANAGER].user


def api(tenant: Tenant, role: str = Role.THERAPIST) -> Any:
    from tests.iop.test_isolation_sweep import api_client_for

    return api_client_for(tenant, role)


def test_api_disclosures_201_or_409_with_the_reason(clinic_a: Tenant) -> None:
    client = api(clinic_a)
    member = clinic_a.records["family_member_id"]
    ok = client.post(
        "/api/v1/family-disclosures/",
        {"family_member": member.pk, "category": "attendance", "method": "phone"},
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    assert "42 CFR part 2" in ok.json()["notice"]
    refused = client.post(
        "/api/v1/family-disclosures/",
        {"family_member": member.pk, "category": "diagnoses"},
        content_type="application/json",
    )
    assert refused.status_code == 409
    assert "does not cover diagnoses" in refused.json()["error"]["message"]
    bad = client.post(
        "/api/v1/family-disclosures/",
        {"family_member": member.pk, "category": "gossip"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "category" in bad.json()["error"]["fields"]
    log = client.get("/api/v1/family-disclosures/", {"family_member": member.pk}).json()
    assert [row["category"] for row in log["results"]] == ["attendance"]


def test_api_grant_then_revoke(clinic_a: Tenant) -> None:
    client = api(clinic_a, Role.CASE_MANAGER)
    member = new_member(clinic_a)
    granted = client.post(
        "/api/v1/family-consents/",
        {
            "family_member": member.pk,
            "categories": ["attendance", "aftercare"],
            "purpose": "Support the aftercare plan",
            "expiry_event": "Six months after discharge",
            "patient_signature": clinic_a.patient.legal_name,
        },
        content_type="application/json",
    )
    assert granted.status_code == 201, granted.content
    body = granted.json()
    assert body["state"] == "active"
    assert body["discloser"] == clinic_a.clinic.name
    sharing = client.get(f"/api/v1/family-members/{member.pk}/sharing").json()
    assert {row["category"]: row["allowed"] for row in sharing} == {
        "attendance": True, "progress": False, "diagnoses": False, "medications": False,
        "drug_tests": False, "aftercare": True,
    }  # fmt: skip
    revoked = client.post(
        f"/api/v1/family-consents/{body['id']}/revoke",
        {"reason": "Patient asked"},
        content_type="application/json",
    )
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"
    assert revoked.json()["revoked_by"] == clinic_a.members[Role.CASE_MANAGER].user.pk
    again = client.post(f"/api/v1/family-consents/{body['id']}/revoke", {}, "application/json")
    assert again.status_code == 409
    missing = client.post(
        "/api/v1/family-consents/",
        {"family_member": member.pk, "categories": [], "purpose": "", "patient_signature": ""},
        content_type="application/json",
    )
    assert missing.status_code == 400
    assert {"categories", "purpose", "patient_signature"} <= set(missing.json()["error"]["fields"])


def test_revoking_asks_once_naming_the_family_member(clinic_a: Tenant) -> None:
    granted = clinic_a.records["family_consent_id"]
    member = clinic_a.records["family_member_id"]
    client = clinic_a.client_for(Role.THERAPIST)
    url = f"/c/{clinic_a.clinic.slug}/family/consents/{granted.pk}/revoke/"
    question = client.get(url).content.decode()
    assert f"Revoke the consent to share with {member.name}?" in question
    assert clinic_a.patient.display_name in question
    with clinic_context(clinic_a.clinic.pk):
        assert not ConsentRevocation.objects.filter(consent=granted).exists()
    done = client.post(url, {"reason": "Patient asked in session"}, follow=True)
    assert "Consent revoked" in done.content.decode()
    with clinic_context(clinic_a.clinic.pk):
        revocation = ConsentRevocation.objects.get(consent=granted)
    assert revocation.reason == "Patient asked in session"


def test_the_consent_form_shows_errors_and_keeps_input(clinic_a: Tenant) -> None:
    member = clinic_a.records["family_member_id"]
    client = clinic_a.client_for(Role.THERAPIST)
    url = f"/c/{clinic_a.clinic.slug}/family/{member.pk}/consents/new/"
    form = client.get(url).content.decode()
    assert clinic_a.clinic.name in form  # who may disclose
    assert member.name in form  # to whom
    answer = client.post(
        url,
        {"categories": ["attendance"], "purpose": "Family support", "signed_on": "2026-01-05",
         "patient_signature": "Not The Patient", "expires_on": "2027-01-05"},
    )  # fmt: skip
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "The signature must be the patient&#x27;s full name." in html
    assert "Family support" in html
