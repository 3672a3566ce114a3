"""The roster's rows as HTML. A page holds up to 300 of them, so a row is built here, by
string formatting, rather than by a template with two dozen lookups a row (which was most of
the page's time), and is kept small:

- every link and form action is a base URL reversed once a page (`RosterUrls`) plus the
  row's id; one form per row, one button per status, no CSRF token in it (htmx sends the
  page's X-CSRFToken header) and no second copy of its URL: the mark cell is `hx-boost`ed,
  so htmx posts the form to its action and GETs the Times link, and the tbody swaps the row;
- a button's accessible name says which patient without repeating the name: the button is
  `aria-labelledby` the page's one hidden label for its action (`mark_labels`) and the row's
  own name link, e.g. "Present: Pat Smith";
- the arrival and departure form is not in the row until its Times link asks for it.

Escaping: the patient's name and record number, the make-up session's names and the error
go through `escape` once each; everything else put into the markup is an int, a status of
the model's choices (escaped too) or a constant of this module. Django's `format_html`
escapes every argument, at ~4 µs each: 50 a row, it doubled the page's time."""

import datetime
from dataclasses import dataclass
from html import escape

from django.template.defaultfilters import date as date_format
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from .models import Attendance, AttendanceStatus

# (status, label, key): the buttons, in their order; the key marks the focused row (app.js).
BUTTONS = [
    ("present", "Present", "P"),
    ("late", "Late", "L"),
    ("left_early", "Left early", "E"),
    ("absent", "Absent", "A"),
    ("excused", "Excused", "X"),
]
# The other actions' hidden labels, by id: Clear, Undo and the Times link. (A status's label
# is "m" and its key, which is how app.js finds the button a key presses.)
OTHER_LABELS = [("m-clear", "Clear mark:"), ("m-undo", "Undo:"), ("m-times", "Times:")]
ATTENDED_WITH_TIMES = ("present", "late", "left_early")
STATUS_LABELS = dict(AttendanceStatus.choices)


@dataclass(frozen=True)
class RosterUrls:
    """Base URLs, each completed by a row's id and a slash."""

    mark: str  # /c/<clinic>/roster/attendance/
    chart: str  # /c/<clinic>/patients/


def mark_labels() -> SafeString:
    """The hidden labels the rows' buttons are named by, once a page: "Present:" … ."""
    labels = [(f"m{key}", f"{label}:") for _, label, key in BUTTONS] + OTHER_LABELS
    spans = "".join(f'<span id="{id_}">{text}</span>' for id_, text in labels)
    return mark_safe(f'<div class="mark-labels" hidden>{spans}</div>')  # noqa: S308 (constants)


def _time(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M") if moment else ""


def _makeup_note(row: Attendance) -> str:
    """A make-up guest's row says which session it makes up."""
    if not row.makeup_of_id:
        return ""
    missed = row.makeup_of.session  # type: ignore[union-attr]
    what = f" · {missed.group_type.name}" if missed.group_type else ""
    if missed.topic:
        what += f": {missed.topic.name}"
    day = date_format(timezone.localtime(missed.starts_at), "D M j")
    return (
        ' <span class="tag tag--info">Make-up</span>'
        f' <span class="muted makeup-of">for {day}{escape(what)}</span>'
    )


def _minutes(row: Attendance) -> str:
    if row.minutes_attended is None:
        return ""
    arrived = f" · in {_time(row.arrived_at)}" if row.arrived_at else ""
    left = f" · out {_time(row.left_at)}" if row.left_at else ""
    return f' <span class="muted">{row.minutes_attended:d} min{arrived}{left}</span>'


def _marks(
    row: Attendance, urls: RosterUrls, status: str, *, started: bool, undo: str, times_link: bool
) -> str:
    """The row's form: a button per status (only Excused before the session starts), then
    Clear, Undo (just after a mark) and the Times link, each named with the patient."""
    who = f"n{row.pk:d}"
    parts = [
        f'<button name="status" value="{value}" aria-pressed="{str(value == status).lower()}"'
        f' aria-labelledby="m{key} {who}">{label}</button>'
        for value, label, key in BUTTONS
        if started or value == "excused"
    ]
    if status != "expected" and undo != "expected":
        parts.append(
            '<button name="status" value="expected" class="link-button"'
            f' aria-labelledby="m-clear {who}">Clear</button>'
        )
    if undo and undo != status:
        parts.append(
            f'<button name="status" value="{escape(undo)}" class="link-button" data-undo'
            f' aria-labelledby="m-undo {who}">Undo</button>'
        )
    if times_link and started and status in ATTENDED_WITH_TIMES:
        # A GET: by htmx into the row (the cell is boosted), without script a page.
        parts.append(
            f'<a href="{urls.mark}{row.pk:d}/times/" aria-labelledby="m-times {who}">Times</a>'
        )
    return (
        f'<form method="post" action="{urls.mark}{row.pk:d}/" class="roster-actions">'
        f"{''.join(parts)}</form>"
    )


def times_form(row: Attendance, urls: RosterUrls, status: str, csrf_token: str = "") -> SafeString:
    """The arrival and departure form of one row, saved with `status` (its own, or the late
    or left-early mark that was refused for want of a time). Its page of its own (no script)
    passes the CSRF token; on the roster htmx sends it."""
    name = escape(row.patient.display_name)
    token = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
        if csrf_token
        else ""
    )
    return mark_safe(  # noqa: S308 (escaped as the module's docstring says)
        f'<form method="post" action="{urls.mark}{row.pk:d}/" class="times">{token}'
        f'<label>Arrived <input type="time" name="arrived_at" value="{_time(row.arrived_at)}"'
        f' aria-label="Arrived: {name}" autofocus></label> '
        f'<label>Left <input type="time" name="left_at" value="{_time(row.left_at)}"'
        f' aria-label="Left: {name}"></label> '
        f'<button name="status" value="{escape(status)}" class="mark">Save times</button></form>'
    )


def roster_row(
    row: Attendance,
    *,
    urls: RosterUrls,
    can_mark: bool,
    started: bool,
    undo: str = "",
    error: str = "",
    times: str = "",
) -> SafeString:
    """One patient's line; `times` (a status to save with) opens its arrival and departure
    form in place of its Times link."""
    patient = row.patient
    status = escape(row.status)
    mark = ""
    if can_mark:
        marks = _marks(row, urls, status, started=started, undo=undo, times_link=not times)
        opened = times_form(row, urls, times) if times else ""
        mark = f'<td class="mark-col" hx-boost="true">{marks}{opened}</td>'
    problem = f' <span class="field__error" role="alert">{escape(error)}</span>' if error else ""
    html = (
        f'<tr id="row-{row.pk:d}" class="roster-row--{status}" tabindex="-1" data-row>'
        f'<th scope="row"><a id="n{row.pk:d}" href="{urls.chart}{patient.pk:d}/">'
        f"{escape(patient.display_name)}</a>"
        f' <span class="muted">{escape(patient.record_number)}</span>{_makeup_note(row)}</th>'
        f'<td><span class="status status--{status}">{STATUS_LABELS.get(row.status, status)}</span>'
        f"{_minutes(row)}{problem}</td>{mark}</tr>\n"
    )
    return mark_safe(html)  # noqa: S308 (escaped as the module's docstring says)


def roster_rows(
    rows: list[Attendance], *, urls: RosterUrls, can_mark: bool, started: bool
) -> SafeString:
    return mark_safe(  # noqa: S308 (each row is roster_row's)
        "".join(roster_row(r, urls=urls, can_mark=can_mark, started=started) for r in rows)
    )
