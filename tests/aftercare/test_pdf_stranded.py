"""A render whose worker was lost stays "rendering" only until its time limit has passed: the
beat sweep then shows it failed, and Retry (page or API) accepts it; a render still inside
its time limit is left alone and Retry refuses it."""

import datetime

import time_machine
from django.conf import settings
from django.test import Client

from aftercare import services, tasks
from aftercare.models import AftercarePdf
from iop import clock
from iop.roles import Role
from iop.tenancy import clinic_context
from tests import factories
from tests.conftest import Tenant


def pdf_row(tenant: Tenant, pdf_id: int) -> AftercarePdf:
    with clinic_context(tenant.clinic.pk):
        return AftercarePdf.objects.get(pk=pdf_id)


def started_ago(tenant: Tenant, pdf: AftercarePdf, seconds: float) -> None:
    """The worker's first step (before_start), taken that long ago, and then nothing more."""
    with time_machine.travel(clock.now() - datetime.timedelta(seconds=seconds), tick=False):
        services.aftercare_pdf_mark_started(clinic_id=tenant.clinic.pk, pdf_id=pdf.pk)


def api_client(tenant: Tenant) -> Client:
    _, secret = factories.api_token(tenant.members[Role.CASE_MANAGER])
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_sweep_fails_a_render_stranded_past_its_time_limit(clinic_a: Tenant) -> None:
    pdf = clinic_a.records["aftercare_pdf_id"]
    limit = services.stranded_after().total_seconds()
    assert limit == tasks.RENDER_TIME_LIMIT + 30
    started_ago(clinic_a, pdf, limit + 5)
    assert pdf_row(clinic_a, pdf.pk).status == "rendering"

    tasks.fail_stranded_pdfs(clinic_id=clinic_a.clinic.pk)
    swept = pdf_row(clinic_a, pdf.pk)
    assert (swept.status, swept.error_code, swept.content) == ("failed", "worker_lost", None)

    page = clinic_a.client_for(Role.CASE_MANAGER).get(
        f"/c/{clinic_a.clinic.slug}/aftercare/{pdf.plan_id}/"
    )
    assert "PDF failed" in page.content.decode()
    assert f"/aftercare/pdfs/{pdf.pk}/retry/" in page.content.decode()
    retried = api_client(clinic_a).post(f"/api/v1/aftercare-pdfs/{pdf.pk}/retry")
    assert retried.status_code == 202
    again = pdf_row(clinic_a, pdf.pk)
    assert (again.status, again.attempts, again.error_code) == ("queued", 0, "")


def test_a_render_inside_its_time_limit_is_left_alone_and_not_retried(clinic_a: Tenant) -> None:
    pdf = clinic_a.records["aftercare_pdf_id"]
    started_ago(clinic_a, pdf, tasks.RENDER_TIME_LIMIT - 10)
    tasks.fail_stranded_pdfs(clinic_id=clinic_a.clinic.pk)
    assert pdf_row(clinic_a, pdf.pk).status == "rendering"
    refused = api_client(clinic_a).post(f"/api/v1/aftercare-pdfs/{pdf.pk}/retry")
    assert refused.status_code == 409
    assert pdf_row(clinic_a, pdf.pk).status == "rendering"


def test_a_stranded_render_can_be_retried_from_the_page_before_the_sweep(
    clinic_a: Tenant,
) -> None:
    pdf = clinic_a.records["aftercare_pdf_id"]
    started_ago(clinic_a, pdf, services.stranded_after().total_seconds() + 5)
    response = clinic_a.client_for(Role.CASE_MANAGER).post(
        f"/c/{clinic_a.clinic.slug}/aftercare/pdfs/{pdf.pk}/retry/"
    )
    assert response.status_code == 302
    assert pdf_row(clinic_a, pdf.pk).status == "queued"


def test_the_sweep_leaves_other_clinics_alone(clinic_a: Tenant, clinic_b: Tenant) -> None:
    stale = services.stranded_after().total_seconds() + 5
    started_ago(clinic_a, clinic_a.records["aftercare_pdf_id"], stale)
    started_ago(clinic_b, clinic_b.records["aftercare_pdf_id"], stale)
    tasks.fail_stranded_pdfs(clinic_id=clinic_a.clinic.pk)
    assert pdf_row(clinic_a, clinic_a.records["aftercare_pdf_id"].pk).status == "failed"
    assert pdf_row(clinic_b, clinic_b.records["aftercare_pdf_id"].pk).status == "rendering"


def test_the_sweep_runs_every_minute_in_beat() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["fail-stranded-pdfs"]
    assert entry["task"] == tasks.fail_stranded_pdfs_everywhere.name
    assert entry["schedule"] == 60
