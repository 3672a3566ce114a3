"""The billing API: claim readiness day by day, payers, billing providers, Part 2 payer
consents, claims (list, detail, build, transition) and their 837 files. Thin: parse, call a
service or selector, render."""

import datetime
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from iop.api.errors import ErrorOutput
from iop.api.views import ClinicAPIView, ClinicScopedField
from iop.bounds import EARLIEST, LATEST
from iop.models import Patient, Site
from iop.roles import Capability
from iop.services import TransitionRefusedError, records_viewed

from . import selectors, services
from .models import (
    CLAIM_TRANSITIONS,
    BillingProvider,
    Claim,
    ClaimFile,
    ClaimFileStatus,
    ClaimLine,
    ClaimStatus,
    Payer,
    PayerConsent,
    Remittance,
)

C = Capability


class ReadinessFilter(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (default: month start).")
    end = serializers.DateField(required=False, help_text="Last day (default: today).")
    payer = serializers.IntegerField(required=False, min_value=1)
    track = serializers.IntegerField(required=False, min_value=1)
    blocker = serializers.ChoiceField(required=False, choices=list(selectors.BLOCKERS))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _in_bounds(attrs)


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


# --- Claims ------------------------------------------------------------------------------------


def _in_bounds(attrs: dict[str, Any]) -> dict[str, Any]:
    """Dates inside the product's bounds, and an end not before the start."""
    for name in ("start", "end"):
        value = attrs.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError({name: ["The date is out of range."]})
    if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
        raise serializers.ValidationError({"end": ["The end is before the start."]})
    return attrs


class ClaimFilter(serializers.Serializer):
    status = serializers.ChoiceField(required=False, choices=ClaimStatus.choices)
    payer = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    patient = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    start = serializers.DateField(
        required=False, help_text="Claims whose billing period ends on or after this day."
    )
    end = serializers.DateField(
        required=False, help_text="Claims whose billing period starts on or before this day."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _in_bounds(attrs)


class ClaimLineOutput(serializers.ModelSerializer):
    class Meta:
        model = ClaimLine
        fields = [
            "id", "service_date", "procedure_code", "revenue_code", "place_of_service", "units",
            "charge", "authorization", "authorization_number", "diagnosis_pointers",
        ]  # fmt: skip


class ClaimOutput(serializers.ModelSerializer):
    record_number = serializers.CharField(source="patient.record_number", read_only=True)
    payer_name = serializers.CharField(source="payer.name", read_only=True)
    line_count = serializers.IntegerField(read_only=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    allowed_moves = serializers.SerializerMethodField(
        help_text="The statuses this claim may move to (its transition table row)."
    )

    class Meta:
        model = Claim
        fields = [
            "id", "patient", "record_number", "payer", "payer_name", "enrollment", "member_id",
            "claim_format", "period_start", "period_end", "status", "allowed_moves",
            "frequency_code", "replaces", "payer_claim_number", "authorization_number",
            "diagnosis_codes", "line_count", "total", "submitted_at", "created_at",
        ]  # fmt: skip

    def get_allowed_moves(self, claim: Claim) -> list[str]:
        return list(CLAIM_TRANSITIONS[claim.status])


class ClaimDetailOutput(ClaimOutput):
    lines = ClaimLineOutput(many=True, read_only=True)

    class Meta(ClaimOutput.Meta):
        fields = [*ClaimOutput.Meta.fields, "lines"]


class ClaimListView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ}

    @extend_schema(
        parameters=[ClaimFilter], responses=ClaimOutput(many=True),
        summary="Claims, newest billing period first",
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        query = ClaimFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        rows = selectors.claim_list(
            clinic=self.clinic, status=wanted.get("status"), payer_id=wanted.get("payer"),
            patient_id=wanted.get("patient"), start=wanted.get("start"), end=wanted.get("end"),
        )  # fmt: skip
        return self.audited_page(rows, ClaimOutput)


class ClaimDetailView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ}

    @extend_schema(responses=ClaimDetailOutput, summary="A claim with its lines")
    def get(self, request: Request, id: int) -> Response:
        claim = selectors.claim_detail(clinic=self.clinic, claim_id=id)
        records_viewed(clinic=self.clinic, actor=self.actor, records=[claim])
        return Response(ClaimDetailOutput(claim).data)


class ClaimsBuildInput(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (default: month start).")
    end = serializers.DateField(required=False, help_text="Last day (default: today).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _in_bounds(attrs)


class ClaimsBuiltOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    claims = ClaimOutput(many=True)


class ClaimsBuildView(ClinicAPIView):
    capabilities = {"POST": C.BILLING_MANAGE}

    @extend_schema(
        request=ClaimsBuildInput, responses={201: ClaimsBuiltOutput},
        summary="Draft claims from the range's ready days (the worklist's Build claims)",
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        data = ClaimsBuildInput(data=request.data)
        data.is_valid(raise_exception=True)
        start, end = selectors.readiness_range(
            self.clinic, data.validated_data.get("start"), data.validated_data.get("end")
        )
        built = services.claims_build(clinic=self.clinic, actor=self.actor, start=start, end=end)
        claims = list(selectors.claim_list(clinic=self.clinic).filter(pk__in=[c.pk for c in built]))
        body = ClaimsBuiltOutput({"start": start, "end": end, "claims": claims}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ClaimTransitionInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=ClaimStatus.choices)


class ClaimTransitionView(ClinicAPIView):
    capabilities = {"POST": C.BILLING_MANAGE}

    @extend_schema(
        request=ClaimTransitionInput, responses={200: ClaimDetailOutput},
        summary="Move a claim (a move its transition table refuses is a 400 saying why)",
    )  # fmt: skip
    def post(self, request: Request, id: int) -> Response:
        claim = selectors.claim_get(clinic=self.clinic, claim_id=id)
        data = ClaimTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.claim_set_status(claim, actor=self.actor, status=data.validated_data["status"])
        except TransitionRefusedError as refused:
            raise serializers.ValidationError({"status": [str(refused)]}) from refused
        return Response(ClaimDetailOutput(selectors.claim_detail(clinic=self.clinic,
                                                                 claim_id=id)).data)  # fmt: skip


# --- Claim files -------------------------------------------------------------------------------


class ClaimFileOutput(serializers.ModelSerializer):
    total = serializers.IntegerField(read_only=True, help_text="Claims on the file.")
    download = serializers.SerializerMethodField(help_text="The 837 once written, else null.")
    csv_download = serializers.SerializerMethodField(help_text="Its CSV once written.")

    class Meta:
        model = ClaimFile
        fields = [
            "id", "claim_format", "claim_ids", "status", "progress", "total", "sha256",
            "error_code", "created_at", "finished_at", "download", "csv_download",
        ]  # fmt: skip

    def _link(self, claim_file: ClaimFile, kind: str) -> str | None:
        if claim_file.status != ClaimFileStatus.DONE:
            return None
        return f"/api/v1/claim-files/{claim_file.pk}/{kind}"

    def get_download(self, claim_file: ClaimFile) -> str | None:
        return self._link(claim_file, "837")

    def get_csv_download(self, claim_file: ClaimFile) -> str | None:
        return self._link(claim_file, "csv")


class ClaimFileListView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ}

    @extend_schema(responses=ClaimFileOutput(many=True), summary="837 files, newest first")
    def get(self, request: Request) -> Response:
        return self.paginated(selectors.claim_file_list(clinic=self.clinic), ClaimFileOutput)


class ClaimFileDetailView(ClinicAPIView):
    capabilities = {"GET": C.BILLING_READ}

    @extend_schema(responses=ClaimFileOutput, summary="An 837 file: progress, SHA-256, links")
    def get(self, request: Request, id: int) -> Response:
        claim_file = selectors.claim_file_get(clinic=self.clinic, claim_file_id=id)
        return Response(ClaimFileOutput(claim_file).data)


class ClaimFileDownloadView(ClinicAPIView):
    """The written file, audited as a disclosure to the payer (one export event a claim)."""

    capabilities = {"GET": C.BILLING_READ}
    kind = "837"

    @extend_schema(
        responses={
            (200, "application/edi-x12"): OpenApiTypes.STR,
            (200, "text/csv"): OpenApiTypes.STR,
            409: ErrorOutput,
        },
        summary="Download the file (409 until it is written)",
    )
    def get(self, request: Request, id: int) -> HttpResponse:
        claim_file = selectors.claim_file_get(clinic=self.clinic, claim_file_id=id)
        body, name, mime = services.claim_file_download(
            claim_file, actor=self.actor, kind=self.kind
        )
        response = HttpResponse(body, content_type=f"{mime}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
