"""Reports pages, included under /c/<clinic_slug>/ by iop/urls.py."""

from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", views.report_index, name="report-index"),
    path("reports/settings/", views.report_settings, name="report-settings"),
]
for slug, (page, export) in views.PAGES.items():
    urlpatterns += [
        path(f"reports/{slug}/", page, name=f"report-{slug}"),
        path(f"reports/{slug}/export.csv", export, name=f"report-{slug}-csv"),
    ]
