"""What any stored value may be: dates and times the database and Python can both read back,
and text without NUL bytes or other control characters.

A year-9999 appointment in Chicago is year 10000 in UTC: PostgreSQL stores it and Python
cannot read it back, so every page that lists it fails for everyone. Dates and times are
therefore kept to years 1900–2200 on every path: each form and serializer date/time field
(`install()`, called once at start-up, gives Django's and DRF's date and time fields this
validator, so a field declared anywhere is bounded), and every tenant model's
`clean_fields()` (the services' `validate_and_save`). Tighter bounds where the meaning asks
for them (a birth date in the past) live with the record.

PostgreSQL refuses NUL in text; other C0 control characters (but tab, line feed and carriage
return) have no business in a clinic's records and break exports and calendar feeds."""

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import fields

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2200, 12, 31)
OUT_OF_RANGE = f"Enter a date between {EARLIEST.year} and {LATEST.year}."
NUL = "Remove the NUL character (\\0) from the text."
CONTROL = "Remove the control characters from the text."
# Every text field's ceiling, where the field sets none lower: some 3,000 words.
MAX_TEXT = 20_000
TOO_LONG = f"Shorten the text to {MAX_TEXT:,} characters."
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def date_in_range(value: Any) -> None:
    """Validator: a date or datetime within EARLIEST–LATEST, on its own clock and in UTC."""
    if isinstance(value, datetime.datetime):
        try:
            days = [value.date()]
            if value.tzinfo is not None:
                days.append(value.astimezone(datetime.UTC).date())
        except OverflowError:
            raise ValidationError(OUT_OF_RANGE, code="date_range") from None
    elif isinstance(value, datetime.date):
        days = [value]
    else:
        return
    if not all(EARLIEST <= day <= LATEST for day in days):
        raise ValidationError(OUT_OF_RANGE, code="date_range")


def clean_text(value: Any) -> None:
    """Validator: no NUL byte, and what `text_in_bounds` asks."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError(NUL, code="null_characters_not_allowed")
    text_in_bounds(value)


def text_in_bounds(value: Any) -> None:
    """Validator: no control character but tab and line breaks, at most MAX_TEXT characters.
    (Django's and DRF's text fields refuse NUL themselves.)"""
    if not isinstance(value, str):
        return
    if len(value) > MAX_TEXT:
        raise ValidationError(TOO_LONG, code="max_length")
    if _CONTROL.search(value):
        raise ValidationError(CONTROL, code="control_characters")


def value_problem(value: Any) -> str | None:
    """The message for a value no record may hold, or None."""
    for check in (date_in_range, clean_text):
        try:
            check(value)
        except ValidationError as exc:
            return str(exc.messages[0])
    return None


DATE_FIELDS = (forms.DateField, forms.DateTimeField, fields.DateField, fields.DateTimeField)
TEXT_FIELDS = (forms.CharField, fields.CharField)


def install() -> None:
    """Bound every form and serializer date/time field and clean every text field the
    product builds, wherever it is declared (forms, model forms, DRF serializers)."""
    wanted: list[tuple[Any, Any]] = [
        *((field, date_in_range) for field in DATE_FIELDS),
        *((field, text_in_bounds) for field in TEXT_FIELDS),
    ]
    for field, validator in wanted:
        if validator not in field.default_validators:
            field.default_validators = [*field.default_validators, validator]


def day_param(raw: str | None, default: datetime.date) -> datetime.date:
    """A `?date=YYYY-MM-DD` style parameter: the day it names, or `default` when it is
    missing, malformed or outside the years a record may hold."""
    try:
        day = datetime.date.fromisoformat(raw or "")
    except ValueError:
        return default
    return day if EARLIEST <= day <= LATEST else default
