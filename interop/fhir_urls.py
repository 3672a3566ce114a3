"""The FHIR R4 API, included under /fhir/R4/ by iop/urls.py."""

from django.urls import URLPattern, URLResolver, path

from . import fhir, fhir_api

urlpatterns: list[URLPattern | URLResolver] = [
    path("metadata", fhir_api.MetadataView.as_view(), name="fhir-metadata"),
    path("$export", fhir_api.ExportKickoffView.as_view(level="system"), name="fhir-export-system"),
    path(
        "Patient/$export",
        fhir_api.ExportKickoffView.as_view(level="patient"),
        name="fhir-export-patient",
    ),
    path(
        "Group/<str:resource_id>/$export",
        fhir_api.ExportKickoffView.as_view(level="group"),
        name="fhir-export-group",
    ),
    path(
        "bulk-status/<int:export_id>", fhir_api.ExportStatusView.as_view(), name="fhir-bulk-status"
    ),
    path(
        "bulk-files/<int:export_id>/<str:resource_type>.ndjson",
        fhir_api.ExportFileView.as_view(),
        name="fhir-bulk-file",
    ),
    path(
        "Patient/<str:resource_id>/$everything",
        fhir_api.EverythingView.as_view(),
        name="fhir-patient-everything",
    ),
]
for _type in fhir.RESOURCE_TYPES:
    urlpatterns += [
        path(_type, fhir_api.SearchView.as_view(resource_type=_type), name=f"fhir-{_type}-search"),
        path(
            f"{_type}/<str:resource_id>",
            fhir_api.ReadView.as_view(resource_type=_type),
            name=f"fhir-{_type}-read",
        ),
    ]
