"""FHIR Bulk Data `$export`: 202 with a status URL, the work in a real Celery worker, NDJSON
files per resource type that validate with fhir.resources, progress on the status URL, files
that expire, every step audited; a worker killed mid-export hands the job back and the
export completes once."""

import datetime
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from interop import services
from interop.models import BulkExport, BulkExportFile
from iop.celery import app
from iop.models import AuditEvent, Patient
from iop.models.audit import AuditAction
from iop.roles import Role
from iop.tenancy import clinic_context
from tests import factories
from tests.conftest import Tenant, wait_until

BASE = "/fhir/R4/"
ASYNC = {"Prefer": "respond-async"}


def client_for(tenant: Tenant, role: str = Role.ADMIN) -> Client:
    _token, secret = factories.api_token(tenant.members[role])
    return Client(headers={"Authorization": f"Bearer {secret}"})


def kickoff(client: Client, path: str = "$export", **params: str) -> str:
    response = client.get(BASE + path, params, headers=ASYNC)
    assert response.status_code == 202, response.content
    return response["Content-Location"].removeprefix("http://testserver")


def test_an_export_runs_in_the_worker_and_serves_valid_ndjson(
    clinic_a: Tenant, celery_worker: object
) -> None:
    client = client_for(clinic_a)
    status_url = kickoff(client)
    assert wait_until(lambda: client.get(status_url).status_code == 200, timeout=60)
    manifest = client.get(status_url).json()
    assert manifest["requiresAccessToken"] is True
    types = {entry["type"] for entry in manifest["output"]}
    assert {"Patient", "Condition", "Observation", "Encounter", "CarePlan"} <= types
    for entry in manifest["output"]:
        response = client.get(entry["url"].removeprefix("http://testserver"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+ndjson"
        lines = response.content.decode().splitlines()
        assert len(lines) == entry["count"]
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == entry["type"]
            get_fhir_model_class(entry["type"]).model_validate(resource)
            assert "ETH" in {s["code"] for s in resource["meta"]["security"]}
    export_id = int(status_url.rsplit("/", 1)[1])
    with clinic_context(clinic_a.clinic.pk):
        job = BulkExport.objects.get(pk=export_id)
        events = AuditEvent.objects.filter(object_type="interop.bulkexport", object_id=str(job.pk))
        assert set(events.values_list("action", flat=True)) == {"create", "change"}
        assert AuditEvent.objects.filter(
            action=AuditAction.EXPORT, object_type="iop.patient", object_id=str(clinic_a.patient.pk)
        ).exists()
        assert AuditEvent.objects.filter(
            action=AuditAction.EXPORT, object_type="interop.bulkexportfile"
        ).count() == len(manifest["output"])
        # After the set time the files and the status are gone from the API.
        BulkExport.objects.filter(pk=job.pk).update(
            expires_at=job.completed_at + datetime.timedelta(seconds=1) - datetime.timedelta(days=2)
        )
    assert client.get(status_url).status_code == 404
    assert (
        client.get(manifest["output"][0]["url"].removeprefix("http://testserver")).status_code
        == 404
    )


def test_kickoff_needs_respond_async_known_types_and_a_clinic_client(clinic_a: Tenant) -> None:
    client = client_for(clinic_a)
    assert client.get(f"{BASE}$export").status_code == 400
    bad = client.get(f"{BASE}$export", {"_type": "Patient,Flag"}, headers=ASYNC)
    assert bad.status_code == 400
    assert "Flag" in bad.json()["issue"][0]["diagnostics"]
    assert client.get(f"{BASE}Group/987654/$export", headers=ASYNC).status_code == 404
    group = kickoff(client, f"Group/{clinic_a.records['track_id'].pk}/$export", _type="Patient")
    assert client.get(group).status_code == 202  # accepted, waiting for a worker
    assert client.get(group)["X-Progress"] == "queued"
    # A recipient outside the clinic: per-patient Part 2 consent, never a bulk export.
    from interop.models import Recipient

    with clinic_context(clinic_a.clinic.pk):
        recipient_token = Recipient.objects.get().token
    token, secret = factories.api_token(clinic_a.admin)
    with clinic_context(clinic_a.clinic.pk):
        Recipient.objects.filter(token=recipient_token).update(token=token)
    outside = Client(headers={"Authorization": f"Bearer {secret}"})
    refused = outside.get(f"{BASE}$export", headers=ASYNC)
    assert refused.status_code == 403
    assert "42 CFR Part 2" in refused.json()["issue"][0]["diagnostics"]


@pytest.fixture
def worker_process(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    """`celery -A iop worker --pool=prefork -c 1` on the test database and broker, pausing
    after each exported patient (tests/interop/slow_export.py)."""
    app.control.purge()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "iop.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "REDIS_URL": settings.CELERY_BROKER_URL,
    }
    command = [sys.executable, "-m", "celery", "-A", "iop", "worker", "--pool=prefork",
               "-c", "1", "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--include", "tests.interop.slow_export", "-l", "warning"]  # fmt: skip
    worker = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)
    try:
        # A loaded two-core machine can take a while to import Django in the worker.
        assert wait_until(lambda: bool(psutil.Process(worker.pid).children()), timeout=120)
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def test_a_worker_killed_mid_export_hands_the_job_back_and_it_completes_once(
    clinic_a: Tenant, worker_process: subprocess.Popen[bytes]
) -> None:
    admin = clinic_a.admin.user
    for n in range(3):
        factories.patient(clinic_a.clinic, actor=admin, legal_last_name=f"Bulk{n}")
    job = services.bulk_export_request(
        clinic=clinic_a.clinic, actor=admin, level="system", types=["Patient", "Condition"],
        request_url="http://testserver/fhir/R4/$export",
    )  # fmt: skip
    key = services.progress_key(job.pk)
    assert wait_until(lambda: str(cache.get(key) or "").startswith("1 of"), timeout=60)
    [child] = psutil.Process(worker_process.pid).children()
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    with clinic_context(clinic_a.clinic.pk):
        assert BulkExport.objects.get(pk=job.pk).status == "accepted"
        assert not BulkExportFile.objects.filter(export_id=job.pk).exists()

    def completed() -> bool:
        with clinic_context(clinic_a.clinic.pk):
            return BulkExport.objects.get(pk=job.pk).status == "completed"

    assert wait_until(completed, timeout=90)
    with clinic_context(clinic_a.clinic.pk):
        files = {f.resource_type: f for f in BulkExportFile.objects.filter(export_id=job.pk)}
        assert set(files) == {"Patient", "Condition"}
        patients = files["Patient"].content.splitlines()
        everyone = Patient.objects.filter(clinic=clinic_a.clinic).count()
        assert everyone >= 4
        assert len(patients) == files["Patient"].count == everyone
        assert len({json.loads(line)["id"] for line in patients}) == everyone
        done = AuditEvent.objects.filter(
            object_type="interop.bulkexport", object_id=str(job.pk), action=AuditAction.CHANGE
        )
        assert done.count() == 1  # completed once
    assert worker_process.poll() is None


def request_export(tenant: Tenant) -> BulkExport:
    return services.bulk_export_request(
        clinic=tenant.clinic, actor=tenant.admin.user, level="system", types=["Patient"],
        request_url="http://testserver/fhir/R4/$export",
    )  # fmt: skip


def test_the_worker_deletes_files_past_their_window_and_only_this_clinics(
    clinic_a: Tenant, clinic_b: Tenant, celery_worker: object
) -> None:
    from interop.tasks import purge_expired_exports

    jobs = {tenant.clinic.pk: request_export(tenant) for tenant in (clinic_a, clinic_b)}

    def files_of(clinic_id: int) -> int:
        with clinic_context(clinic_id):
            return BulkExportFile.objects.filter(export_id=jobs[clinic_id].pk).count()

    assert wait_until(lambda: all(files_of(c) == 1 for c in jobs), timeout=60)
    for clinic_id, job in jobs.items():  # both past their window
        with clinic_context(clinic_id):
            BulkExport.objects.filter(pk=job.pk).update(
                expires_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
            )
    a, b = clinic_a.clinic.pk, clinic_b.clinic.pk
    purge_expired_exports.delay(clinic_id=a)

    assert wait_until(lambda: files_of(a) == 0, timeout=30)
    assert files_of(b) == 1  # another clinic's expired files wait for its own run
    with clinic_context(a):
        assert BulkExport.objects.filter(pk=jobs[a].pk).exists()  # the disclosure's trace
        assert (
            AuditEvent.objects.filter(
                action=AuditAction.DELETE, object_type="interop.bulkexportfile", actor__isnull=True
            ).count()
            == 1
        )
        # A second run finds nothing more to do.
        assert services.bulk_exports_purge_expired(clinic_id=a) == 0


def test_an_export_inside_its_window_keeps_its_files(clinic_a: Tenant) -> None:
    job = request_export(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        services.bulk_export_build(BulkExport.objects.select_related("clinic").get(pk=job.pk))
        assert services.bulk_exports_purge_expired(clinic_id=clinic_a.clinic.pk) == 0
        assert BulkExportFile.objects.filter(export_id=job.pk).count() == 1
