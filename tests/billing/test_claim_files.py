"""The claim file is written by a real Celery worker: progress on the page, the 837 and CSV
stored with the 837's SHA-256, downloads audited as disclosures, and the stored 837 passes
pyx12."""

import hashlib
import time

import pytest
from django.test import Client

from billing import services
from billing.models import ClaimFile, ClaimFileStatus, ClaimStatus
from iop.models import AuditEvent
from iop.models.audit import AuditAction
from iop.roles import Role
from iop.tenancy import clinic_context
from tests import factories
from tests.billing.test_claims import NOVEMBER, _validate
from tests.billing.test_readiness import NOW, _patient, _setup

pytestmark = pytest.mark.worker


@pytest.mark.instant(NOW)
def test_the_worker_writes_the_837_and_the_biller_downloads_it(
    transactional_db: None, celery_worker: object
) -> None:
    s = _setup()
    _patient(s)
    _patient(s)
    biller = factories.member(s.clinic, Role.BILLING)
    claims = services.claims_build(
        clinic=s.clinic, actor=biller.user, start=NOVEMBER[0], end=NOVEMBER[1]
    )
    for claim in claims:
        services.claim_set_status(claim, actor=biller.user, status=ClaimStatus.READY)
    client = Client()
    client.force_login(biller.user)
    base = f"/c/{s.clinic.slug}/billing"
    asked = client.post(f"{base}/files/new/", {"claim_format": "837I"})
    assert asked.status_code == 302
    with clinic_context(s.clinic.pk):
        claim_file = ClaimFile.objects.get()
    assert asked["Location"] == f"{base}/files/{claim_file.pk}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with clinic_context(s.clinic.pk):
            claim_file.refresh_from_db()
        if claim_file.status == ClaimFileStatus.DONE:
            break
        time.sleep(0.2)
    assert claim_file.status == ClaimFileStatus.DONE
    assert claim_file.progress == 2
    assert claim_file.sha256 == hashlib.sha256(claim_file.content.encode()).hexdigest()
    page = client.get(f"{base}/files/{claim_file.pk}/").content.decode()
    assert claim_file.sha256 in page
    assert "2 claims written" in page
    download = client.get(f"{base}/files/{claim_file.pk}/837/")
    assert download.status_code == 200
    assert download.content.decode() == claim_file.content
    ok, report = _validate(claim_file.content)
    assert ok, report
    csv_lines = client.get(f"{base}/files/{claim_file.pk}/csv/").content.decode().splitlines()
    assert len(csv_lines) == 1 + 6  # header, three days for each of two patients
    with clinic_context(s.clinic.pk):
        exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=biller.user)
        assert sorted(exports.values_list("patient_id", flat=True)) == sorted(
            [c.patient_id for c in claims] * 2
        )
