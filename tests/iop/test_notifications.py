"""In-app notifications (the core's, for every feature): the header's bell and its count, the
notifications page where each is opened or marked read, the API listing the person's own,
the email that names no patient, another person's or clinic's notification a 404."""

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop import selectors
from iop import services as core
from iop.models import AuditEvent, Notification, NotificationKind
from iop.models.notifications import unread_cache_key
from iop.roles import Role
from iop.tenancy import clinic_context
from tests import factories
from tests.conftest import Tenant


def note_for(tenant: Tenant, role: str, message: str = "Something for you") -> Notification:
    url = f"/c/{tenant.clinic.slug}/patients/{tenant.patient.pk}/progress/"
    return core.notify(
        clinic=tenant.clinic, membership_id=tenant.members[role].pk, message=message, url=url,
        kind=NotificationKind.SAFETY_TASK,
    )  # fmt: skip


def bell(html: str) -> str:
    start = html.index('class="topbar__bell')
    return html[start : html.index("</a>", start)]


def test_the_bell_counts_unread_and_opening_one_marks_it_read(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.CASE_MANAGER)
    home = f"/c/{clinic_a.clinic.slug}/"
    assert "count-badge" not in bell(client.get(home).content.decode())
    first, second = note_for(clinic_a, Role.CASE_MANAGER), note_for(clinic_a, Role.CASE_MANAGER)
    assert ">2<" in bell(client.get(home).content.decode())

    page = client.get(f"/c/{clinic_a.clinic.slug}/notifications/").content.decode()
    assert "Unread (2)" in page
    assert "Something for you" in page
    opened = client.post(f"/c/{clinic_a.clinic.slug}/notifications/{first.pk}/open/")
    assert opened.status_code == 302
    assert opened["Location"] == first.url
    assert ">1<" in bell(client.get(home).content.decode())
    read = client.post(f"/c/{clinic_a.clinic.slug}/notifications/{second.pk}/read/")
    assert read.status_code == 302
    assert "count-badge" not in bell(client.get(home).content.decode())
    with clinic_context(clinic_a.clinic.pk):
        assert not Notification.objects.filter(pk__in=[first.pk, second.pk], read_at=None).exists()
        changes = AuditEvent.objects.filter(
            clinic=clinic_a.clinic, object_type="iop.notification", action="change",
            object_id__in=[str(first.pk), str(second.pk)],
        )  # fmt: skip
        assert changes.count() == 2


def test_the_header_count_costs_no_query_once_known(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.FRONT_DESK)
    note_for(clinic_a, Role.FRONT_DESK)
    client.get(f"/c/{clinic_a.clinic.slug}/staff/")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/c/{clinic_a.clinic.slug}/staff/")
    assert not [q for q in queries if "iop_notification" in q["sql"]]
    # A new notification is counted at once: notify forgets the kept count.
    note_for(clinic_a, Role.FRONT_DESK)
    assert cache.get(unread_cache_key(clinic_a.members[Role.FRONT_DESK].pk)) is None
    assert ">2<" in bell(client.get(f"/c/{clinic_a.clinic.slug}/staff/").content.decode())


def test_a_stored_address_outside_the_clinic_is_not_followed(clinic_a: Tenant) -> None:
    note = core.notify(
        clinic=clinic_a.clinic, membership_id=clinic_a.admin.pk, message="x",
        url="https://evil.example/",
    )  # fmt: skip
    opened = clinic_a.client_for(Role.ADMIN).post(
        f"/c/{clinic_a.clinic.slug}/notifications/{note.pk}/open/"
    )
    assert opened["Location"] == f"/c/{clinic_a.clinic.slug}/notifications/"


def test_someone_elses_or_another_clinics_notification_is_a_404(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    theirs = note_for(clinic_a, Role.THERAPIST)
    other_clinic = note_for(clinic_b, Role.CASE_MANAGER)
    client = clinic_a.client_for(Role.CASE_MANAGER)
    for note in (theirs, other_clinic):
        for action in ("open", "read"):
            url = f"/c/{clinic_a.clinic.slug}/notifications/{note.pk}/{action}/"
            assert client.post(url).status_code == 404
    assert client.get(f"/c/{clinic_b.clinic.slug}/notifications/").status_code == 404
    page = client.get(f"/c/{clinic_a.clinic.slug}/notifications/").content.decode()
    assert f"notification-{theirs.pk}" not in page
    with clinic_context(clinic_a.clinic.pk):
        theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_lists_only_the_callers_own_and_marks_them_read(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    mine = note_for(clinic_a, Role.THERAPIST, "For the therapist")
    theirs = note_for(clinic_a, Role.CASE_MANAGER)
    foreign = note_for(clinic_b, Role.THERAPIST)
    _, secret = factories.api_token(clinic_a.members[Role.THERAPIST])
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    listed = api.get("/api/v1/notifications/", {"unread": "true"}).json()
    ids = {row["id"] for row in listed["results"]}
    assert mine.pk in ids
    assert theirs.pk not in ids
    assert foreign.pk not in ids
    row = next(r for r in listed["results"] if r["id"] == mine.pk)
    assert (row["kind"], row["message"], row["read_at"]) == (
        "safety_task",
        "For the therapist",
        None,
    )

    marked = api.post(
        "/api/v1/notifications/read", {"ids": [mine.pk, theirs.pk, foreign.pk]},
        content_type="application/json",
    )  # fmt: skip
    assert marked.status_code == 200
    assert [r["id"] for r in marked.json()] == [mine.pk]
    with clinic_context(clinic_a.clinic.pk):
        assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert mine.pk not in {
        r["id"] for r in api.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    }
    bad = api.post("/api/v1/notifications/read", {"ids": []}, content_type="application/json")
    assert bad.status_code == 400


def test_the_unread_selector_counts_per_person_and_clinic(clinic_a: Tenant) -> None:
    note_for(clinic_a, Role.NURSE)
    nurse = clinic_a.members[Role.NURSE]
    assert selectors.notification_unread_count(clinic=clinic_a.clinic, membership=nurse) == 1
    assert (
        selectors.notification_unread_count(
            clinic=clinic_a.clinic, membership=clinic_a.members[Role.AUDITOR]
        )
        == 0
    )
