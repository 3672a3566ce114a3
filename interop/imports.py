"""Patient import from a spreadsheet (CSV or XLSX): reading the file (the standard library's
csv module, openpyxl for XLSX), checking every row without writing anything (the dry run),
and the template a clinic fills in.

A row is refused with the reason per field (missing or bad values, a bad date, a record
number used twice in the file or already in the clinic, an unknown track); warnings do not
stop a row (no way to contact the patient, an adolescent). Messages name the row and the
column, never the values in it.
"""

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from iop import clock
from iop.bounds import value_problem
from iop.models import Clinic, Patient, Track
from iop.spreadsheets import csv_response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS = (
    "record_number", "legal_first_name", "legal_last_name", "date_of_birth", "preferred_name",
    "pronouns", "phone", "email", "language", "track", "admission_date",
)  # fmt: skip
REQUIRED = ("record_number", "legal_first_name", "legal_last_name", "date_of_birth")
PATIENT_COLUMNS = COLUMNS[:9]
EXAMPLE = (
    "NEW-0001", "Jordan", "Rivera", "1990-04-17", "Jo", "they/them", "555-0100",
    "jordan@example.org", "English", "Morning IOP", "2026-12-07",
)  # fmt: skip
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be read (not CSV/XLSX, no header, too big)."""


@dataclass
class Problem:
    row: int  # the spreadsheet's row number (the header is row 1)
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class CheckedRow:
    row: int
    patient: Patient
    track: Track | None = None
    admission_date: datetime.date | None = None


@dataclass
class Checked:
    """The dry run: the rows that would be imported, and every error and warning."""

    rows: int = 0
    valid: list[CheckedRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def rows_with_errors(self) -> int:
        return len({problem.row for problem in self.errors})

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "valid": len(self.valid),
            "rows_with_errors": self.rows_with_errors,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(name: str, content: bytes) -> list[dict[str, str]]:
    """The file's rows as {column: text}, by its header row (names lower-cased)."""
    if len(content) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if content.startswith(b"PK\x03\x04") or name.lower().endswith(".xlsx"):
        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            table = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            book.close()
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise ImportFileError("The file is not a readable XLSX workbook.") from exc
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError("Save the CSV file as UTF-8.") from exc
        if "\x00" in text:
            raise ImportFileError("The file is not a CSV text file.")
        try:
            table = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
        except csv.Error as exc:
            raise ImportFileError("The CSV file cannot be read.") from exc
    table = [row for row in table if any(row)] if table else []
    if not table:
        raise ImportFileError("The file is empty.")
    header = [cell.strip().lower() for cell in table[0]]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ImportFileError(f"The header row lacks: {', '.join(missing)}.")
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(f"Import at most {MAX_ROWS} rows at a time.")
    return [
        {column: (row[i] if i < len(row) else "") for i, column in enumerate(header)}
        for row in table[1:]
    ]


def _date(text: str) -> datetime.date | None:
    try:
        value = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return None if value_problem(value) else value


@dataclass
class _Context:
    taken: set[str]
    tracks: dict[str, Track]
    seen: dict[str, int] = field(default_factory=dict)


def _row_problems(
    index: int, values: dict[str, str], context: _Context
) -> tuple[list[Problem], datetime.date | None, Track | None, datetime.date | None]:
    """What is wrong with one row, before the patient's own field checks."""
    problems = [Problem(index, c, "Required.") for c in REQUIRED if not values.get(c)]
    number = values.get("record_number", "")
    if number in context.taken:
        problems.append(
            Problem(index, "record_number", "Another patient of the clinic has this number.")
        )
    elif number in context.seen:
        problems.append(
            Problem(index, "record_number", f"Also on row {context.seen[number]} of this file.")
        )
    elif number:
        context.seen[number] = index
    dates: dict[str, datetime.date | None] = {}
    for column in ("date_of_birth", "admission_date"):
        dates[column] = _date(values[column]) if values.get(column) else None
        if values.get(column) and dates[column] is None:
            problems.append(Problem(index, column, "Not a date: write it as YYYY-MM-DD."))
    track = None
    if values.get("track"):
        track = context.tracks.get(values["track"].strip().lower())
        if track is None:
            problems.append(Problem(index, "track", "No track of the clinic has this name."))
        if not values.get("admission_date"):
            problems.append(Problem(index, "admission_date", "Give the admission date."))
    elif values.get("admission_date"):
        problems.append(Problem(index, "track", "Name the track the patient is admitted to."))
    return problems, dates["date_of_birth"], track, dates["admission_date"]


def check(clinic: Clinic, rows: list[dict[str, str]]) -> Checked:
    """Every row checked against the clinic's records, in two queries whatever the size of
    the file (the record numbers in use, the tracks)."""
    checked = Checked(rows=len(rows))
    context = _Context(
        taken=set(Patient.objects.filter(clinic=clinic).values_list("record_number", flat=True)),
        tracks={t.name.strip().lower(): t for t in Track.objects.filter(clinic=clinic)},
    )
    today = clock.today(clinic)
    for index, values in enumerate(rows, start=2):
        problems, born, track, admitted = _row_problems(index, values, context)
        patient = Patient(
            clinic=clinic, **{c: values.get(c, "") for c in PATIENT_COLUMNS if c != "date_of_birth"}
        )
        patient.date_of_birth = born  # type: ignore[assignment]
        patient.language = patient.language or "English"
        try:
            # The clinic is ours (no query per row to look it up again).
            patient.full_clean(
                exclude=["clinic", *{p.column for p in problems}],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            problems += [
                Problem(index, name if name in COLUMNS else "record", message)
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        if problems:
            checked.errors += problems
            continue
        if not patient.phone and not patient.email:
            checked.warnings.append(Problem(index, "phone", "No phone or email: no way to call."))
        if born and patient.adolescent_on(today):
            checked.warnings.append(
                Problem(index, "date_of_birth", "Under 18: a parent's consent is needed.")
            )
        checked.valid.append(CheckedRow(index, patient, track, admitted))
    return checked


def template_csv() -> HttpResponse:
    return csv_response("patient-import-template.csv", list(COLUMNS), [EXAMPLE])


def template_xlsx() -> HttpResponse:
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.title = "Patients"
    rows: Iterable[Iterable[str]] = (COLUMNS, EXAMPLE)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type=XLSX,
    )
    response["Content-Disposition"] = 'attachment; filename="patient-import-template.xlsx"'
    return response
