"""CSV for spreadsheets: the one writer every export uses.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets, and a formula can run commands or send the sheet's data away
(OWASP, "CSV Injection"). Such a cell is written with a leading apostrophe, which the
spreadsheet shows as plain text; everything else is written as it is."""

import csv
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    """A CSV download of `rows` under `header`, every cell neutralised."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([plain_cell(name) for name in header])
    for row in rows:
        writer.writerow([plain_cell(value) for value in row])
    return response
