"""The aftercare plan as a printable document: HTML from a template, PDF by WeasyPrint, in
the worker only (aftercare.tasks). WeasyPrint fetches nothing but our own static files."""

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import pgettext_lazy
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from iop import clock
from iop.languages import document_language
from iop.models import Site
from iop.part2 import PART2_NOTICE

from .models import AftercarePdf, AftercarePlan


class FetchRefusedError(ValueError):
    """A document asked for something other than one of our static files."""


def static_roots() -> list[Path]:
    roots = [Path(d) for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots]


class StaticFilesOnly(URLFetcher):
    """Serves `file://` URLs inside our static folders and refuses everything else: no
    network (http, https, ftp, data), no other file on the machine."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefusedError("only our own static files are fetched")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in static_roots()) or not path.is_file():
            raise FetchRefusedError("only our own static files are fetched")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})


def _static_base_url() -> str:
    return Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"


# "Tuesdays 7:30 AM": a weekly meeting's day, whole words per language (never "Tuesday"+"s").
EVERY_WEEKDAY = [
    pgettext_lazy("meets every", "Mondays"),
    pgettext_lazy("meets every", "Tuesdays"),
    pgettext_lazy("meets every", "Wednesdays"),
    pgettext_lazy("meets every", "Thursdays"),
    pgettext_lazy("meets every", "Fridays"),
    pgettext_lazy("meets every", "Saturdays"),
    pgettext_lazy("meets every", "Sundays"),
]


def plan_context(plan: AftercarePlan, pdf: AftercarePdf | None = None) -> dict[str, Any]:
    clinic = plan.clinic
    site = Site.objects.filter(clinic_id=clinic.pk, is_active=True).order_by("id").first()
    return {
        "clinic": clinic,
        "site": site,
        "plan": plan,
        "patient": plan.patient,
        "enrollment": plan.enrollment,
        "support_groups": [
            (group, EVERY_WEEKDAY[group.meeting_day] if group.meeting_day is not None else "")
            for group in plan.support_groups.all()
        ],
        "contacts": list(plan.contacts.all()),
        "medications": list(plan.medications.all()),
        "appointments": list(plan.appointments.all()),
        "signer": plan.signed_by,
        "pdf": pdf,
        "notice": PART2_NOTICE if pdf is not None and pdf.is_release else "",
        "static_base": _static_base_url(),
    }


def plan_html(plan: AftercarePlan, pdf: AftercarePdf | None = None) -> str:
    """In the clinic's time zone and the patient's language (iop.languages)."""
    with (
        timezone.override(clock.zone(plan.clinic)),
        translation.override(document_language(plan.patient)),
    ):
        return render_to_string("aftercare/pdf/plan.html", plan_context(plan, pdf))


def html_to_pdf(html: str) -> bytes:
    document = HTML(string=html, base_url=_static_base_url(), url_fetcher=StaticFilesOnly())
    return bytes(document.write_pdf())


def render_plan_pdf(pdf: AftercarePdf) -> bytes:
    return html_to_pdf(plan_html(pdf.plan, pdf))
