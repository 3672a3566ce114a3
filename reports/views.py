"""Report pages: the filter form, the chart with its data table and summary, the tables with
"how this is computed", the clinic's definitions, and the CSV export (the clinic's own copy,
or one for outside the clinic with small cells shown as "< 11"). Thin: parse, build, render."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iop.roles import Capability
from iop.views.core import actor_of, clinic_of, clinic_page, clinic_url, form_errors_from

from . import cohort, selectors, services, tables
from .forms import ReportForm, ReportSettingsForm
from .models import PdfStatus

C = Capability


@clinic_page(C.CLINICAL_READ)
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html", {"reports": selectors.REPORTS.values()})


def _page(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = clinic_of(request)
    form = ReportForm(request.GET or None, clinic=clinic)
    context = {"form": form, "definition": selectors.REPORTS[slug]}
    if request.GET and not form.is_valid():
        return render(request, "reports/report.html", context, status=400)
    filters = form.report_filter()
    built = selectors.report_build(clinic=clinic, slug=slug, filters=filters)
    services.report_viewed(clinic=clinic, actor=actor_of(request), slug=slug)
    query = request.GET.urlencode()
    return render(
        request,
        "reports/report.html",
        {
            **context,
            "built": built,
            "heading": tables.filters_described(filters, form.names()),
            "query_items": [(k, v) for k, v in request.GET.items() if k in form.fields],
            "pdf_url": clinic_url(request, f"report-{slug}-pdf"),
            "pdf_choices": [("clinic", "Print a PDF"), ("outside", "PDF for outside the clinic")],
            "csv_url": clinic_url(request, f"report-{slug}-csv") + (f"?{query}" if query else ""),
            "outside_url": clinic_url(request, f"report-{slug}-csv")
            + f"?{query}{'&' if query else ''}audience=outside",
        },
    )


def _csv(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = clinic_of(request)
    params = request.GET.copy()
    audience = params.pop("audience", [""])[-1]
    if audience not in ("", "clinic", "outside"):
        return HttpResponse(
            "audience: choose clinic or outside.", status=400, content_type="text/plain"
        )
    form = ReportForm(params or None, clinic=clinic)
    if params and not form.is_valid():
        problems = "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    filters = form.report_filter()
    built = selectors.report_build(clinic=clinic, slug=slug, filters=filters)
    outside = audience == "outside"
    services.report_viewed(
        clinic=clinic,
        actor=actor_of(request),
        slug=slug,
        export="csv-outside" if outside else "csv",
    )
    body = tables.as_csv(
        title=f"{clinic.name}: {built.definition.title}",
        heading=tables.filters_described(filters, form.names()),
        definitions=built.definitions,
        tables=built.tables,
        outside=outside,
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"{slug}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}{'-outside' if outside else ''}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _views(slug: str) -> tuple[Callable[..., HttpResponse], Callable[..., HttpResponse]]:
    @clinic_page(C.CLINICAL_READ)
    @require_GET
    def page(request: HttpRequest) -> HttpResponse:
        return _page(request, slug)

    @clinic_page(C.CLINICAL_READ)
    @require_GET
    def export(request: HttpRequest) -> HttpResponse:
        return _csv(request, slug)

    page.__name__, export.__name__ = f"report_{slug}", f"report_{slug}_csv"
    return page, export


PAGES = {slug: _views(slug) for slug in selectors.REPORTS}


@clinic_page(C.CLINIC_CONFIGURE)
@require_http_methods(["GET", "POST"])
def report_settings(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    current = cohort.settings_for(clinic)
    form = ReportSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_settings_update(
                clinic=clinic, actor=actor_of(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Report definitions saved.")
            return redirect(clinic_url(request, "report-settings"))
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/settings.html", {"form": form}, status=status)


# --- Printable reports ------------------------------------------------------------------------


def _pdf_request(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = clinic_of(request)
    params = request.POST.copy()
    params.pop("csrfmiddlewaretoken", None)
    outside = params.pop("audience", [""])[-1] == "outside"
    form = ReportForm(params or None, clinic=clinic)
    if params and not form.is_valid():
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    pdf = services.report_pdf_request(
        clinic=clinic,
        actor=actor_of(request),
        slug=slug,
        filters=form.report_filter(),
        outside=outside,
    )
    return redirect(clinic_url(request, "report-pdf", report_pdf_id=pdf.pk))


def _pdf_view(slug: str) -> Callable[..., HttpResponse]:
    @clinic_page(C.CLINICAL_READ)
    @require_POST
    def pdf(request: HttpRequest) -> HttpResponse:
        return _pdf_request(request, slug)

    pdf.__name__ = f"report_{slug}_pdf"
    return pdf


PDF_REQUESTS = {slug: _pdf_view(slug) for slug in selectors.REPORTS}


@clinic_page(C.CLINICAL_READ)
@require_GET
def report_pdf(request: HttpRequest, report_pdf_id: int) -> HttpResponse:
    pdf = selectors.report_pdf_get(clinic=clinic_of(request), pdf_id=report_pdf_id)
    return render(
        request,
        "reports/pdf_status.html",
        {"pdf": pdf, "definition": selectors.REPORTS.get(pdf.report)},
    )


@clinic_page(C.CLINICAL_READ)
@require_GET
def report_pdf_file(request: HttpRequest, report_pdf_id: int) -> HttpResponse:
    pdf = selectors.report_pdf_get(clinic=clinic_of(request), pdf_id=report_pdf_id, content=True)
    if pdf.status != PdfStatus.DONE or pdf.content is None:
        return redirect(clinic_url(request, "report-pdf", report_pdf_id=pdf.pk))
    services.report_pdf_downloaded(pdf=pdf, actor=actor_of(request))
    response = HttpResponse(bytes(pdf.content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename}"'
    return response
