"""Patient import from CSV and XLSX: the dry run reports exactly the bad rows (and why, by
row and column), the import creates the rest in one transaction, audited; the template
downloads and imports as it is."""

import csv
import datetime
import io
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from interop import imports
from iop.models import AuditEvent, Enrollment, Patient
from iop.models.audit import AuditAction
from iop.roles import Role
from iop.tenancy import clinic_context
from tests import factories
from tests.conftest import Tenant

URL = "/api/v1/patient-imports/"


def api(tenant: Tenant, role: str = Role.ADMIN) -> Client:
    _token, secret = factories.api_token(tenant.members[role])
    return Client(headers={"Authorization": f"Bearer {secret}"})


def csv_file(rows: list[list[str]], name: str = "patients.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(imports.COLUMNS)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def good_row(n: int, track: str = "", admitted: str = "") -> list[str]:
    return [f"IMP{n:05d}", f"First{n}", f"Last{n}", "1985-06-01", "", "", f"555-{n:04d}",
            "", "English", track, admitted]  # fmt: skip


def thousand_rows_with_twenty_bad(tenant: Tenant) -> tuple[list[list[str]], set[int]]:
    """1,000 rows; rows (spreadsheet numbers, header = 1) in `bad` are wrong in one way each."""
    rows = [good_row(n) for n in range(1000)]
    bad: set[int] = set()

    def spoil(index: int, column: str, value: str) -> None:
        rows[index][imports.COLUMNS.index(column)] = value
        bad.add(index + 2)

    for i in range(5):  # a record number already used on an earlier row
        spoil(100 + i, "record_number", f"IMP{i:05d}")
    for i in range(3):  # a record number the clinic has
        spoil(200 + i, "record_number", tenant.patient.record_number)
    for i, text in enumerate(["1985-13-01", "01/06/1985", "yesterday", "3000-01-01", "1985-02-30"]):
        spoil(300 + i, "date_of_birth", text)
    for i in range(4):
        spoil(400 + i, "track", "Midnight IOP")
        rows[400 + i][imports.COLUMNS.index("admission_date")] = "2026-12-07"
    for i in range(3):
        spoil(500 + i, "legal_last_name", "")
    # Ten good rows enroll in the clinic's track.
    for i in range(10):
        rows[600 + i][imports.COLUMNS.index("track")] = "morning iop"
        rows[600 + i][imports.COLUMNS.index("admission_date")] = "2026-12-07"
    return rows, bad


def test_a_thousand_rows_with_twenty_bad_ones_import_the_other_980(clinic_a: Tenant) -> None:
    rows, bad = thousand_rows_with_twenty_bad(clinic_a)
    assert len(bad) == 20
    client = api(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        before = Patient.objects.count()
    preview = client.post(f"{URL}preview", {"file": csv_file(rows)})
    assert preview.status_code == 200, preview.content
    result = preview.json()
    assert (result["rows"], result["valid"], result["rows_with_errors"]) == (1000, 980, 20)
    assert {e["row"] for e in result["errors"]} == bad
    by_row = {e["row"]: e for e in result["errors"]}
    assert by_row[102]["column"] == "record_number"
    assert "row 2" in by_row[102]["message"]
    assert by_row[202]["column"] == "record_number"
    assert by_row[302]["column"] == "date_of_birth"
    assert by_row[402]["column"] == "track"
    assert by_row[502]["column"] == "legal_last_name"
    assert tenant_name_absent(result, clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        assert Patient.objects.count() == before  # a dry run writes nothing

    done = client.post(URL, {"file": csv_file(rows)})
    assert done.status_code == 201, done.content
    assert len(done.json()["imported"]) == 980
    with clinic_context(clinic_a.clinic.pk):
        assert Patient.objects.count() == before + 980
        imported = Patient.objects.filter(record_number__startswith="IMP")
        assert imported.count() == 980
        assert not imported.filter(record_number__in=["IMP00300", "IMP00500"]).exists()
        assert Enrollment.objects.filter(patient__in=imported).count() == 10
        created = AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_type="iop.patient", object_id__in=[
                str(pk) for pk in done.json()["imported"]]
        )  # fmt: skip
        assert created.count() == 980
    # The same file again: every row's record number is now taken.
    again = client.post(f"{URL}preview", {"file": csv_file(rows)}).json()
    assert again["valid"] == 0


def tenant_name_absent(result: dict[str, Any], tenant: Tenant) -> bool:
    text = str(result)
    return "First1" not in text and tenant.patient.legal_last_name not in text


def test_xlsx_with_date_cells(clinic_a: Tenant) -> None:
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.append(list(imports.COLUMNS))
    sheet.append(["X1", "Ana", "Lopez", datetime.date(1990, 1, 2), "", "", "555-1", "", "", "", ""])
    sheet.append(["X2", "Ben", "Okafor", "not a date", "", "", "", "", "", "", ""])
    sheet.append(["X3", "Cy", "Young", datetime.date(2012, 5, 5), "", "", "", "", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("p.xlsx", buffer.getvalue())
    result = api(clinic_a).post(f"{URL}preview", {"file": upload}).json()
    assert (result["rows"], result["valid"]) == (3, 2)
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(3, "date_of_birth")]
    warnings = {(w["row"], w["column"]) for w in result["warnings"]}
    assert warnings == {(4, "phone"), (4, "date_of_birth")}  # no contact; under 18


def test_the_template_downloads_and_imports_as_it_is(clinic_a: Tenant) -> None:
    client = api(clinic_a)
    template = client.get(f"{URL}template")
    assert template.status_code == 200
    assert template["Content-Type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(template.content.decode())))
    assert tuple(header) == imports.COLUMNS
    upload = SimpleUploadedFile("template.csv", template.content)
    assert client.post(f"{URL}preview", {"file": upload}).json()["valid"] == 1
    xlsx = client.get(f"{URL}template", {"kind": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert tuple(c.value for c in sheet[1]) == imports.COLUMNS
    upload = SimpleUploadedFile("template.xlsx", xlsx.content)
    assert client.post(f"{URL}preview", {"file": upload}).json()["valid"] == 1


def test_unreadable_files_are_400s_that_say_why(clinic_a: Tenant) -> None:
    client = api(clinic_a)
    cases = {
        "zip.xlsx": b"PK\x03\x04garbage",
        "latin.csv": "nom,prénom\n".encode("latin-1"),
        "noheader.csv": b"a,b,c\n1,2,3\n",
        "empty.csv": b"",
    }
    for name, content in cases.items():
        response = client.post(f"{URL}preview", {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 400, name
        assert "file" in response.json()["error"]["fields"], name


def test_only_those_who_enroll_may_import(clinic_a: Tenant) -> None:
    rows = [good_row(1)]
    for role, allowed in [(Role.CASE_MANAGER, True), (Role.FRONT_DESK, False),
                          (Role.THERAPIST, False), (Role.AUDITOR, False)]:  # fmt: skip
        response = api(clinic_a, role).post(f"{URL}preview", {"file": csv_file(rows)})
        assert response.status_code == (200 if allowed else 403), role
