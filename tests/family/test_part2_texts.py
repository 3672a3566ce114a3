"""Part 2 texts from one source (iop/part2.py) on every disclosure path, and the consent
elements a family consent carries.

Sources: 42 CFR part 2 as amended by the final rule of 16 February 2024 (89 FR 12472):
§2.31(a)(6) "a statement of the patient's right to revoke the consent in writing ... and how
the patient may revoke consent"; §2.14 (minor patients) and §2.31(a)(8) the signature of a
person authorized to consent for a minor; §2.32(a)(1) the notice ("Statement 1") and
§2.32(b) "a copy of the consent or a clear explanation of the scope of the consent".
"""

import datetime
import pathlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from family import services
from family.models import FamilyMember
from iop import clock, part2
from iop.roles import Role
from iop.tenancy import clinic_context
from tests import factories
from tests.conftest import Tenant
from tests.family.records import consent, family_member
from tests.iop.test_isolation_sweep import api_client_for
from tests.therapy.records import individual_session

REPO = pathlib.Path(__file__).resolve().parents[2]
# Turns 18 on Friday 2026-11-27; "today" in these tests is 2026-12-02 (an adult today).
BORN = datetime.date(2008, 11, 27)
EIGHTEENTH = datetime.date(2026, 11, 27)
DAY = datetime.timedelta(days=1)


def teen_member(tenant: Tenant) -> FamilyMember:
    actor = tenant.members[Role.THERAPIST].user
    patient = factories.patient(
        tenant.clinic, actor=tenant.admin.user, legal_first_name="Robin",
        legal_last_name="Young", date_of_birth=BORN,
    )  # fmt: skip
    with clinic_context(tenant.clinic.pk):
        member = family_member(patient, actor=actor, first_name="Lee", relationship="parent")
    member.clinic = tenant.clinic
    return member


def grant(member: FamilyMember, **fields: Any) -> Any:
    with clinic_context(member.clinic_id):
        return consent(member, actor=member.created_by, **fields)


# --- One notice module ------------------------------------------------------------------------


def test_the_notice_is_written_in_one_module_only() -> None:
    """No product module spells out its own §2.32 notice (the notes API once had a
    shortened copy): the words appear in iop/part2.py and nowhere else."""
    words = "which has been disclosed to you"
    holders = [
        path.relative_to(REPO).as_posix()
        for app in (
            "iop",
            "scheduling",
            "groups",
            "therapy",
            "family",
            "progress",
            "aftercare",
            "templates",
        )
        for path in (REPO / app).rglob("*")
        if path.suffix in {".py", ".html", ".txt"} and words in path.read_text().lower()
    ]
    assert holders == ["iop/part2.py"]


def test_the_notice_is_the_2024_statement_1() -> None:
    """§2.32(a)(1) as amended in 2024: the proceedings clause and the three exceptions,
    (iii) ending on 45 CFR part 164, and the 2.31 sentence at the end."""
    notice = part2.PART2_NOTICE
    assert notice.startswith("This record which has been disclosed to you is protected by")
    assert "in any civil, criminal, administrative, or legislative proceedings" in notice
    assert "(ii) You are a covered entity or business associate" in notice
    assert "as permitted by 45 CFR part 164, subparts A and E." in notice
    assert notice.endswith("to further use or redisclose the record (see 42 CFR 2.31).")
    assert part2.PART2_NOTICE_SHORT == (
        "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
    )


