"""The billing API: claim readiness day by day, payers, billing providers and Part 2 payer
consents. Thin: parse, call a service or selector, render."""

import datetime
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from iop.api.views import ClinicAPIView, ClinicScopedField
from iop.bounds import EARLIEST, LATEST
from iop.models import Patient, Site
from iop.roles import Capability
from iop.services import records_viewed

from . import selectors, services
from .models import BillingProvider, Payer, PayerConsent, Remittance

C = Capability


class ReadinessFilter(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (default: month start).")
    end = serializers.DateField(required=False, help_text="Last day (default: today).")
    payer = serializers.IntegerField(required=False, min_value=1)
    track = serializers.IntegerField(required=False, min_value=1)
    blocker = serializers.ChoiceField(required=False, choices=list(selectors.BLOCKERS))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("start", "end"):
            value = attrs.get(name)
            if value is not None and not EARLIEST <= value <= LATEST:
                raise serializers.ValidationError({name: ["The date is out of range."]})
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        return attrs


class DayOutput(serializers.Serializer):
    date = serializers.DateField(source="day")
    patient = serializers.IntegerField(source="patient.pk")
    record_number = serializers.CharField(source="patient.record_number")
    enrollment = serializers.IntegerField(source="enrollment.pk")
    track = serializers.IntegerField(source="enrollment.track_id")
    minutes = serializers.IntegerField()
    payer = serializers.IntegerField(source="payer.pk", allow_null=True, default=None)
    authorization_number = serializers.CharField(
        source="authorization.number", allow_null=True, default=None
    )
    diagnosis_codes = serializers.ListField(child=serializers.CharField())
    amount = serializers.DecimalField(max_digits=9, decimal_places=2)
    ready = serializers.BooleanField()
    blockers = serializers.SerializerMethodField()

    def get_blockers(self, day: Any) -> list[dict[str, str]]:
        return [{"code": code, "label": selectors.BLOCKERS[code]} for code in day.blockers]


class HeldOutput(serializers.Serializer):
    blocker = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    days = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class ReadinessOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    ready_days = serializers.IntegerField()
    ready_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    held = HeldOutput(many=True)
    days = DayOutput(many=True)


class ReadinessView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ}
    pagination_class = None

    @extend_schema(
        parameters=[ReadinessFilter], responses=ReadinessOutput,
        summary="Every attended day of the range with its blockers, oldest first",
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        query = ReadinessFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        start: datetime.date | None = wanted.get("start")
        start, end = selectors.readiness_range(self.clinic, start, wanted.get("end"))
        readiness = selectors.claim_readiness(
            clinic=self.clinic, start=start, end=end, payer_id=wanted.get("payer"),
            track_id=wanted.get("track"), blocker=wanted.get("blocker"),
        )  # fmt: skip
        records_viewed(
            clinic=self.clinic, actor=self.actor,
            records=list({d.enrollment.pk: d.enrollment for d in readiness.days}.values()),
        )  # fmt: skip
        return Response(ReadinessOutput(readiness).data)


class PayerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payer
        fields = ["id", *services.PAYER_FIELDS]
        read_only_fields = ["id"]
        validators: list[Any] = []


class PayerListView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ, "POST": C.BILLING_MANAGE}

    @extend_schema(responses=PayerSerializer(many=True), summary="The clinic's payers")
    def get(self, request: Request) -> Response:
        return self.paginated(selectors.payer_list(clinic=self.clinic), PayerSerializer)

    @extend_schema(request=PayerSerializer, responses={201: PayerSerializer})
    def post(self, request: Request) -> Response:
        data = PayerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payer = services.payer_create(clinic=self.clinic, actor=self.actor, **data.validated_data)
        return Response(PayerSerializer(payer).data, status=status.HTTP_201_CREATED)


