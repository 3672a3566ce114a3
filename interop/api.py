"""The interop REST API: webhook subscriptions (a clinic admin's), their delivery log,
manual redelivery and resuming a paused subscription. Thin: parse, call a service or
selector, render."""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from iop import events
from iop.api.views import ClinicAPIView
from iop.roles import Capability

from . import imports, selectors, services
from .models import WebhookDelivery, WebhookSubscription

C = Capability


class WebhookOutput(serializers.ModelSerializer):
    paused = serializers.SerializerMethodField()

    class Meta:
        model = WebhookSubscription
        fields = [
            "id", "url", "events", "description", "is_active", "paused", "paused_at",
            "consecutive_failures", "created_at",
        ]  # fmt: skip

    def get_paused(self, obj: WebhookSubscription) -> bool:
        return obj.paused_at is not None


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(
        help_text="The HMAC-SHA256 signing key. Shown once, in this answer only."
    )

    class Meta(WebhookOutput.Meta):
        fields = [*WebhookOutput.Meta.fields, "secret"]


class WebhookInput(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=events.EVENT_TYPES), min_length=1, max_length=10
    )
    description = serializers.CharField(max_length=200, required=False, default="")


class DeliveryOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "subscription", "event_id", "event_type", "payload", "status", "attempts",
            "last_status_code", "last_error", "last_attempt_at", "delivered_at", "created_at",
        ]  # fmt: skip


WEBHOOK_DESCRIPTION = (
    "Each event is POSTed as JSON `{id, type, occurred_at, clinic, data: {object, id}}` — ids "
    "and the event type only, never patient details — with headers `X-IOP-Event`, "
    "`X-IOP-Delivery` (the event id) and `X-IOP-Signature: t=<unix seconds>,v1=<hex>`, where "
    "v1 is HMAC-SHA256 of `<t>.<body>` under the subscription's secret. Refuse a t more than "
    "300 s from your clock (replay window). A 2xx answer is success; anything else is retried "
    "with exponential backoff, and the subscription pauses after repeated failures. Events: "
    + ", ".join(events.EVENT_TYPES)
    + "."
)


