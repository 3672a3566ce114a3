"""Documents printed for the patient — their schedule and a family consent's form — in the
patient's language, read back from the PDF itself (pypdf), as the aftercare plan's are."""

import datetime
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from family.models import FamilyConsent
from interop import documents
from interop.models import PatientDocument
from iop import clock, part2
from iop.models import AuditEvent, Patient
from iop.roles import Role
from iop.services import DomainError
from iop.tenancy import clinic_context
from scheduling.models import GroupType, Topic
from scheduling.services import attendance_add, room_create, session_create
from tests.aftercare.test_pdf import pdf_pages, pdf_text
from tests.conftest import Tenant, settle_session, wait_until

# A Monday morning in the clinic; the sessions below are that week's Wednesday and Thursday
# evenings, clear of the tenant's own calendar.
MONDAY = "2026-12-07 07:00"


def speaks(tenant: Tenant, language: str) -> None:
    with clinic_context(tenant.clinic.pk):
        Patient.objects.filter(pk=tenant.patient.pk).update(language=language)


def coming_sessions(tenant: Tenant) -> None:
    """An individual session on Wednesday and a process group on Thursday, both in a room and
    led by the therapist; a session yesterday that the schedule leaves out."""
    clinic, actor = tenant.clinic, tenant.admin.user
    tz = clock.zone(clinic)
    room = room_create(clinic=clinic, actor=actor, name="Sala Sol")
    therapist = tenant.members[Role.THERAPIST]
    with clinic_context(clinic.pk):
        process = GroupType.objects.filter(clinic=clinic, kind="process").first()
        topic = Topic.objects.filter(clinic=clinic, group_type=process).first()
    today = clock.today(clinic)
    plan = [
        (2, "individual", None, None, (19, 0), (20, 0)),
        (3, "group", process, topic, (19, 0), (20, 30)),
        (-1, "check_in", None, None, (19, 0), (19, 30)),
    ]
    for days, kind, group_type, topic_, start, end in plan:
        day = today + datetime.timedelta(days=days)
        session = session_create(
            clinic=clinic, actor=actor, kind=kind, day=day, room=room, lead=therapist,
            group_type=group_type, topic=topic_,
            starts_at=clock.at(tz, day, datetime.time(*start)),
            ends_at=clock.at(tz, day, datetime.time(*end)),
        )  # fmt: skip
        attendance_add(session=session, patient=tenant.patient, actor=actor)


def printed(tenant: Tenant, kind: str, consent: FamilyConsent | None = None) -> PatientDocument:
    """Asked for as a user does, rendered by the worker's task body run here."""
    document = documents.document_request(
        patient=tenant.patient, actor=tenant.admin.user, kind=kind, family_consent=consent
    )
    return documents.document_render(clinic_id=tenant.clinic.pk, document_id=document.pk)


def text_of(document: PatientDocument) -> str:
    assert document.status == "done"
    content = bytes(document.content or b"")
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    return pdf_text(content)


# --- The schedule ---------------------------------------------------------------------------


@pytest.mark.instant(MONDAY)
def test_a_spanish_speaking_patients_schedule_is_in_spanish(clinic_a: Tenant) -> None:
    coming_sessions(clinic_a)
    speaks(clinic_a, "Spanish (Mexico)")
    document = printed(clinic_a, "schedule")
    assert document.language == "es"
    text = text_of(document)
    for words in (
        "Mi horario", "Impreso el 7 de diciembre de 2026",
        "Pat Patient-alpha, estas son sus sesiones de los próximos 28 días.",
        "Miércoles 9 de diciembre de 2026", "Jueves 10 de diciembre de 2026",
        "19:00 a 20:00", "19:00 a 20:30", "Sesión individual", "Grupo de proceso", "Terapeuta",
        "Sala Sol", "Hora", "Qué", "Sala", "Con", "Si no puede venir", "Página 1 de 2",
    ):  # fmt: skip
        assert words in text, words
    for english in ("My schedule", "Individual session", "Therapist", "Wednesday", "Page 1"):
        assert english not in text, english


