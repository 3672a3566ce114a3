"""The product's URLs plus one trivial view, reachable signed out and under a clinic, so the
per-request cost of being signed in to a clinic is measured apart from any page's own work;
and the floors of the pages bench/test_throughput.py loads (the same rows by one raw query
joined into minimal HTML or JSON), served by the same server. Only the benches route here
(`override_settings(ROOT_URLCONF=…)`, bench/settings.py): never production."""

import datetime
import json

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from iop.models import Patient
from iop.services.core import PATIENT_FIELDS
from iop.tenancy import clinic_context

PAGE = 50  # the API's page size (REST_FRAMEWORK's PAGE_SIZE)
COLUMNS = ", ".join(Patient._meta.get_field(name).column for name in PATIENT_FIELDS)
PATIENTS_SQL = f"""
    SELECT id, {COLUMNS}, created_at, updated_at, count(*) OVER ()
    FROM iop_patient WHERE clinic_id = %s
    ORDER BY legal_last_name, legal_first_name, id LIMIT {PAGE}
"""  # noqa: S608 - column names from the product's own tuple


def trivial(request: HttpRequest, clinic_slug: str = "") -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def roster_floor(request: HttpRequest, clinic_id: int, slug: str, day: str) -> HttpResponse:
    from bench.test_roster import floor_page

    html = floor_page(clinic_id, slug, datetime.date.fromisoformat(day))
    return HttpResponse(html)


def patients_floor(request: HttpRequest, clinic_id: int) -> HttpResponse:
    with clinic_context(clinic_id), connection.cursor() as cursor:
        cursor.execute(PATIENTS_SQL, [clinic_id])
        names = [column.name for column in cursor.description][:-1]
        rows = cursor.fetchall()
    body = {
        "count": rows[0][-1] if rows else 0,
        "results": [dict(zip(names, row[:-1], strict=True)) for row in rows],
    }
    return HttpResponse(json.dumps(body, default=str), content_type="application/json")


urlpatterns = [
    path("bench-trivial/", trivial),
    path("c/<slug:clinic_slug>/bench-trivial/", trivial),
    path("bench-floor/roster/<int:clinic_id>/<slug:slug>/<str:day>/", roster_floor),
    path("bench-floor/patients/<int:clinic_id>/", patients_floor),
    path("", include("iop.urls")),
]
