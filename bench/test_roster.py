"""Benchmark, not a test: the roster (one session's attendance page) at 11 and 300 attendees,
beside its floor: the same rows fetched by one raw psycopg query and joined into minimal HTML
(each row: the patient's name linked to the chart, the record number, the status, the minutes,
one form with one button per status), sampled interleaved with the product's page.

Two thirds of the list are marked present (their rows carry Clear and the Times link), the
rest are expected, as the list is in the middle of a session."""

import datetime
import gzip
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import floors
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling.models import Attendance
from tests.conftest import build_tenant, settle_session
from tests.scheduling.test_roster import todays_session

FLOOR_SQL = """
    SELECT a.id, a.status, a.minutes_attended, p.id, p.legal_first_name, p.legal_last_name,
           p.record_number
    FROM scheduling_session s
    JOIN scheduling_attendance a ON a.session_id = s.id AND a.is_active
    JOIN iop_patient p ON p.id = a.patient_id
    WHERE s.clinic_id = %s AND s.day = %s
    ORDER BY s.starts_at, p.legal_last_name, p.legal_first_name
"""
STATUSES = ("present", "late", "left_early", "absent", "excused")


def floor_page(clinic_id: int, slug: str, day: datetime.date) -> bytes:
    with clinic_context(clinic_id):
        raw = connection.connection.cursor()  # psycopg's own cursor, under Django's transaction
        raw.execute(FLOOR_SQL, [clinic_id, day])
        rows = raw.fetchall()
    out = ["<!DOCTYPE html><table><tbody>"]
    for pk, status, minutes, patient, first, last, record in rows:
        buttons = "".join(f'<button name="status" value="{s}">{s}</button>' for s in STATUSES)
        out.append(
            f'<tr><th><a href="/c/{slug}/patients/{patient}/">{escape(first)} {escape(last)}</a> '
            f"{escape(record)}</th><td>{status} {minutes or ''}</td><td>"
            f'<form method="post" action="/c/{slug}/roster/attendance/{pk}/">{buttons}</form>'
            "</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out).encode()


@pytest.mark.parametrize("attendees", [11, 300])
def test_roster_beside_one_raw_query_and_minimal_html(db: None, attendees: int) -> None:
    tenant = build_tenant(f"bench-roster-{attendees}")
    session = todays_session(tenant, patients=attendees - 1)
    with clinic_context(tenant.clinic.pk):
        ids = list(Attendance.objects.filter(session=session).order_by("pk").values_list("pk"))
        marked = [pk for n, (pk,) in enumerate(ids) if n % 3 != 2]
        Attendance.objects.filter(pk__in=marked).update(
            status="present", minutes_attended=180, arrived_at=session.starts_at
        )
    # Statistics, as a live database has them (autovacuum): on rows just bulk-created, with
    # none, the planner guesses one row a table and walks the list 300 x 300 times (~75 ms).
    with connection.cursor() as cursor:
        for table in ("iop_patient", "scheduling_attendance", "scheduling_session"):
            cursor.execute(f"ANALYZE {table}")
    client = tenant.client_for(Role.FRONT_DESK)
    url = f"/c/{tenant.clinic.slug}/roster/?date={session.day:%Y-%m-%d}"
    slug, clinic_id = tenant.clinic.slug, tenant.clinic.pk

    def product() -> bytes:
        response = client.get(url)
        assert response.status_code == 200
        return response.content

    def zipped() -> object:
        return client.get(url, headers={"accept-encoding": "gzip"})

    client.get(f"/c/{slug}/")
    settle_session(client)
    with CaptureQueriesContext(connection) as queries:
        html = product()
    query_count = len(queries)  # now: each request clears the connection's log
    assert html.count(b"data-row") >= attendees
    floor = floor_page(clinic_id, slug, session.day)
    floor_ms, product_ms = floors.interleaved(
        lambda: floor_page(clinic_id, slug, session.day), product
    )
    settle_session(client)
    sent = zipped()
    wire = len(sent.content)  # type: ignore[attr-defined]
    encoding = sent.headers.get("Content-Encoding", "identity")  # type: ignore[attr-defined]
    floors.record(
        floors.Row(
            f"roster, {attendees} attendees", "one raw query + minimal HTML",
            floor_ms, product_ms, queries=str(query_count),
            size=f"{len(html) / 1024:.0f} KiB ({wire / 1024:.0f} KiB sent, {encoding})",
            note=f"floor HTML {len(floor) / 1024:.0f} KiB, gzip "
            f"{len(gzip.compress(floor)) / 1024:.0f} KiB; {product_ms / attendees:.2f} ms a row",
        )
    )  # fmt: skip
