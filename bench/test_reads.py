"""Benchmark, not a test: the four everyday reads beside their floors, in a clinic of 300
active patients with 12 weeks of attendance history.

- the caseload of one case manager (80 patients): hours this week and last, the 28-day
  attendance rate, the last drug test, PHQ-9/GAD-7 trends;
- the chart of a patient with 12 weeks of history;
- the patient list page (the first 50 patients by name);
- the patients API, a page of 50 and one of 200 (its largest page) of the same 300.

Each floor is the same rows the page or response shows, fetched by ONE raw psycopg query
under the clinic's context and joined into minimal HTML (or JSON); the chart's reads every
table its sections read, each section's rows as JSON. Samples interleaved, medians
(bench/floors.py); the queries column is the count at small N / at the N measured (a
caseload search finding one patient, a patient with no history, a list search finding one,
a page of 5). Rows are bulk-inserted (a bench, not a walk through the
services): a Mon/Tue/Thu track of 3-hour groups, every past session's list marked (one in
ten absent), this week's later sessions still expected, a PHQ-9 and a GAD-7 every two weeks
and a drug test a week for each patient.
"""

import datetime
import gzip
import json
import random
from collections.abc import Callable
from html import escape
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import floors
from iop import clock
from iop.models import Enrollment, Patient
from iop.roles import Role
from iop.tenancy import clinic_context
from progress.models import DrugTest, Measure
from scheduling.models import Attendance, Session
from tests.conftest import Tenant, build_tenant, settle_session

PATIENTS = 300
CASELOAD = 80
WEEKS = 12

pytestmark = pytest.mark.instant("2026-12-03 15:00")  # a Thursday afternoon


