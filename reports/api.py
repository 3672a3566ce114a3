"""The reports as JSON: the same tables the pages and CSV show (selectors.REPORTS), with the
filters and the clinic's definitions they were computed with. `audience=outside` shows small
cells (counts from 1 to 10, and rates built on one) as "< 11"."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from iop.api.views import ClinicAPIView
from iop.models.care import LevelOfCare
from iop.roles import Capability

from . import selectors, services, tables
from .forms import ReportForm

C = Capability


class NamedValue(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.CharField()


class TableOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    how = serializers.CharField(help_text="How the figures are computed.")
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="Cells: a label, a count, a rate in percent (one decimal), null when no one "
        'is in the denominator, or "< 11" for a small cell in an outside export.',
    )


class ReportOutput(serializers.Serializer):
    report = serializers.CharField()
    title = serializers.CharField()
    filters = NamedValue(many=True)
    definitions = NamedValue(many=True, help_text="The clinic's choices the figures depend on.")
    outside = serializers.BooleanField(help_text="Small cells are shown as < 11.")
    tables = TableOutput(many=True)


FILTERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 12 weeks ago)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (default: today)"),
    OpenApiParameter("track", OpenApiTypes.INT, description="Track id"),
    OpenApiParameter("site", OpenApiTypes.INT, description="Site id"),
    OpenApiParameter("level_of_care", OpenApiTypes.STR, enum=LevelOfCare.values),
    OpenApiParameter(
        "therapist", OpenApiTypes.INT, description="Primary therapist (membership id)"
    ),
    OpenApiParameter("payer", OpenApiTypes.STR, description="Payer of the primary coverage"),
    OpenApiParameter("audience", OpenApiTypes.STR, enum=["clinic", "outside"]),
]


class ReportView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ}
    pagination_class = None  # one report, all of it
    slug = ""

    def get(self, request: Request) -> Response:
        params = request.query_params.copy()
        audience = params.pop("audience", [""])[-1]
        if audience not in ("", "clinic", "outside"):
            raise serializers.ValidationError({"audience": ["Choose clinic or outside."]})
        form = ReportForm(params or None, clinic=self.clinic)
        if params and not form.is_valid():
            raise serializers.ValidationError(
                {field: [str(e) for e in errors] for field, errors in form.errors.items()}
            )
        filters = form.report_filter()
        built = selectors.report_build(clinic=self.clinic, slug=self.slug, filters=filters)
        outside = audience == "outside"
        services.report_viewed(
            clinic=self.clinic,
            actor=self.actor,
            slug=self.slug,
            export="api-outside" if outside else "",
        )
        data: dict[str, Any] = {
            "report": self.slug,
            "title": built.definition.title,
            "filters": [
                {"name": n, "value": v} for n, v in tables.filters_described(filters, form.names())
            ],
            "definitions": [{"name": n, "value": v} for n, v in built.definitions],
            "outside": outside,
            "tables": [
                {
                    "slug": t.slug,
                    "title": t.title,
                    "how": t.how,
                    "columns": t.columns,
                    "rows": t.shown(outside),
                }
                for t in built.tables
            ],
        }
        return Response(ReportOutput(data).data)


def _view(slug: str) -> type[ReportView]:
    definition = selectors.REPORTS[slug]

    @extend_schema(
        parameters=FILTERS,
        responses=ReportOutput,
        summary=f"Report: {definition.title}",
        description=definition.lead,
        operation_id=f"report_{slug}",
    )
    def get(self: ReportView, request: Request) -> Response:
        return ReportView.get(self, request)

    return type(f"{slug.title()}ReportView", (ReportView,), {"slug": slug, "get": get})


VIEWS = {slug: _view(slug) for slug in selectors.REPORTS}
