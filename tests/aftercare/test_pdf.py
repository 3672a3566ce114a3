"""The plan PDF: what it says (read back with pypdf), the Part 2 notice on releases,
downloads on the audit trail, and a URL fetcher that serves nothing but our static files."""

import hashlib
import io
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfReader

from aftercare import services
from aftercare.models import AftercarePdf
from aftercare.pdf import PART2_NOTICE, FetchRefusedError, StaticFilesOnly, html_to_pdf
from iop.models import AuditEvent
from iop.roles import Role
from iop.tenancy import clinic_context
from tests import factories
from tests.aftercare.factories import FULL_LISTS, FULL_PLAN
from tests.conftest import Tenant


def pdf_pages(content: bytes) -> list[str]:
    """Each page's text on one line: where the lines wrap does not matter."""
    reader = PdfReader(io.BytesIO(content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def pdf_text(content: bytes) -> str:
    return " ".join(pdf_pages(content))


def rendered(tenant: Tenant, pdf: AftercarePdf) -> AftercarePdf:
    """The worker's task body, run here: the content is the point of these tests."""
    return services.aftercare_pdf_render(clinic_id=tenant.clinic.pk, pdf_id=pdf.pk)


SECTIONS = [
    "1. Step-down care", "2. Continued therapy", "3. Support groups", "4. Sober living",
    "5. Vocational and education goals", "6. Relapse prevention", "7. Medications",
    "8. Appointments already booked", "9. Alumni group", "10. Crisis resources",
    "11. Follow-up check-ins", "Signatures",
]  # fmt: skip


def test_the_pdf_has_every_section_with_its_content(clinic_a: Tenant) -> None:
    pdf = rendered(clinic_a, clinic_a.records["aftercare_pdf_id"])
    assert pdf.status == "done"
    assert pdf.content is not None
    content = bytes(pdf.content)
    assert content.startswith(b"%PDF-")
    assert pdf.sha256 == hashlib.sha256(content).hexdigest()
    assert pdf.size == len(content)
    pages = pdf_pages(content)
    running_name = f"Pat Patient-alpha · DOB 05/17/1990 · {clinic_a.patient.record_number}"
    for number, page in enumerate(pages, start=1):  # the running footer, on every page
        assert f"{running_name} Page {number} of {len(pages)}" in page, number
    text = pdf_text(content)
    for heading in SECTIONS:
        assert heading in text, heading
    expected = [
        "Clinic alpha", "Site alpha", "Aftercare plan", "Pat Patient-alpha", "May 17, 1990",
        "Outpatient (ASAM 1)", "Call or text 988", "1, 3, 6 and 12 months", "Tuesdays 7:30 AM",
        "SMART Recovery", "Robin Sponsor", "555-0111", "naltrexone", "50 mg",
        "Lakeside Counseling, Suite 4", "Acknowledged (typed name)",
        clinic_a.members[Role.CASE_MANAGER].user.display_name,
        *(v for k, v in FULL_PLAN.items() if isinstance(v, str) and k != "step_down_level"),
    ]  # fmt: skip
    for value in expected:
        assert value in text, value
    assert "42 CFR part 2" not in text  # the clinic's own copy is not a disclosure
    assert FULL_LISTS["support_groups"][0]["location"] in text


def test_a_release_carries_the_part2_notice_and_its_download_is_an_export(
    clinic_a: Tenant,
) -> None:
    plan = clinic_a.records["aftercare_plan_id"]
    cm = clinic_a.members[Role.CASE_MANAGER].user
    with pytest.raises(Exception, match="consent"):
        services.aftercare_pdf_request(plan, actor=cm, released_to="Dr. Hale")
    release, created = services.aftercare_pdf_request(
        plan,
        actor=cm,
        released_to="Dr. Imani Hale, Lakeside Counseling",
        purpose="continuity of care",
        consent_reference="consent signed Nov 20, 2026",
    )
    assert created
    text = pdf_text(bytes(rendered(clinic_a, release).content or b""))
    assert "Released to Dr. Imani Hale, Lakeside Counseling for continuity of care" in text
    assert " ".join(PART2_NOTICE.split()) in text

    _, secret = factories.api_token(clinic_a.members[Role.THERAPIST])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    response = client.get(f"/api/v1/aftercare-pdfs/{release.pk}/file")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(response.content).hexdigest() == response["X-Content-SHA256"]
    with clinic_context(clinic_a.clinic.pk):
        exports = AuditEvent.objects.filter(
            action="export", object_type="aftercare.aftercarepdf", object_id=str(release.pk)
        )
        assert exports.count() == 1
        assert exports.get().patient_id == clinic_a.patient.pk


def test_the_file_is_409_until_done_and_the_job_says_why(clinic_a: Tenant) -> None:
    pdf = clinic_a.records["aftercare_pdf_id"]
    _, secret = factories.api_token(clinic_a.members[Role.AUDITOR])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    early = client.get(f"/api/v1/aftercare-pdfs/{pdf.pk}/file")
    assert early.status_code == 409
    assert "not ready" in early.json()["error"]["message"]
    job = client.get(f"/api/v1/aftercare-pdfs/{pdf.pk}").json()
    assert (job["status"], job["file_url"]) == ("queued", None)
    rendered(clinic_a, pdf)
    job = client.get(f"/api/v1/aftercare-pdfs/{pdf.pk}").json()
    assert job["status"] == "done"
    assert client.get(job["file_url"]).status_code == 200
    page = clinic_a.client_for(Role.AUDITOR).get(
        f"/c/{clinic_a.clinic.slug}/aftercare/pdfs/{pdf.pk}/download/"
    )
    assert page.status_code == 200
    assert page.content.startswith(b"%PDF-")


def test_a_pdf_is_only_made_of_a_signed_version(clinic_a: Tenant) -> None:
    draft = services.aftercare_plan_revise(
        clinic_a.records["aftercare_plan_id"], actor=clinic_a.members[Role.THERAPIST].user
    )
    _, secret = factories.api_token(clinic_a.members[Role.THERAPIST])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    response = client.post(f"/api/v1/aftercare-plans/{draft.pk}/pdf")
    assert response.status_code == 409
    assert "Sign the plan first" in response.json()["error"]["message"]


# --- The URL fetcher ----------------------------------------------------------------------------


@pytest.fixture
def web_server() -> Iterator[dict[str, Any]]:
    """A local web server that counts the requests it gets."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "hits": hits}
    server.shutdown()


def our_css() -> Path:
    return Path(settings.STATICFILES_DIRS[0]) / "css" / "aftercare-pdf.css"


def test_the_fetcher_serves_our_static_files_and_refuses_everything_else(
    web_server: dict[str, Any],
) -> None:
    fetcher = StaticFilesOnly()
    served = fetcher.fetch(our_css().resolve().as_uri())
    assert served.read() == our_css().read_bytes()
    assert served.content_type == "text/css"
    for url in (
        f"{web_server['url']}/style.css",
        "https://example.org/logo.png",
        "file:///etc/passwd",
        our_css().resolve().as_uri().replace("/css/aftercare-pdf.css", "/../pyproject.toml"),
        "file://otherhost" + str(our_css().resolve()),
        "data:text/plain,hello",
        "ftp://example.org/x",
    ):
        with pytest.raises(FetchRefusedError):
            fetcher.fetch(url)
    assert web_server["hits"] == []


def test_a_rendered_document_reaches_no_network_and_no_file_outside_static(
    web_server: dict[str, Any],
) -> None:
    html = f"""<html><head>
      <link rel="stylesheet" href="{web_server["url"]}/evil.css">
      <link rel="stylesheet" href="file:///etc/passwd">
      </head><body><p>Plan text</p>
      <img src="{web_server["url"]}/pixel.png">
      <iframe src="file:///etc/passwd"></iframe>
      <img src="file:///etc/hostname"></body></html>"""
    text = pdf_text(html_to_pdf(html))
    assert "Plan text" in text
    assert "root:" not in text
    assert web_server["hits"] == []


SECTIONS_ES = [
    "1. Siguiente nivel de atención", "2. Terapia continua", "3. Grupos de apoyo",
    "4. Vivienda sobria", "5. Metas laborales y educativas", "6. Prevención de recaídas",
    "7. Medicamentos", "8. Citas ya programadas", "9. Grupo de exalumnos",
    "10. Recursos en caso de crisis", "11. Llamadas de seguimiento", "Firmas",
]  # fmt: skip


@pytest.mark.parametrize("language", ["Spanish", "español", "es"])
def test_a_spanish_speaking_patients_plan_is_in_spanish(clinic_a: Tenant, language: str) -> None:
    """The document follows the patient's language (their own words in it stay theirs);
    read back from the PDF itself."""
    patient = clinic_a.patient
    with clinic_context(clinic_a.clinic.pk):
        type(patient).objects.filter(pk=patient.pk).update(language=language)
    pages = pdf_pages(bytes(rendered(clinic_a, clinic_a.records["aftercare_pdf_id"]).content))
    text = " ".join(pages)
    assert "Plan de cuidado posterior" in text
    for heading in SECTIONS_ES:
        assert heading in text, heading
    for words in ("Fecha de nacimiento", "17 de mayo de 1990", "Llame o envíe un mensaje",
                  "Los martes 07:30",
                  "Recibido (nombre escrito)", "Página 1 de"):  # fmt: skip
        assert words in text, words
    for english in ("Step-down care", "Relapse prevention", "Crisis resources", "Page 1 of"):
        assert english not in text, english
    assert FULL_PLAN["triggers"] in text  # what the plan says is not translated


def test_the_committed_catalogs_are_compiled_from_their_po_files(tmp_path: Path) -> None:
    """The .mo files are committed (no gettext needed to run the app); each must be exactly
    what msgfmt makes of its .po, so an edited .po without `make messages` fails here."""
    catalogs = sorted((Path(settings.BASE_DIR) / "locale").glob("*/LC_MESSAGES/django.po"))
    assert catalogs
    for po in catalogs:
        fresh = tmp_path / f"{po.parent.parent.name}.mo"
        made = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", str(fresh), str(po)],  # noqa: S607
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        # Every entry translated: a document half in English is not the patient's language.
        assert "untranslated" not in made.stderr, made.stderr
        assert "fuzzy" not in made.stderr, made.stderr
        assert fresh.read_bytes() == po.with_suffix(".mo").read_bytes(), po