class PayerDetailView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ, "PATCH": C.BILLING_MANAGE}

    @extend_schema(responses=PayerSerializer)
    def get(self, request: Request, id: int) -> Response:
        return Response(PayerSerializer(selectors.payer_get(clinic=self.clinic, payer_id=id)).data)

    @extend_schema(request=PayerSerializer, responses=PayerSerializer)
    def patch(self, request: Request, id: int) -> Response:
        payer = selectors.payer_get(clinic=self.clinic, payer_id=id)
        data = PayerSerializer(payer, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.payer_update(payer, actor=self.actor, **data.validated_data)
        return Response(PayerSerializer(payer).data)


class ProviderSerializer(serializers.ModelSerializer):
    site = ClinicScopedField(queryset=Site.objects.all(), required=False, allow_null=True)
    missing = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = BillingProvider
        fields = ["id", *services.PROVIDER_FIELDS, "missing"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class ProviderListView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ, "POST": C.BILLING_MANAGE}

    @extend_schema(responses=ProviderSerializer(many=True), summary="Billing providers")
    def get(self, request: Request) -> Response:
        return self.paginated(selectors.provider_list(clinic=self.clinic), ProviderSerializer)

    @extend_schema(request=ProviderSerializer, responses={201: ProviderSerializer})
    def post(self, request: Request) -> Response:
        data = ProviderSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        provider = services.provider_create(
            clinic=self.clinic, actor=self.actor, **data.validated_data
        )
        return Response(ProviderSerializer(provider).data, status=status.HTTP_201_CREATED)


class ProviderDetailView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ, "PATCH": C.BILLING_MANAGE}

    @extend_schema(responses=ProviderSerializer)
    def get(self, request: Request, id: int) -> Response:
        provider = selectors.provider_get(clinic=self.clinic, provider_id=id)
        return Response(ProviderSerializer(provider).data)

    @extend_schema(request=ProviderSerializer, responses=ProviderSerializer)
    def patch(self, request: Request, id: int) -> Response:
        provider = selectors.provider_get(clinic=self.clinic, provider_id=id)
        data = ProviderSerializer(
            provider, data=request.data, partial=True, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        services.provider_update(provider, actor=self.actor, **data.validated_data)
        return Response(ProviderSerializer(provider).data)


class PayerConsentSerializer(serializers.ModelSerializer):
    patient = ClinicScopedField(queryset=Patient.objects.all())
    payer = ClinicScopedField(queryset=Payer.objects.all())

    class Meta:
        model = PayerConsent
        fields = ["id", "patient", "payer", "signed_on", "expires_on", "revoked_on"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class PayerConsentListView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ, "POST": C.BILLING_MANAGE}

    @extend_schema(
        parameters=[OpenApiParameter("patient", OpenApiTypes.INT)],
        responses=PayerConsentSerializer(many=True),
        summary="Part 2 consents to disclose to a payer",
    )
    def get(self, request: Request) -> Response:
        rows = PayerConsent.objects.filter(clinic=self.clinic).order_by("-signed_on", "id")
        raw = request.query_params.get("patient", "")
        if raw:
            if not raw.isdigit():
                raise serializers.ValidationError({"patient": ["A patient id is a number."]})
            rows = rows.filter(patient_id=int(raw))
        return self.audited_page(rows, PayerConsentSerializer)

    @extend_schema(request=PayerConsentSerializer, responses={201: PayerConsentSerializer})
    def post(self, request: Request) -> Response:
        data = PayerConsentSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        consent = services.payer_consent_record(
            patient=fields.pop("patient"), payer=fields.pop("payer"), actor=self.actor, **fields
        )
        return Response(PayerConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


# --- Remittances (835) and denials ------------------------------------------------------------


class RemittanceInput(serializers.Serializer):
    file = serializers.FileField(help_text="An X12 835 (005010X221A1) file, ASCII, up to 5 MB.")


class RemittanceOutput(serializers.ModelSerializer):
    total_adjusted = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = Remittance
        fields = [
            "id", "payer", "sha256", "trace_number", "payment_method", "paid_on",
            "payment_amount", "total_charge", "total_paid", "total_adjusted", "claim_count",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class RemittanceListView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ, "POST": C.BILLING_MANAGE}
    parser_classes = [MultiPartParser]

    @extend_schema(responses=RemittanceOutput(many=True), summary="Imported 835 remittances")
    def get(self, request: Request) -> Response:
        return self.paginated(selectors.remittance_list(clinic=self.clinic), RemittanceOutput)

    @extend_schema(
        request={"multipart/form-data": RemittanceInput},
        responses={201: RemittanceOutput},
        summary="Import an 835: post its payments and adjustments to the claim lines",
        description=(
            "Validated with pyx12, then posted in one transaction: each claim moves to paid, "
            "denied or adjusted. The same file (or payment) twice, an unknown claim number, "
            "another payer's file or a malformed file is a 400 naming the problem on `file`, "
            "and changes nothing."
        ),
    )
    def post(self, request: Request) -> Response:
        data = RemittanceInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > services.MAX_REMITTANCE_BYTES:
            raise services.remittance_too_large()
        remittance = services.remittance_import(
            clinic=self.clinic, actor=self.actor, content=upload.read()
        )
        return Response(RemittanceOutput(remittance).data, status=status.HTTP_201_CREATED)


class DenialFilterInput(serializers.Serializer):
    payer = serializers.IntegerField(required=False, min_value=1)
    reason = serializers.RegexField(r"^[A-Z0-9]{1,5}$", required=False, help_text="A CARC code.")


class DenialOutput(serializers.Serializer):
    claim = serializers.IntegerField(source="line.claim_id")
    remittance = serializers.IntegerField(source="line.remittance_id")
    patient = serializers.IntegerField(source="line.patient_id")
    record_number = serializers.CharField(source="line.patient.record_number")
    date = serializers.DateField(source="line.service_date")
    charge = serializers.DecimalField(source="line.charge", max_digits=9, decimal_places=2)
    paid = serializers.DecimalField(source="line.paid", max_digits=9, decimal_places=2)
    denied = serializers.DecimalField(source="line.denied_amount", max_digits=9, decimal_places=2)
    reasons = serializers.SerializerMethodField()
    remarks = serializers.SerializerMethodField()
    blocker = serializers.CharField(allow_null=True)
    blocker_label = serializers.CharField()

    def get_reasons(self, row: Any) -> list[dict[str, str]]:
        return [{"group": g, "code": c, "label": words} for g, c, words in row.reasons]

    def get_remarks(self, row: Any) -> list[dict[str, str]]:
        return [{"code": c, "label": words} for c, words in row.remarks]


class DenialsOutput(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    held = HeldOutput(many=True)
    rows = DenialOutput(many=True)


class DenialsView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ}
    pagination_class = None

    @extend_schema(
        parameters=[DenialFilterInput], responses=DenialsOutput,
        summary="Denied and partly denied lines, oldest first, with the blocker that would "
        "have caught each",
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        query = DenialFilterInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = selectors.denials(
            clinic=self.clinic, payer_id=query.validated_data.get("payer"),
            reason=query.validated_data.get("reason"),
        )  # fmt: skip
        records_viewed(
            clinic=self.clinic, actor=self.actor,
            records=list({r.line.claim_id: r.line.claim for r in found.rows}.values()),
        )  # fmt: skip
        return Response(DenialsOutput(found).data)
