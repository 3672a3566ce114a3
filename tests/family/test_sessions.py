"""Family sessions on the one calendar, family education attendance, the chart's Family
section by role, and the family pages and API."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from family import services
from family.models import FamilySessionParticipant
from iop import clock
from iop.models import AuditEvent
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling.models import Attendance, GroupType, Session
from tests import factories
from tests.conftest import Tenant
from tests.family.records import consent, family_member, family_session


def therapist(tenant: Tenant) -> Any:
    return tenant.members[Role.THERAPIST]


def tomorrow_at(tenant: Tenant, hour: int) -> datetime.datetime:
    tz = clock.zone(tenant.clinic)

    return clock.at(
        tz, clock.today(tenant.clinic) + datetime.timedelta(days=1), datetime.time(hour)
    )


def scheduled(tenant: Tenant) -> Session:
    """The patient, their spouse and the therapist, tomorrow 17:00–18:00."""
    with clinic_context(tenant.clinic.pk):
        return family_session(
            tenant.patient, actor=tenant.admin.user, lead=therapist(tenant),
            members=[tenant.records["family_member_id"]],
        )  # fmt: skip


def test_a_family_session_puts_everyone_on_the_calendar(clinic_a: Tenant) -> None:
    session = scheduled(clinic_a)
    member = clinic_a.records["family_member_id"]
    with clinic_context(clinic_a.clinic.pk):
        assert session.kind == "family"
        assert session.lead == therapist(clinic_a)
        assert list(
            Attendance.objects.filter(session=session).values_list("patient", flat=True)
        ) == [clinic_a.patient.pk]
        row = FamilySessionParticipant.objects.select_related("family_member").get(session=session)
    assert row.family_member == member
    assert row.status == "expected"


def test_a_busy_therapist_is_refused_in_the_calendars_words(clinic_a: Tenant) -> None:
    scheduled(clinic_a)
    member = clinic_a.records["family_member_id"]
    other = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user)
    with clinic_context(clinic_a.clinic.pk):
        theirs = family_member(other, actor=clinic_a.admin.user)
        before = Session.objects.count()
        with pytest.raises(ValidationError) as refused:
            family_session(  # the records' session is tomorrow 17–18 with the same therapist
                other, actor=clinic_a.admin.user, lead=therapist(clinic_a), members=[theirs],
                hours=(17, 19),
            )  # fmt: skip
        assert Session.objects.count() == before
    assert refused.value.message_dict == {
        "lead": ["The lead is already running another session at that time."]
    }
    assert member.patient_id == clinic_a.patient.pk


def test_a_busy_patient_is_refused_and_nothing_is_left_half_made(clinic_a: Tenant) -> None:
    scheduled(clinic_a)
    member = clinic_a.records["family_member_id"]
    second = factories.member(clinic_a.clinic, Role.THERAPIST)
    with clinic_context(clinic_a.clinic.pk):
        before = Session.objects.count()
        with pytest.raises(ValidationError) as refused:
            family_session(
                clinic_a.patient, actor=clinic_a.admin.user, lead=second, members=[member],
                hours=(17, 18),
            )  # fmt: skip
        assert Session.objects.count() == before
    assert refused.value.message_dict == {
        "patient": ["The patient is already booked at that time."]
    }


def test_only_this_patients_family_and_a_therapist(clinic_a: Tenant) -> None:
    other = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user)
    with clinic_context(clinic_a.clinic.pk):
        stranger = family_member(other, actor=clinic_a.admin.user)
        with pytest.raises(ValidationError) as refused:
            family_session(
                clinic_a.patient, actor=clinic_a.admin.user,
                lead=clinic_a.members[Role.FRONT_DESK], members=[stranger], days_ahead=3,
            )  # fmt: skip
    assert set(refused.value.message_dict) == {"lead", "members"}


def test_the_scheduling_page_and_its_clash_message(clinic_a: Tenant) -> None:
    scheduled(clinic_a)
    member = clinic_a.records["family_member_id"]
    client = clinic_a.client_for(Role.CASE_MANAGER)
    url = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/family/sessions/new/"
    form = client.get(url).content.decode()
    assert member.name in form
    data = {"minutes": 60, "lead": therapist(clinic_a).pk, "members": [member.pk]}
    clash = client.post(url, {**data, "starts_at": f"{tomorrow_at(clinic_a, 17):%Y-%m-%dT%H:%M}"})
    assert clash.status_code == 200
    assert "The lead is already running another session at that time." in clash.content.decode()
    done = client.post(
        url, {**data, "starts_at": f"{tomorrow_at(clinic_a, 19):%Y-%m-%dT%H:%M}"}, follow=True
    )
    html = done.content.decode()
    assert "Family session scheduled." in html
    assert member.name in html


def education_session(tenant: Tenant, *, days_ago: int = 1) -> Session:
    with clinic_context(tenant.clinic.pk):
        kind = GroupType.objects.get(clinic=tenant.clinic, kind="family_education")
        return factories.past_session(
            tenant.clinic, actor=tenant.admin.user, days_ago=days_ago, hours=(18, 19),
            group_type=kind, lead=therapist(tenant),
        )  # fmt: skip


def test_family_education_attendance_is_recorded(clinic_a: Tenant) -> None:
    session = education_session(clinic_a)
    member = clinic_a.records["family_member_id"]
    client = clinic_a.client_for(Role.THERAPIST)
    base = f"/c/{clinic_a.clinic.slug}"
    added = client.post(
        f"{base}/family/{member.pk}/education/", {"session": session.pk}, follow=True
    )
    assert "on the family education group&#x27;s list" in added.content.decode()
    with clinic_context(clinic_a.clinic.pk):
        row = FamilySessionParticipant.objects.get(session=session)
    page = client.get(f"{base}/family/sessions/{session.pk}/").content.decode()
    assert "Family education" in page
    assert member.name in page
    client.post(f"{base}/family/participants/{row.pk}/mark/", {"status": "present"})
    with clinic_context(clinic_a.clinic.pk):
        row.refresh_from_db()
        assert AuditEvent.objects.filter(
            object_type="family.familysessionparticipant", action="change"
        ).exists()
    assert row.status == "present"
    assert row.marked_by == therapist(clinic_a).user
    chart = client.get(f"{base}/patients/{clinic_a.patient.pk}/").content.decode()
    assert "Family education groups" in chart


def test_family_members_only_join_family_sessions_and_education_groups(clinic_a: Tenant) -> None:
    family = scheduled(clinic_a)
    member = clinic_a.records["family_member_id"]
    group = clinic_a.records["session_id"]  # a track's group session
    with pytest.raises(ValidationError, match="family education"):
        services.participant_add(session=group, member=member, actor=clinic_a.admin.user)
    with pytest.raises(ValidationError, match="already on this session"):
        services.participant_add(
            session=family, member=member,
            actor=clinic_a.admin.user,
        )  # fmt: skip


def test_api_family_sessions_and_participants(clinic_a: Tenant) -> None:
    from tests.iop.test_isolation_sweep import api_client_for

    client = api_client_for(clinic_a, Role.THERAPIST)
    member = clinic_a.records["family_member_id"]
    scheduled(clinic_a)
    body = {
        "patient": clinic_a.patient.pk,
        "lead": therapist(clinic_a).pk,
        "members": [member.pk],
        "starts_at": tomorrow_at(clinic_a, 17).isoformat(),
        "ends_at": tomorrow_at(clinic_a, 18).isoformat(),
    }
    clash = client.post("/api/v1/family-sessions/", body, content_type="application/json")
    assert clash.status_code == 400
    assert clash.json()["error"]["fields"] == {
        "lead": ["The lead is already running another session at that time."]
    }
    body |= {"starts_at": tomorrow_at(clinic_a, 19).isoformat(),
             "ends_at": tomorrow_at(clinic_a, 20).isoformat()}  # fmt: skip
    made = client.post("/api/v1/family-sessions/", body, content_type="application/json")
    assert made.status_code == 201, made.content
    participant = made.json()["participants"][0]
    assert made.json()["patient"] == clinic_a.patient.pk
    marked = client.patch(
        f"/api/v1/family-participants/{participant['id']}/",
        {"status": "absent"},
        content_type="application/json",
    )
    assert marked.json()["status"] == "absent"
    listed = client.get(
        "/api/v1/family-sessions/", {"patient": clinic_a.patient.pk, "kind": "family"}
    ).json()
    assert listed["count"] == 2
    everything = client.get("/api/v1/family-sessions/", {"patient": clinic_a.patient.pk}).json()
    assert {row["kind"] for row in everything["results"]} == {"family", "family_education"}
    education = education_session(clinic_a)
    joined = client.post(
        "/api/v1/family-participants/",
        {"session": education.pk, "family_member": member.pk, "status": "present"},
        content_type="application/json",
    )
    assert joined.status_code == 201, joined.content
    wrong = client.post(
        "/api/v1/family-participants/",
        {"session": clinic_a.records["session_id"].pk, "family_member": member.pk},
        content_type="application/json",
    )
    assert wrong.status_code == 400
    assert "session" in wrong.json()["error"]["fields"]


# --- The chart's Family section ---------------------------------------------------------------


def chart(tenant: Tenant, role: str) -> str:
    page = tenant.client_for(role).get(f"/c/{tenant.clinic.slug}/patients/{tenant.patient.pk}/")
    assert page.status_code == 200
    return page.content.decode()


def test_clinicians_see_consents_in_the_family_section(clinic_a: Tenant) -> None:
    member = clinic_a.records["family_member_id"]
    html = chart(clinic_a, Role.THERAPIST)
    assert 'id="family"' in html
    assert member.name in html
    assert "Attendance, Treatment progress" in html
    assert "Schedule a family session" in html


def test_front_desk_sees_contact_but_not_what_may_be_shared(clinic_a: Tenant) -> None:
    member = clinic_a.records["family_member_id"]
    html = chart(clinic_a, Role.FRONT_DESK)
    assert member.name in html
    assert member.phone in html
    assert "Consent to share" not in html
    assert "Treatment progress" not in html
    page = clinic_a.client_for(Role.FRONT_DESK).get(
        f"/c/{clinic_a.clinic.slug}/family/{member.pk}/"
    )
    assert member.phone in page.content.decode()
    assert "What may be shared" not in page.content.decode()


def test_nurses_see_no_family_section(clinic_a: Tenant) -> None:
    member = clinic_a.records["family_member_id"]
    html = chart(clinic_a, Role.NURSE)
    assert 'id="family"' not in html
    assert member.name not in html


def test_involvement_is_optional(clinic_a: Tenant) -> None:
    patient = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user)
    client = clinic_a.client_for(Role.THERAPIST)
    html = client.get(f"/c/{clinic_a.clinic.slug}/patients/{patient.pk}/").content.decode()
    assert "Family involvement is encouraged, never required" in html
    assert "Schedule a family session" not in html


def chart_queries(tenant: Tenant) -> int:
    client = tenant.client_for(Role.THERAPIST)
    url = f"/c/{tenant.clinic.slug}/patients/{tenant.patient.pk}/"
    client.get(url)  # the session and the cached unread count settled
    with CaptureQueriesContext(connection) as queries:
        assert (
            client.get(f"/c/{tenant.clinic.slug}/patients/{tenant.patient.pk}/").status_code == 200
        )
    return len(queries)


def test_the_family_section_costs_the_same_whatever_the_family(clinic_a: Tenant) -> None:
    before = chart_queries(clinic_a)
    lead = therapist(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        for n in range(4):
            member = family_member(clinic_a.patient, actor=lead.user, first_name=f"Kin{n}")
            member.clinic = clinic_a.clinic
            granted = consent(member, actor=lead.user)
            services.consent_revoke(granted, actor=lead.user)
            consent(member, actor=lead.user, categories=["attendance"])
            services.disclosure_record(member=member, actor=lead.user, category="attendance")
            family_session(clinic_a.patient, actor=lead.user, lead=lead, members=[member],
                           days_ahead=2 + n)  # fmt: skip
    assert chart_queries(clinic_a) == before


def test_member_pages_create_and_edit(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.CASE_MANAGER)
    base = f"/c/{clinic_a.clinic.slug}"
    empty = client.post(f"{base}/patients/{clinic_a.patient.pk}/family/new/", {"first_name": "Jo"})
    assert empty.status_code == 200
    assert "There is a problem" in empty.content.decode()
    made = client.post(
        f"{base}/patients/{clinic_a.patient.pk}/family/new/",
        {"first_name": "Jo", "last_name": "Kim", "relationship": "sibling", "phone": "555-0101",
         "preferred_language": "Korean", "may_contact": "on", "is_active": "on"},
        follow=True,
    )  # fmt: skip
    html = made.content.decode()
    assert "Jo Kim added" in html
    assert "No consent on file" in html
    with clinic_context(clinic_a.clinic.pk):
        from family.models import FamilyMember

        member = FamilyMember.objects.get(first_name="Jo")
    edited = client.post(
        f"{base}/family/{member.pk}/edit/",
        {"first_name": "Jo", "last_name": "Kim", "relationship": "sibling",
         "preferred_language": "Korean", "is_active": "on"},
        follow=True,
    )  # fmt: skip
    assert "Do not contact" in edited.content.decode()