def _clinic(rng: random.Random) -> Tenant:
    tenant = build_tenant("bench-reads")
    clinic, admin = tenant.clinic, tenant.admin.user
    manager, therapist = tenant.members[Role.CASE_MANAGER], tenant.members[Role.THERAPIST]
    track = tenant.records["enrollment_id"].track
    tz = clock.zone(clinic)
    today = clock.today(clinic)
    now = clock.now()
    first = clock.week_start(today) - datetime.timedelta(weeks=WEEKS)
    with clinic_context(clinic.pk):
        patients = Patient.objects.bulk_create(
            Patient(clinic=clinic, record_number=f"RD{n:04}", legal_first_name=f"Bench{n % 17}",
                    legal_last_name=f"Reads{n:03}",
                    date_of_birth=datetime.date(1980 + n % 30, 3, 1),
                    case_manager=manager if n < CASELOAD else None, primary_therapist=therapist)
            for n in range(PATIENTS)
        )  # fmt: skip
        Enrollment.objects.bulk_create(
            Enrollment(clinic=clinic, patient=p, track=track, status="active",
                       admission_date=first + datetime.timedelta(days=rng.randrange(7)),
                       planned_end_date=today + datetime.timedelta(weeks=4))
            for p in patients
        )  # fmt: skip
        start, end = track.starts_at, track.ends_at
        sessions = Session.objects.bulk_create(
            Session(clinic=clinic, kind="group", track=track, day=day,
                    status="held" if day < today else "scheduled",
                    starts_at=clock.at(tz, day, start), ends_at=clock.at(tz, day, end))
            for week in range(WEEKS + 1)
            for weekday in track.weekdays
            for day in [first + datetime.timedelta(weeks=week, days=weekday)]
            if day != today
        )  # fmt: skip
        everyone = [*patients, tenant.patient]
        busy = list(  # the chart's patient is on a few lists already (tests/conftest.py)
            Attendance.objects.filter(patient=tenant.patient).values_list("starts_at", "ends_at")
        )
        rows = []
        for session in sessions:
            for patient in everyone:
                if patient is tenant.patient and any(
                    b < session.ends_at and session.starts_at < e for b, e in busy
                ):
                    continue
                if session.ends_at > now:
                    status, minutes = "expected", None
                elif rng.random() < 0.1:
                    status, minutes = "absent", 0
                else:
                    status, minutes = "present", 180
                rows.append(
                    Attendance(clinic=clinic, session=session, patient=patient,
                               starts_at=session.starts_at, ends_at=session.ends_at,
                               status=status, minutes_attended=minutes)
                )  # fmt: skip
        Attendance.objects.bulk_create(rows, batch_size=5_000)
        Measure.objects.bulk_create(
            (
                Measure(clinic=clinic, patient=p, instrument=instrument, answers=[1] * n,
                        total=rng.randrange(4, 20), band="Mild", recorded_by=admin,
                        administered_on=first + datetime.timedelta(weeks=2 * k, days=1))
                for p in everyone
                for k in range(WEEKS // 2)
                for instrument, n in (("phq9", 9), ("gad7", 7))
            ),
            batch_size=5_000,
        )  # fmt: skip
        panel = tenant.records["panel_id"]
        DrugTest.objects.bulk_create(
            (
                DrugTest(clinic=clinic, patient=p, panel=panel, reason="scheduled",
                         ordered_for=day, ordered_by=admin, specimen_type="urine",
                         validity="normal", collected_at=clock.at(tz, day, datetime.time(10)))
                for p in everyone
                for week in range(WEEKS)
                for day in [first + datetime.timedelta(weeks=week, days=1)]
            ),
            batch_size=5_000,
        )  # fmt: skip
    print(f"\n{PATIENTS} patients, {len(sessions)} sessions, {len(rows)} attendance rows")
    return tenant


def _raw(clinic_id: int, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with clinic_context(clinic_id):
        cursor = connection.connection.cursor()  # psycopg's own, under Django's transaction
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- The floors: one query each, minimal HTML/JSON --------------------------------------------

CASELOAD_SQL = """
    SELECT p.id, p.legal_first_name, p.legal_last_name, p.preferred_name, p.record_number,
           e.admission_date, h.this_week, h.last_week, r.attended, r.absent,
           t.collected_at, m.phq9, m.gad7
    FROM iop_patient p
    JOIN iop_enrollment e ON e.clinic_id = p.clinic_id AND e.patient_id = p.id
         AND e.status IN ('active', 'on_hold')
    LEFT JOIN LATERAL (
        SELECT sum(a.minutes_attended) FILTER (WHERE a.starts_at >= %(monday)s) AS this_week,
               sum(a.minutes_attended) FILTER (WHERE a.starts_at < %(monday)s) AS last_week
        FROM scheduling_attendance a
        WHERE a.clinic_id = p.clinic_id AND a.patient_id = p.id AND a.is_active
          AND a.starts_at >= %(last_monday)s AND a.starts_at < %(next_monday)s
          AND a.status IN ('present', 'late', 'left_early')) h ON true
    LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE a.status IN ('present', 'late', 'left_early')) AS attended,
               count(*) FILTER (WHERE a.status = 'absent') AS absent
        FROM scheduling_attendance a
        WHERE a.clinic_id = p.clinic_id AND a.patient_id = p.id AND a.is_active
          AND a.starts_at >= %(since)s AND a.ends_at <= %(now)s) r ON true
    LEFT JOIN LATERAL (
        SELECT d.collected_at FROM progress_drugtest d
        WHERE d.clinic_id = p.clinic_id AND d.patient_id = p.id AND d.collected_at IS NOT NULL
        ORDER BY d.collected_at DESC LIMIT 1) t ON true
    LEFT JOIN LATERAL (
        SELECT (array_agg(x.total ORDER BY x.administered_on DESC)
                    FILTER (WHERE x.instrument = 'phq9'))[1:2] AS phq9,
               (array_agg(x.total ORDER BY x.administered_on DESC)
                    FILTER (WHERE x.instrument = 'gad7'))[1:2] AS gad7
        FROM progress_measure x
        WHERE x.clinic_id = p.clinic_id AND x.patient_id = p.id
          AND x.instrument IN ('phq9', 'gad7')) m ON true
    WHERE p.clinic_id = %(clinic)s AND p.case_manager_id = %(manager)s
    ORDER BY p.legal_last_name, p.legal_first_name
"""


def caseload_floor(clinic_id: int, slug: str, params: dict[str, Any]) -> bytes:
    out = ["<!DOCTYPE html><table><tbody>"]
    for pk, first, last, preferred, record, admitted, *counts in _raw(
        clinic_id, CASELOAD_SQL, params
    ):
        this, prev, att, absn, test, phq9, gad7 = counts
        rate = round(100 * att / (att + absn)) if att + absn else "—"
        out.append(
            f'<tr><th scope="row"><a href="/c/{slug}/patients/{pk}/">{escape(preferred or first)} '
            f"{escape(last)}</a> {escape(record)}</th><td>{admitted:%b %d}</td>"
            f"<td>{round((this or 0) / 60, 1)} h</td><td>{round((prev or 0) / 60, 1)} h</td>"
            f"<td>{rate}%</td><td>{test:%b %d}</td><td>{phq9}</td><td>{gad7}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out).encode()


# Every record the chart's sections read, each table's rows as JSON (all their columns: more
# than the page shows, so the floor is, if anything, generous to the product).
CHART_OWN = (
    "iop_enrollment", "iop_diagnosis", "iop_medication", "iop_coverage", "iop_paymentplan",
    "iop_authorization", "billing_claimline", "scheduling_missedsession", "groups_groupnotepart",
    "aftercare_aftercareplan", "family_familymember", "family_familyconsent",
    "family_familydisclosure", "therapy_treatmentplan", "therapy_progressnote",
    "interop_patientdocument", "progress_safetytask",
)  # fmt: skip
CHART_CHILDREN = (  # (table, its parent's column, the parent table)
    ("iop_enrollmentextension", "enrollment_id", "iop_enrollment"),
    ("aftercare_aftercarepdf", "plan_id", "aftercare_aftercareplan"),
    ("family_consentrevocation", "consent_id", "family_familyconsent"),
    ("therapy_problem", "plan_id", "therapy_treatmentplan"),
    ("therapy_goal", "plan_id", "therapy_treatmentplan"),
    ("therapy_objective", "plan_id", "therapy_treatmentplan"),
    ("therapy_plannedintervention", "plan_id", "therapy_treatmentplan"),
)
_OWN = "x.clinic_id = p.clinic_id AND x.patient_id = p.id"
_SECTIONS = [
    f"(SELECT json_agg(row_to_json(x)) FROM {t} x WHERE {_OWN})"  # noqa: S608 - fixed names
    for t in CHART_OWN
] + [
    f"(SELECT json_agg(row_to_json(c)) FROM {t} c WHERE c.{column} IN "  # noqa: S608 - fixed names
    f"(SELECT x.id FROM {parent} x WHERE {_OWN}))"
    for t, column, parent in CHART_CHILDREN
]
CHART_SQL = (
    "SELECT p.legal_first_name, p.legal_last_name, p.record_number, p.date_of_birth, "  # noqa: S608
    + ", ".join(_SECTIONS)
    + """,
      (SELECT json_agg(w ORDER BY w.monday) FROM (
         SELECT date_trunc('week', a.starts_at AT TIME ZONE %(zone)s)::date AS monday,
                sum(a.minutes_attended) FILTER (WHERE a.status IN ('present', 'late',
                    'left_early')) AS attended,
                sum(extract(epoch FROM a.ends_at - a.starts_at) / 60) AS scheduled,
                count(*) FILTER (WHERE a.status = 'absent') AS absent
         FROM scheduling_attendance a
         WHERE a.clinic_id = p.clinic_id AND a.patient_id = p.id AND a.is_active
           AND a.starts_at >= %(since)s GROUP BY 1) w)
    FROM iop_patient p WHERE p.clinic_id = %(clinic)s AND p.id = %(patient)s"""
)


def chart_floor(clinic_id: int, params: dict[str, Any]) -> bytes:
    ((first, last, record, born, *sections),) = _raw(clinic_id, CHART_SQL, params)
    out = [f"<!DOCTYPE html><h1>{escape(first)} {escape(last)}</h1><p>{record} {born}</p>"]
    for section in sections:
        out.append("<section><ul>")
        for item in section or []:
            out.append("<li>" + " ".join(escape(str(v)) for v in item.values()) + "</li>")
        out.append("</ul></section>")
    return "".join(out).encode()


LIST_SQL = """
    SELECT p.id, p.legal_first_name, p.legal_last_name, p.preferred_name, p.record_number,
           p.date_of_birth, e.status, t.name, tu.first_name, tu.last_name, cu.first_name,
           cu.last_name, count(*) OVER ()
    FROM iop_patient p
    LEFT JOIN LATERAL (SELECT e.status, e.track_id FROM iop_enrollment e
        WHERE e.clinic_id = p.clinic_id AND e.patient_id = p.id
        ORDER BY e.admission_date DESC, e.id DESC LIMIT 1) e ON true
    LEFT JOIN scheduling_track t ON t.id = e.track_id
    LEFT JOIN iop_membership tm ON tm.id = p.primary_therapist_id
    LEFT JOIN iop_user tu ON tu.id = tm.user_id
    LEFT JOIN iop_membership cm ON cm.id = p.case_manager_id
    LEFT JOIN iop_user cu ON cu.id = cm.user_id
    WHERE p.clinic_id = %(clinic)s
    ORDER BY p.legal_last_name, p.legal_first_name, p.id LIMIT %(limit)s
"""


def list_floor(clinic_id: int, slug: str, today: datetime.date) -> bytes:
    rows = _raw(clinic_id, LIST_SQL, {"clinic": clinic_id, "limit": 50})
    out = [f"<!DOCTYPE html><p>{rows[0][-1] if rows else 0} patients</p><table><tbody>"]
    for pk, first, last, preferred, record, born, status, track, tf, tl, cf, cl, _n in rows:
        out.append(
            f'<tr><td><a href="/c/{slug}/patients/{pk}/">{escape(preferred or first)} '
            f"{escape(last)}</a></td><td>{escape(record)}</td><td>{born:%b %d, %Y} "
            f"({clock.age_on(born, today)})</td><td>{status or '—'}</td><td>{track or '—'}</td>"
            f"<td>{tf or ''} {tl or ''}</td><td>{cf or ''} {cl or ''}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out).encode()


API_SQL = """
    SELECT id, record_number, legal_first_name, legal_last_name, preferred_name, pronouns,
           date_of_birth, phone, email, address, language, emergency_contact_name,
           emergency_contact_relationship, emergency_contact_phone, primary_therapist_id,
           case_manager_id, created_at, updated_at, count(*) OVER ()
    FROM iop_patient WHERE clinic_id = %(clinic)s
    ORDER BY legal_last_name, legal_first_name, id LIMIT %(limit)s
"""
API_FIELDS = API_SQL.split("SELECT")[1].split(", count(*)", maxsplit=1)[0]


def api_floor(clinic_id: int, limit: int, today: datetime.date) -> bytes:
    rows = _raw(clinic_id, API_SQL, {"clinic": clinic_id, "limit": limit})
    names = [f.strip() for f in API_FIELDS.split(",")]
    results = []
    for row in rows:
        item = dict(zip(names, row[:-1], strict=True))
        first = item["preferred_name"] or item["legal_first_name"]
        item["display_name"] = f"{first} {item['legal_last_name']}"
        item["age"] = clock.age_on(item["date_of_birth"], today)
        results.append(item)
    count = rows[0][-1] if rows else 0
    return json.dumps({"count": count, "results": results}, default=str).encode()


# --- The bench --------------------------------------------------------------------------------


def _measure(
    client: Client,
    *,
    urls: tuple[str, str],
    floor: Callable[[], bytes],
    metric: str,
    what: str,
    check: Callable[[bytes], object] = lambda _: None,
) -> None:
    """`urls`: the measured one, and the one at small N whose query count sits beside it."""
    counts = []
    for url in urls:  # warm-up: the session's first request does more
        client.get(url)
    for url in (urls[1], urls[0]):
        settle_session(client)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(queries))
    body = response.content
    check(body)

    def product() -> bytes:
        got = client.get(urls[0])
        assert got.status_code == 200
        return got.content

    floor_body = floor()
    floor_ms, product_ms = floors.interleaved(floor, product)
    floors.record(
        floors.Row(
            metric, what, floor_ms, product_ms, queries=f"{counts[0]} / {counts[1]}",
            size=f"{len(body) / 1024:.0f} KiB (gzip {len(gzip.compress(body)) / 1024:.0f} KiB)",
            note=f"floor {len(floor_body) / 1024:.0f} KiB",
        )
    )  # fmt: skip


def test_reads_beside_one_raw_query_each(db: None) -> None:
    tenant = _clinic(random.Random(16))
    clinic, slug = tenant.clinic, tenant.clinic.slug
    clinic_id = clinic.pk
    today, now = clock.today(clinic), clock.now()
    tz = clock.zone(clinic)
    monday = clock.week_start(today)

    # The caseload: 80 of one case manager's; small N is a search narrowing it to a few.
    manager = tenant.members[Role.CASE_MANAGER]
    params = {
        "clinic": clinic_id, "manager": manager.pk, "now": now,
        "monday": clock.at(tz, monday, datetime.time.min),
        "last_monday": clock.at(tz, monday - datetime.timedelta(weeks=1), datetime.time.min),
        "next_monday": clock.at(tz, monday + datetime.timedelta(weeks=1), datetime.time.min),
        "since": clock.at(tz, today - datetime.timedelta(days=28), datetime.time.min),
    }  # fmt: skip
    url = f"/c/{slug}/caseload/"
    _measure(
        tenant.client_for(Role.CASE_MANAGER), urls=(url, url + "?q=Reads001"),
        floor=lambda: caseload_floor(clinic_id, slug, params),
        metric=f"caseload, {CASELOAD} patients", what="one raw query + minimal HTML",
        check=lambda body: assert_count(body, b'<th scope="row">', CASELOAD),
    )  # fmt: skip

    # The chart of a patient with 12 weeks of history (small N: a patient with none).
    chart_params = {
        "clinic": clinic_id, "patient": tenant.patient.pk, "zone": str(tz),
        "since": clock.at(tz, monday - datetime.timedelta(weeks=WEEKS - 1), datetime.time.min),
    }  # fmt: skip
    with clinic_context(clinic_id):
        newcomer = Patient.objects.filter(clinic=clinic, record_number="RD0299").get()
    admin = tenant.client_for(Role.ADMIN)
    _measure(
        admin,
        urls=(f"/c/{slug}/patients/{tenant.patient.pk}/", f"/c/{slug}/patients/{newcomer.pk}/"),
        floor=lambda: chart_floor(clinic_id, chart_params), metric=f"chart, {WEEKS} weeks",
        what="one raw query (every section's rows as JSON) + minimal HTML",
    )  # fmt: skip

    # The patient list's first page (small N: a search finding one).
    _measure(
        admin, urls=(f"/c/{slug}/patients/", f"/c/{slug}/patients/?q=RD0001"),
        floor=lambda: list_floor(clinic_id, slug, today), metric="patient list page, 50 of 301",
        what="one raw query + minimal HTML",
    )  # fmt: skip

    # The patients API, 50 and 200 rows (its largest page).
    api = Client(headers={"Authorization": f"Bearer {tenant.token_secret}"})
    api.get("/api/v1/me")
    for rows in (50, 200):
        _measure(
            api, urls=(f"/api/v1/patients/?page_size={rows}", "/api/v1/patients/?page_size=5"),
            floor=lambda rows=rows: api_floor(clinic_id, rows, today),  # type: ignore[misc]
            metric=f"patients API, {rows} rows", what="one raw query + json.dumps",
            check=lambda body, rows=rows: assert_count(body, b'"record_number"', rows),  # type: ignore[misc]
        )  # fmt: skip


def assert_count(body: bytes, marker: bytes, expected: int) -> None:
    assert body.count(marker) == expected, (body.count(marker), expected)