@pytest.mark.instant(MONDAY)
@pytest.mark.parametrize("language", ["English", ""])
def test_the_schedule_is_in_english_for_english_and_for_no_language(
    clinic_a: Tenant, language: str
) -> None:
    coming_sessions(clinic_a)
    speaks(clinic_a, language)
    document = printed(clinic_a, "schedule")
    assert document.language == "en"
    text = text_of(document)
    for words in (
        "My schedule", "Printed December 7, 2026", "Wednesday, December 9, 2026",
        "Thursday, December 10, 2026", "7:00 PM to 8:00 PM", "7:00 PM to 8:30 PM",
        "Individual session", "Process group", "Therapist", "Sala Sol", "If you cannot come",
        "Page 1 of 2",
    ):  # fmt: skip
        assert words in text, words
    assert "Mi horario" not in text


@pytest.mark.instant(MONDAY)
def test_the_schedule_says_nothing_clinical_and_leaves_the_past_out(clinic_a: Tenant) -> None:
    coming_sessions(clinic_a)
    text = text_of(printed(clinic_a, "schedule"))
    with clinic_context(clinic_a.clinic.pk):
        topics = list(Topic.objects.filter(clinic=clinic_a.clinic).values_list("name", flat=True))
    therapist = clinic_a.members[Role.THERAPIST].user
    for secret in (*topics, therapist.display_name, "Morning IOP", "Check-in",
                   "Alcohol dependence", "naltrexone", clinic_a.patient.record_number):  # fmt: skip
        assert secret not in text, secret
    assert "Sunday, December 6" not in text  # yesterday's check-in


# --- The consent form -----------------------------------------------------------------------


def consent_of(tenant: Tenant) -> FamilyConsent:
    return tenant.records["family_consent_id"]


def test_a_spanish_speaking_patients_consent_form_is_in_spanish(clinic_a: Tenant) -> None:
    speaks(clinic_a, "español")
    consent = consent_of(clinic_a)
    text = text_of(printed(clinic_a, "consent_form", consent))
    with translation.override("es"):
        notice = part2.PART2_NOTICE.__class__(translation.gettext(part2.PART2_NOTICE))
        revocation = part2.revocation_statement(consent.discloser)
    assert notice.startswith("Este registro que se le ha divulgado")
    for words in (
        "Consentimiento para divulgar", "1. Quién puede divulgar", consent.discloser,
        "2. A quién", consent.recipient, "3. Qué se puede divulgar", "Asistencia",
        "Progreso del tratamiento", "4. Para qué", consent.purpose, "5. Hasta cuándo",
        f"Hasta el {consent.expires_on.day} de",
        "6. Su derecho a revocar este consentimiento", " ".join(revocation.split()),
        "Firmas", "Firma del paciente", "Fecha",
        "Aviso de confidencialidad federal", " ".join(notice.split()), "Página 1 de",
    ):  # fmt: skip
        assert words in text, words
    for english in ("Who may disclose", "Attendance", "This record which has been disclosed",
                    "You may revoke", "Signature of the patient"):  # fmt: skip
        assert english not in text, english


def test_the_consent_form_in_english_carries_the_part2_notice_word_for_word(
    clinic_a: Tenant,
) -> None:
    speaks(clinic_a, "")
    consent = consent_of(clinic_a)
    text = text_of(printed(clinic_a, "consent_form", consent))
    for words in (
        "Consent to disclose", "1. Who may disclose", "2. To whom", consent.recipient,
        "3. What may be disclosed", "Attendance", "Treatment progress", "4. Why",
        "5. Until when", "6. Your right to revoke this consent",
        " ".join(part2.revocation_statement(consent.discloser).split()),
        "Signature of the patient", " ".join(part2.PART2_NOTICE.split()),
    ):  # fmt: skip
        assert words in text, words
    # An adult's form has no line for a parent's signature (§2.14 is for minors).
    assert "authorized to consent for the patient" not in text