class WebhookListView(ClinicAPIView):
    capabilities = {"GET": C.CLINIC_CONFIGURE, "POST": C.CLINIC_CONFIGURE}

    @extend_schema(responses=WebhookOutput(many=True), summary="Webhook subscriptions")
    def get(self, request: Request) -> Response:
        rows = WebhookSubscription.objects.filter(clinic=self.clinic).order_by("-created_at", "-id")
        return self.paginated(rows, WebhookOutput)

    @extend_schema(
        request=WebhookInput,
        responses={201: WebhookCreatedOutput},
        summary="Subscribe a URL to events",
        description=WEBHOOK_DESCRIPTION,
    )
    def post(self, request: Request) -> Response:
        data = WebhookInput(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.webhook_subscribe(
            clinic=self.clinic, actor=self.actor, **data.validated_data
        )
        return Response(WebhookCreatedOutput(subscription).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(ClinicAPIView):
    capabilities = {"GET": C.CLINIC_CONFIGURE}

    @extend_schema(responses=WebhookOutput, summary="A webhook subscription")
    def get(self, request: Request, id: int) -> Response:
        subscription = selectors.webhook_get(clinic=self.clinic, subscription_id=id)
        return Response(WebhookOutput(subscription).data)


class WebhookResumeView(ClinicAPIView):
    capabilities = {"POST": C.CLINIC_CONFIGURE}

    @extend_schema(request=None, responses=WebhookOutput, summary="Resume a paused subscription")
    def post(self, request: Request, id: int) -> Response:
        subscription = selectors.webhook_get(clinic=self.clinic, subscription_id=id)
        services.webhook_resume(clinic=self.clinic, actor=self.actor, subscription=subscription)
        return Response(WebhookOutput(subscription).data)


def _subscription_param(request: Request) -> int | None:
    value = request.query_params.get("subscription", "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise serializers.ValidationError({"subscription": ["A subscription id is a number."]})
    return int(value)


class DeliveryListView(ClinicAPIView):
    capabilities = {"GET": C.CLINIC_CONFIGURE}

    @extend_schema(
        parameters=[OpenApiParameter("subscription", OpenApiTypes.INT)],
        responses=DeliveryOutput(many=True),
        summary="The delivery log, newest first (response codes, attempts)",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.deliveries_for(
            clinic=self.clinic, subscription_id=_subscription_param(request)
        )
        return self.paginated(rows, DeliveryOutput)


class DeliveryDetailView(ClinicAPIView):
    capabilities = {"GET": C.CLINIC_CONFIGURE}

    @extend_schema(responses=DeliveryOutput, summary="One delivery")
    def get(self, request: Request, id: int) -> Response:
        delivery = selectors.delivery_get(clinic=self.clinic, delivery_id=id)
        return Response(DeliveryOutput(delivery).data)


class DeliveryRedeliverView(ClinicAPIView):
    capabilities = {"POST": C.CLINIC_CONFIGURE}

    @extend_schema(
        request=None,
        responses={202: DeliveryOutput},
        summary="Send a delivery again (409 while its subscription is paused)",
    )
    def post(self, request: Request, id: int) -> Response:
        delivery = selectors.delivery_get(clinic=self.clinic, delivery_id=id)
        services.webhook_redeliver(clinic=self.clinic, actor=self.actor, delivery=delivery)
        data: Any = DeliveryOutput(delivery).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


# --- Patient import -----------------------------------------------------------------------------


class ImportInput(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV (UTF-8) or XLSX with a header row; columns as in the template."
    )


class ImportProblem(serializers.Serializer):
    row = serializers.IntegerField(help_text="The spreadsheet's row (the header is row 1).")
    column = serializers.CharField()
    message = serializers.CharField()


class ImportPreviewOutput(serializers.Serializer):
    rows = serializers.IntegerField()
    valid = serializers.IntegerField(help_text="Rows that would be imported.")
    rows_with_errors = serializers.IntegerField()
    errors = ImportProblem(many=True)  # type: ignore[assignment]  # DRF moves it to fields
    warnings = ImportProblem(many=True)


class ImportResultOutput(ImportPreviewOutput):
    imported = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the patients created."
    )


IMPORT_DESCRIPTION = (
    "Columns: " + ", ".join(imports.COLUMNS) + f" (required: {', '.join(imports.REQUIRED)}). "
    "Dates as YYYY-MM-DD (or date cells in XLSX). A row with an error (missing or bad value, "
    "bad date, duplicate record number in the file or the clinic, unknown track) is not "
    "imported; warnings do not stop a row. Messages name the row and column, never values."
)


def _checked(view: ClinicAPIView, request: Request) -> imports.Checked:
    data = ImportInput(data=request.data)
    data.is_valid(raise_exception=True)
    upload = data.validated_data["file"]
    if upload.size > imports.MAX_BYTES:
        raise serializers.ValidationError({"file": ["The file is larger than 5 MB."]})
    try:
        rows = imports.read_table(upload.name or "", upload.read())
    except imports.ImportFileError as exc:
        raise serializers.ValidationError({"file": [str(exc)]}) from exc
    return imports.check(view.clinic, rows)


class ImportPreviewView(ClinicAPIView):
    capabilities = {"POST": C.ENROLLMENT_MANAGE}
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportInput},
        responses=ImportPreviewOutput,
        summary="Dry run of a patient import: row-level errors and warnings, nothing written",
        description=IMPORT_DESCRIPTION,
    )
    def post(self, request: Request) -> Response:
        return Response(ImportPreviewOutput(_checked(self, request).summary()).data)


class ImportView(ClinicAPIView):
    capabilities = {"POST": C.ENROLLMENT_MANAGE}
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportInput},
        responses={201: ImportResultOutput},
        summary="Import the valid rows of a patient file, in one transaction",
        description=IMPORT_DESCRIPTION,
    )
    def post(self, request: Request) -> Response:
        checked = _checked(self, request)
        patients = services.patient_import(clinic=self.clinic, actor=self.actor, checked=checked)
        result = {**checked.summary(), "imported": [p.pk for p in patients]}
        return Response(ImportResultOutput(result).data, status=status.HTTP_201_CREATED)


class ImportTemplateView(ClinicAPIView):
    capabilities = {"GET": C.ENROLLMENT_MANAGE}
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=["csv", "xlsx"], description="csv")
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, imports.XLSX): OpenApiTypes.BINARY,
        },
        summary="The patient import template (CSV, or XLSX with ?kind=xlsx)",
    )
    def get(self, request: Request) -> HttpResponse:
        kind = request.query_params.get("kind", "csv")
        if kind not in ("csv", "xlsx"):
            raise serializers.ValidationError({"kind": ["Choose csv or xlsx."]})
        return imports.template_xlsx() if kind == "xlsx" else imports.template_csv()