def test_the_notes_api_sends_the_one_notice(clinic_a: Tenant) -> None:
    client = api_client_for(clinic_a, Role.THERAPIST)
    day = clock.today(clinic_a.clinic) - datetime.timedelta(days=1)
    session = individual_session(
        clinic_a.patient, lead=clinic_a.members[Role.THERAPIST], day=day, hour=19
    )
    created = client.post(
        "/api/v1/progress-notes/",
        {"session": session.pk, "data": "Two cravings.", "assessment": "Engaged."},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    note = created.json()
    assert note["part2"] is True  # a substance-use diagnosis makes it a Part 2 record
    assert note["part2_notice"] == part2.PART2_NOTICE
    plain = client.patch(
        f"/api/v1/progress-notes/{note['id']}/", {"part2": False}, content_type="application/json"
    )
    assert plain.status_code == 200, plain.content
    assert plain.json()["part2_notice"] == ""


# --- Revocation in writing, and how (§2.31(a)(6)) ----------------------------------------------


def test_the_consent_record_carries_the_revocation_statement(clinic_a: Tenant) -> None:
    member = clinic_a.records["family_member_id"]
    member.clinic = clinic_a.clinic
    granted = grant(member)
    statement = part2.revocation_statement(clinic_a.clinic.name)
    assert granted.revocation_statement == statement
    assert "A revocation must be in writing" in statement
    assert f"give it to, or mail it to, {clinic_a.clinic.name}" in statement
    assert "already disclosed in reliance on it" in statement
    body = (
        api_client_for(clinic_a, Role.CASE_MANAGER)
        .get(f"/api/v1/family-consents/{granted.pk}/")
        .json()
    )
    assert body["revocation_statement"] == statement
    page = (
        clinic_a.client_for(Role.THERAPIST)
        .get(f"/c/{clinic_a.clinic.slug}/family/{member.pk}/")
        .content.decode()
    )
    assert "A revocation must be in writing" in page


def test_the_consent_form_shows_how_to_revoke(clinic_a: Tenant) -> None:
    member = clinic_a.records["family_member_id"]
    form = (
        clinic_a.client_for(Role.THERAPIST)
        .get(f"/c/{clinic_a.clinic.slug}/family/{member.pk}/consents/new/")
        .content.decode()
    )
    assert "Revoking this consent (§2.31(a)(6))" in form
    assert "A revocation must be in writing" in form
    assert "under 18" not in form.split("Revoking this consent")[1].split("</section>")[0]


def test_the_revoke_page_asks_for_the_written_revocation(clinic_a: Tenant) -> None:
    granted = clinic_a.records["family_consent_id"]
    page = clinic_a.client_for(Role.THERAPIST).get(
        f"/c/{clinic_a.clinic.slug}/family/consents/{granted.pk}/revoke/"
    )
    assert "A patient revokes in writing (42 CFR §2.31(a)(6))" in page.content.decode()


# --- A minor's consent: a parent or other authorized person signs too (§2.14) -----------------


@pytest.mark.instant("2026-12-02 10:00")
def test_under_18_on_the_signing_date_needs_the_authorized_signature(clinic_a: Tenant) -> None:
    member = teen_member(clinic_a)
    with pytest.raises(ValidationError) as refused:
        grant(member, signed_on=EIGHTEENTH - DAY, patient_signature="Robin Young")
    assert set(refused.value.message_dict) == {
        "authorized_signature", "authorized_signer_relationship",
    }  # fmt: skip
    assert "under 18 on the signing date" in refused.value.message_dict["authorized_signature"][0]
    signed = grant(
        member, signed_on=EIGHTEENTH - DAY, patient_signature="Robin Young",
        authorized_signature="Lee Young", authorized_signer_relationship="mother",
    )  # fmt: skip
    assert (signed.authorized_signature, signed.authorized_signer_relationship) == (
        "Lee Young", "mother",
    )  # fmt: skip


@pytest.mark.instant("2026-12-02 10:00")
def test_signed_on_the_18th_birthday_the_patient_signs_alone(clinic_a: Tenant) -> None:
    member = teen_member(clinic_a)
    signed = grant(member, signed_on=EIGHTEENTH, patient_signature="Robin Young")
    assert signed.authorized_signature == ""


@pytest.mark.instant("2026-12-02 10:00")
def test_the_patient_cannot_sign_as_their_own_parent(clinic_a: Tenant) -> None:
    member = teen_member(clinic_a)
    with pytest.raises(ValidationError) as refused:
        grant(
            member, signed_on=EIGHTEENTH - DAY, patient_signature="Robin Young",
            authorized_signature="robin  young", authorized_signer_relationship="self",
        )  # fmt: skip
    assert "the patient's name" in refused.value.message_dict["authorized_signature"][0]


@pytest.mark.instant("2026-11-20 10:00")
def test_the_consent_form_asks_a_minor_for_the_authorized_signature(clinic_a: Tenant) -> None:
    member = teen_member(clinic_a)
    client = clinic_a.client_for(Role.THERAPIST)
    url = f"/c/{clinic_a.clinic.slug}/family/{member.pk}/consents/new/"
    assert "Robin Young is under 18: a parent or other authorized person signs too" in (
        " ".join(client.get(url).content.decode().split())
    )
    fields = {
        "categories": ["attendance"], "purpose": "Family support", "signed_on": "2026-11-20",
        "patient_signature": "Robin Young", "expires_on": "2027-05-20",
    }  # fmt: skip
    answer = client.post(url, fields)
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "The patient is under 18 on the signing date" in html
    assert "Say how they are authorized" in html
    assert "Family support" in html  # nothing typed is lost
    done = client.post(
        url,
        {**fields, "authorized_signature": "Lee Young", "authorized_signer_relationship": "mother"},
        follow=True,
    )
    assert "Consent recorded for Lee Rivera." in done.content.decode()
    assert "“Lee Young” (mother)" in done.content.decode()


@pytest.mark.instant("2026-12-02 10:00")
def test_api_consent_for_a_minor_400_without_then_201_with(clinic_a: Tenant) -> None:
    member = teen_member(clinic_a)
    client = api_client_for(clinic_a, Role.CASE_MANAGER)
    fields = {
        "family_member": member.pk, "categories": ["attendance"], "purpose": "Support",
        "expires_on": "2027-05-01", "patient_signature": "Robin Young",
        "signed_on": f"{EIGHTEENTH - DAY:%Y-%m-%d}",
    }  # fmt: skip
    refused = client.post("/api/v1/family-consents/", fields, content_type="application/json")
    assert refused.status_code == 400
    assert {"authorized_signature", "authorized_signer_relationship"} <= set(
        refused.json()["error"]["fields"]
    )
    made = client.post(
        "/api/v1/family-consents/",
        {**fields, "authorized_signature": "Lee Young", "authorized_signer_relationship": "father"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["authorized_signature"], body["authorized_signer_relationship"]) == (
        "Lee Young", "father",
    )  # fmt: skip
    assert body["revocation_statement"] == part2.revocation_statement(clinic_a.clinic.name)


# --- Each disclosure carries the consent's scope (§2.32(b)) ------------------------------------


def test_a_disclosure_carries_the_scope_of_its_consent(clinic_a: Tenant) -> None:
    member = clinic_a.records["family_member_id"]
    member.clinic = clinic_a.clinic
    granted = grant(
        member, categories=["attendance", "aftercare"], purpose="Support the aftercare plan",
        expires_on=None, expiry_event="discharge from the program",
    )  # fmt: skip
    client = api_client_for(clinic_a, Role.CASE_MANAGER)
    made = client.post(
        "/api/v1/family-disclosures/",
        {"family_member": member.pk, "category": "aftercare", "method": "letter"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["consent"] == granted.pk
    assert body["notice"] == part2.PART2_NOTICE
    scope = body["consent_scope"]
    assert scope == {
        "recipient": granted.recipient,
        "what": ["Attendance", "Aftercare plan"],
        "purpose": "Support the aftercare plan",
        "expires": "discharge from the program",
        "signed_on": f"{granted.signed_on:%Y-%m-%d}",
        "text": (
            f"Disclosed with the patient's written consent signed {granted.signed_on:%Y-%m-%d}, "
            f"which allows disclosure to {granted.recipient} of: Attendance, Aftercare plan; "
            "for this purpose: Support the aftercare plan; until discharge from the program."
        ),
    }
    listed = client.get("/api/v1/family-disclosures/", {"family_member": member.pk}).json()
    assert listed["results"][-1]["consent_scope"] == scope


def test_a_consent_with_a_date_and_an_event_ends_on_the_first(clinic_a: Tenant) -> None:
    member = clinic_a.records["family_member_id"]
    member.clinic = clinic_a.clinic
    granted = grant(member, expiry_event="discharge")
    expected = f"{granted.expires_on:%Y-%m-%d} or discharge, whichever comes first"
    assert granted.scope.expires == expected


def test_the_share_page_shows_the_scope_to_send_along(clinic_a: Tenant) -> None:
    member = clinic_a.records["family_member_id"]
    member.clinic = clinic_a.clinic
    granted = grant(member, purpose="Take part in family sessions")
    html = (
        clinic_a.client_for(Role.CASE_MANAGER)
        .get(f"/c/{clinic_a.clinic.slug}/family/{member.pk}/share/")
        .content.decode()
    )
    assert "Tell or send" in html
    assert "for this purpose: Take part in family sessions" in html.replace("&#x27;", "'")
    assert granted.scope.text.replace("'", "&#x27;") in html


def test_no_consent_no_scope_on_the_share_page(clinic_a: Tenant) -> None:
    actor = clinic_a.members[Role.THERAPIST].user
    with clinic_context(clinic_a.clinic.pk):
        member = services.family_member_create(
            patient=clinic_a.patient, actor=actor, first_name="Noor", last_name="Ali",
            relationship="sibling",
        )  # fmt: skip
    html = (
        clinic_a.client_for(Role.CASE_MANAGER)
        .get(f"/c/{clinic_a.clinic.slug}/family/{member.pk}/share/")
        .content.decode()
    )
    assert "No consent in force: nothing may be shared." in html