def test_a_minors_consent_form_has_a_line_for_the_authorized_person(clinic_a: Tenant) -> None:
    consent = consent_of(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        Patient.objects.filter(pk=clinic_a.patient.pk).update(
            date_of_birth=consent.signed_on - datetime.timedelta(days=365 * 16)
        )
        clinic_a.patient.refresh_from_db()
    text = text_of(printed(clinic_a, "consent_form", consent))
    assert "authorized to consent for the patient (the patient is under 18)" in text


def test_a_consent_form_is_only_of_the_patients_own_consent(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    with pytest.raises(DomainError, match="this patient's consents"):
        documents.document_request(
            patient=clinic_a.patient, actor=clinic_a.admin.user, kind="consent_form",
            family_consent=consent_of(clinic_b),
        )  # fmt: skip
    with pytest.raises(DomainError):
        documents.document_request(
            patient=clinic_a.patient, actor=clinic_a.admin.user, kind="consent_form"
        )


# --- Pages: asking, downloading, who may, another clinic's, queries -------------------------


def chart_url(tenant: Tenant) -> str:
    return f"/c/{tenant.clinic.slug}/patients/{tenant.patient.pk}/"


def test_the_chart_offers_both_documents_and_asking_queues_one(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.CASE_MANAGER)
    page = client.get(chart_url(clinic_a)).content.decode()
    assert "Documents for the patient" in page
    assert "Print the schedule" in page
    assert "Print the form" in page
    slug = clinic_a.clinic.slug
    asked = client.post(f"/c/{slug}/patients/{clinic_a.patient.pk}/documents/schedule/")
    assert asked.status_code == 302
    assert asked["Location"].endswith("#documents")
    consent = consent_of(clinic_a)
    asked = client.post(f"/c/{slug}/family/consents/{consent.pk}/form/")
    assert asked.status_code == 302
    with clinic_context(clinic_a.clinic.pk):
        kinds = list(
            PatientDocument.objects.filter(patient=clinic_a.patient).values_list("kind", flat=True)
        )
        created = AuditEvent.objects.filter(
            action="create", object_type="interop.patientdocument", patient_id=clinic_a.patient.pk
        ).count()
    assert sorted(kinds) == ["consent_form", "schedule", "schedule"]  # the tenant's one too
    assert created == 3
    # The front desk prints schedules but does not see consents.
    desk = clinic_a.client_for(Role.FRONT_DESK).get(chart_url(clinic_a)).content.decode()
    assert "Print the schedule" in desk
    assert "Print the form" not in desk


def test_the_download_is_audited_as_an_export_of_the_patients_record(clinic_a: Tenant) -> None:
    document = printed(clinic_a, "schedule")
    client = clinic_a.client_for(Role.FRONT_DESK)
    got = client.get(f"/c/{clinic_a.clinic.slug}/documents/{document.pk}/download/")
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"] == f'attachment; filename="schedule-{document.pk}-en.pdf"'
    assert got.content == bytes(document.content or b"")
    with clinic_context(clinic_a.clinic.pk):
        event = AuditEvent.objects.filter(
            object_type="interop.patientdocument", object_id=str(document.pk)
        ).latest("id")
    assert (event.action, event.patient_id) == ("export", clinic_a.patient.pk)
    assert event.actor_id == clinic_a.members[Role.FRONT_DESK].user.pk
    assert "download" in event.changed_fields


def test_a_queued_document_is_not_downloaded_yet(clinic_a: Tenant) -> None:
    queued = clinic_a.records["patient_document_id"]
    client = clinic_a.client_for(Role.FRONT_DESK)
    got = client.get(f"/c/{clinic_a.clinic.slug}/documents/{queued.pk}/download/")
    assert got.status_code == 302
    row = client.get(f"/c/{clinic_a.clinic.slug}/documents/{queued.pk}/").content.decode()
    assert "Queued" in row
    assert "hx-get" in row  # polled until done


def test_who_may_print_and_fetch_each_kind(clinic_a: Tenant) -> None:
    slug = clinic_a.clinic.slug
    consent_form = printed(clinic_a, "consent_form", consent_of(clinic_a))
    schedule_url = f"/c/{slug}/patients/{clinic_a.patient.pk}/documents/schedule/"
    form_url = f"/c/{slug}/family/consents/{consent_of(clinic_a).pk}/form/"
    file_url = f"/c/{slug}/documents/{consent_form.pk}/download/"
    for role, schedule, form, file in [
        (Role.NURSE, 403, 403, 403),
        (Role.BILLING, 403, 403, 403),
        (Role.AUDITOR, 403, 403, 403),
        (Role.FRONT_DESK, 302, 403, 403),  # the schedule yes; a consent is clinical
        (Role.THERAPIST, 302, 302, 200),
    ]:
        client = clinic_a.client_for(role)
        assert client.post(schedule_url).status_code == schedule, role
        assert client.post(form_url).status_code == form, role
        assert client.get(file_url).status_code == file, role
    assert clinic_a.client_for(Role.THERAPIST).get(schedule_url).status_code == 405


def test_another_clinics_patient_consent_and_document_are_not_found(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    theirs = printed(clinic_b, "schedule")
    client = clinic_a.client_for(Role.ADMIN)
    slug = clinic_a.clinic.slug
    for method, url in [
        ("post", f"/c/{slug}/patients/{clinic_b.patient.pk}/documents/schedule/"),
        ("post", f"/c/{slug}/family/consents/{consent_of(clinic_b).pk}/form/"),
        ("get", f"/c/{slug}/documents/{theirs.pk}/"),
        ("get", f"/c/{slug}/documents/{theirs.pk}/download/"),
        ("get", f"/c/{clinic_b.clinic.slug}/documents/{theirs.pk}/download/"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 404, url
        assert b"%PDF" not in response.content
    with clinic_context(clinic_b.clinic.pk):
        assert PatientDocument.objects.filter(clinic=clinic_b.clinic).count() == 2
        assert not AuditEvent.objects.filter(
            action="export", object_type="interop.patientdocument"
        ).exists()


def test_asking_and_downloading_keep_their_query_budgets(clinic_a: Tenant) -> None:
    """Pinned: each page's queries do not grow with the patient's record or documents."""
    for _ in range(3):
        document = printed(clinic_a, "schedule")
    client = clinic_a.client_for(Role.THERAPIST)
    slug = clinic_a.clinic.slug
    client.get(f"/c/{slug}/")
    measured = {}
    for name, method, url in [
        ("ask", "post", f"/c/{slug}/patients/{clinic_a.patient.pk}/documents/schedule/"),
        ("ask_form", "post", f"/c/{slug}/family/consents/{consent_of(clinic_a).pk}/form/"),
        ("status", "get", f"/c/{slug}/documents/{document.pk}/"),
        ("download", "get", f"/c/{slug}/documents/{document.pk}/download/"),
    ]:
        settle_session(client)
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url)
        assert response.status_code in (200, 302), name
        measured[name] = len(queries)
    assert measured == QUERY_BUDGETS


# Savepoints count: the request's transaction, the service's, each checked save. Asking
# stores a message in the session (one more save); the consent's form reads the consent and
# its revocation.
QUERY_BUDGETS = {"ask": 25, "ask_form": 27, "status": 5, "download": 8}


# --- The worker -----------------------------------------------------------------------------


def test_the_worker_renders_the_asked_schedule_in_the_patients_language(
    clinic_a: Tenant, celery_worker: object
) -> None:
    speaks(clinic_a, "es")
    client = clinic_a.client_for(Role.FRONT_DESK)
    slug = clinic_a.clinic.slug
    asked = client.post(f"/c/{slug}/patients/{clinic_a.patient.pk}/documents/schedule/")
    assert asked.status_code == 302
    with clinic_context(clinic_a.clinic.pk):
        document = PatientDocument.objects.filter(patient=clinic_a.patient).latest("id")

    def done() -> bool:
        with clinic_context(clinic_a.clinic.pk):
            document.refresh_from_db(fields=["status"])
        return document.status == "done"

    assert wait_until(done, timeout=60)
    row = client.get(f"/c/{slug}/documents/{document.pk}/").content.decode()
    assert "Download PDF" in row
    assert "Spanish" in row
    assert "hx-get" not in row
    got = client.get(f"/c/{slug}/documents/{document.pk}/download/")
    pages = pdf_pages(got.content)
    assert "Mi horario" in pages[0]
    assert f"Página 1 de {len(pages)}" in pages[0]
