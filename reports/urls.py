"""Reports pages, included under /c/<clinic_slug>/ by iop/urls.py."""

from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", views.report_index, name="report-index"),
    path("reports/settings/", views.report_settings, name="report-settings"),
    path("reports/pdfs/<int:report_pdf_id>/", views.report_pdf, name="report-pdf"),
    path("reports/pdfs/<int:report_pdf_id>/file", views.report_pdf_file, name="report-pdf-file"),
]
for slug, (page, export) in views.PAGES.items():
    urlpatterns += [
        path(f"reports/{slug}/", page, name=f"report-{slug}"),
        path(f"reports/{slug}/export.csv", export, name=f"report-{slug}-csv"),
        path(f"reports/{slug}/pdf", views.PDF_REQUESTS[slug], name=f"report-{slug}-pdf"),
    ]
