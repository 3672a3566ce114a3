"""The aftercare API: plans (versions, workflow, revise), their PDF jobs and files, and the
alumni follow-up calls. Thin: parse, call a service or selector, render."""

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from iop.api.views import ClinicAPIView, ClinicScopedField
from iop.models import Enrollment, Membership
from iop.roles import Capability
from iop.services import DomainError, records_viewed

from . import selectors, services
from .models import (
    AftercarePdf,
    AftercarePlan,
    FollowUp,
    FollowUpStatus,
    PdfStatus,
    PlanAppointment,
    PlanMedication,
    PlanStatus,
    SupportContact,
    SupportGroup,
)

C = Capability


def _row_serializer(model: Any, fields: tuple[str, ...]) -> type[serializers.ModelSerializer]:
    meta = type("Meta", (), {"model": model, "fields": list(fields)})
    return type(f"{model.__name__}Row", (serializers.ModelSerializer,), {"Meta": meta})


def _row(model: Any, name: str) -> type[serializers.ModelSerializer]:
    return _row_serializer(model, services.PLAN_LISTS[name][1])


SupportGroupRow = _row(SupportGroup, "support_groups")
ContactRow = _row(SupportContact, "contacts")
MedicationRow = _row(PlanMedication, "medications")
AppointmentRow = _row(PlanAppointment, "appointments")
LISTS = tuple(services.PLAN_LISTS)


class PlanOutput(serializers.ModelSerializer):
    allowed_moves = serializers.ListField(child=serializers.CharField(), read_only=True)
    support_groups = SupportGroupRow(many=True, read_only=True)
    contacts = ContactRow(many=True, read_only=True)
    medications = MedicationRow(many=True, read_only=True)
    appointments = AppointmentRow(many=True, read_only=True)

    class Meta:
        model = AftercarePlan
        fields = [
            "id", "patient", "enrollment", "version", "status", "allowed_moves", "revised_from",
            *services.PLAN_FIELDS, *services.PLAN_LISTS,
            "signed_by", "signed_at", "patient_ack_name", "patient_ack_at", "created_at",
            "updated_at",
        ]  # fmt: skip


class PlanInput(serializers.ModelSerializer):
    """The plan's sections; each list given replaces that list."""

    support_groups = SupportGroupRow(many=True, required=False)
    contacts = ContactRow(many=True, required=False)
    medications = MedicationRow(many=True, required=False)
    appointments = AppointmentRow(many=True, required=False)

    class Meta:
        model = AftercarePlan
        fields = [*services.PLAN_FIELDS, *services.PLAN_LISTS]


class PlanCreateInput(PlanInput):
    enrollment = ClinicScopedField(queryset=Enrollment.objects.all())

    class Meta(PlanInput.Meta):
        fields = ["enrollment", *PlanInput.Meta.fields]


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    lists = {name: [dict(row) for row in data.pop(name)] for name in list(data) if name in LISTS}
    return data, lists


def _prefetched(plans: Any) -> Any:
    return plans.prefetch_related(*services.PLAN_LISTS)


PLAN_FILTERS = [
    OpenApiParameter("patient", OpenApiTypes.INT, description="Only this patient's plans"),
    OpenApiParameter("enrollment", OpenApiTypes.INT, description="Only this enrollment's"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=PlanStatus.values),
]


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise serializers.ValidationError({name: [f"A {name} id is a number."]})
    return int(value)


class PlanListView(ClinicAPIView):
    capabilities = {"GET": C.AFTERCARE_READ, "POST": C.AFTERCARE_WRITE}

    @extend_schema(
        parameters=PLAN_FILTERS, responses=PlanOutput(many=True), summary="Aftercare plans"
    )
    def get(self, request: Request) -> Response:
        plans = selectors.plan_list(clinic=self.clinic)
        patient, enrollment = _int_param(request, "patient"), _int_param(request, "enrollment")
        if patient is not None:
            plans = plans.filter(patient_id=patient)
        if enrollment is not None:
            plans = plans.filter(enrollment_id=enrollment)
        if request.query_params.get("status"):
            if request.query_params["status"] not in PlanStatus.values:
                raise serializers.ValidationError({"status": ["Not a plan status."]})
            plans = plans.filter(status=request.query_params["status"])
        return self.audited_page(_prefetched(plans).order_by("id"), PlanOutput)

    @extend_schema(
        request=PlanCreateInput,
        responses={201: PlanOutput},
        summary="Start an enrollment's plan (prefilled with current medications)",
    )
    def post(self, request: Request) -> Response:
        data = PlanCreateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields, lists = _split(dict(data.validated_data))
        enrollment = fields.pop("enrollment")
        plan = services.aftercare_plan_create(enrollment=enrollment, actor=self.actor, **fields)
        if lists:
            plan = services.aftercare_plan_update(plan, actor=self.actor, lists=lists)
        return Response(PlanOutput(self._fresh(plan.pk)).data, status=status.HTTP_201_CREATED)

    def _fresh(self, plan_id: int) -> AftercarePlan:
        return _prefetched(selectors.plan_list(clinic=self.clinic)).get(pk=plan_id)


class PlanLookup(ClinicAPIView):
    def plan(self, id: int) -> AftercarePlan:
        return selectors.plan_get(clinic=self.clinic, plan_id=id)

    def output(self, plan_id: int, code: int = 200) -> Response:
        plan = _prefetched(selectors.plan_list(clinic=self.clinic)).get(pk=plan_id)
        return Response(PlanOutput(plan).data, status=code)


class PlanDetailView(PlanLookup):
    capabilities = {"GET": C.AFTERCARE_READ, "PATCH": C.AFTERCARE_WRITE}

    @extend_schema(responses=PlanOutput)
    def get(self, request: Request, id: int) -> Response:
        plan = self.plan(id)
        records_viewed(clinic=self.clinic, actor=self.actor, records=[plan])
        return self.output(plan.pk)

    @extend_schema(
        request=PlanInput, responses=PlanOutput, summary="Change a draft (409 in review or signed)"
    )
    def patch(self, request: Request, id: int) -> Response:
        plan = self.plan(id)
        data = PlanInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields, lists = _split(dict(data.validated_data))
        services.aftercare_plan_update(plan, actor=self.actor, lists=lists, **fields)
        return self.output(plan.pk)


class PlanTransitionInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=PlanStatus.choices)
    patient_ack_name = serializers.CharField(
        max_length=170, required=False, default="", allow_blank=True,
        help_text="To sign: the patient's name as the patient typed it.",
    )  # fmt: skip


class PlanTransitionView(PlanLookup):
    capabilities = {"POST": C.AFTERCARE_WRITE}

    @extend_schema(
        request=PlanTransitionInput,
        responses={200: PlanOutput},
        summary="To in_review, back to draft, or signed (409 with the allowed moves)",
    )
    def post(self, request: Request, id: int) -> Response:
        plan = self.plan(id)
        data = PlanTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.aftercare_plan_transition(plan, actor=self.actor, **data.validated_data)
        return self.output(plan.pk)


class PlanReviseView(PlanLookup):
    capabilities = {"POST": C.AFTERCARE_WRITE}

    @extend_schema(
        request=None,
        responses={201: PlanOutput},
        summary="Copy the signed version into a new draft version",
    )
    def post(self, request: Request, id: int) -> Response:
        draft = services.aftercare_plan_revise(self.plan(id), actor=self.actor)
        return self.output(draft.pk, code=status.HTTP_201_CREATED)


# --- PDFs -------------------------------------------------------------------------------------


class PdfJobOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = AftercarePdf
        fields = [
            "id", "plan", "status", "attempts", "error_code", "sha256", "size", "released_to",
            "purpose", "consent_reference", "requested_at", "rendered_at", "url", "file_url",
        ]  # fmt: skip

    def get_url(self, pdf: AftercarePdf) -> str:
        return reverse("api-aftercare-pdf", kwargs={"id": pdf.pk})

    def get_file_url(self, pdf: AftercarePdf) -> str | None:
        if pdf.status != PdfStatus.DONE:
            return None
        return reverse("api-aftercare-pdf-file", kwargs={"id": pdf.pk})


class PdfRequestInput(serializers.Serializer):
    released_to = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True,
        help_text="Empty: the clinic's own copy. Otherwise a release outside the clinic, which "
        "carries the 42 CFR §2.32 notice and is written to the audit trail.",
    )  # fmt: skip
    purpose = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    consent_reference = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )


class PlanPdfView(PlanLookup):
    capabilities = {"POST": C.AFTERCARE_WRITE}

    @extend_schema(
        request=PdfRequestInput,
        responses={202: PdfJobOutput, 200: PdfJobOutput},
        summary="Render the signed version's PDF in the worker (202 + job URL; 200 if done)",
    )
    def post(self, request: Request, id: int) -> Response:
        plan = self.plan(id)
        data = PdfRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        pdf, _ = services.aftercare_pdf_request(plan, actor=self.actor, **data.validated_data)
        body = PdfJobOutput(pdf).data
        code = status.HTTP_200_OK if pdf.status == PdfStatus.DONE else status.HTTP_202_ACCEPTED
        return Response(body, status=code, headers={"Location": body["url"]})


class PdfJobView(ClinicAPIView):
    capabilities = {"GET": C.AFTERCARE_READ}

    @extend_schema(responses=PdfJobOutput, summary="A PDF job's status")
    def get(self, request: Request, id: int) -> Response:
        return Response(PdfJobOutput(selectors.pdf_get(clinic=self.clinic, pdf_id=id)).data)


class PdfRetryView(ClinicAPIView):
    capabilities = {"POST": C.AFTERCARE_WRITE}

    @extend_schema(request=None, responses={202: PdfJobOutput}, summary="Retry a failed PDF")
    def post(self, request: Request, id: int) -> Response:
        pdf = selectors.pdf_get(clinic=self.clinic, pdf_id=id)
        services.aftercare_pdf_retry(pdf, actor=self.actor)
        return Response(PdfJobOutput(pdf).data, status=status.HTTP_202_ACCEPTED)


class PdfFileView(ClinicAPIView):
    capabilities = {"GET": C.AFTERCARE_READ}

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF"),
            409: OpenApiResponse(description="Not rendered yet, or failed"),
        },
        summary="The PDF file, once rendered",
    )
    def get(self, request: Request, id: int) -> HttpResponse:
        pdf = selectors.pdf_get(clinic=self.clinic, pdf_id=id, with_content=True)
        if pdf.status == PdfStatus.FAILED:
            raise DomainError(f"The PDF failed ({pdf.error_code}); retry it.")
        if pdf.status != PdfStatus.DONE:
            raise DomainError(f"The PDF is not ready yet (status: {pdf.status}); poll the job.")
        services.aftercare_pdf_downloaded(pdf, actor=self.actor)
        response = HttpResponse(bytes(pdf.content or b""), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf.filename}"'
        response["X-Content-SHA256"] = pdf.sha256
        return response


# --- Follow-ups -------------------------------------------------------------------------------


class FollowUpOutput(serializers.ModelSerializer):
    due_now = serializers.BooleanField(
        read_only=True,
        default=False,
        help_text="Open and dated within the clinic's call window (or overdue)",
    )

    class Meta:
        model = FollowUp
        fields = [
            "id", "patient", "enrollment", "months_after", "due_on", "status", "outcome_note",
            "assigned_to", "recorded_by", "recorded_at", "due_now",
        ]  # fmt: skip


FOLLOW_UP_OUTCOMES = [c for c in FollowUpStatus.choices if c[0] != FollowUpStatus.DUE]


class FollowUpInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=FOLLOW_UP_OUTCOMES)
    outcome_note = serializers.CharField(max_length=2000)


FOLLOW_UP_FILTERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=FollowUpStatus.values),
    OpenApiParameter("assigned_to", OpenApiTypes.INT, description="Membership id"),
    OpenApiParameter("patient", OpenApiTypes.INT),
]


class FollowUpListView(ClinicAPIView):
    capabilities = {"GET": C.AFTERCARE_READ}

    @extend_schema(
        parameters=FOLLOW_UP_FILTERS,
        responses=FollowUpOutput(many=True),
        summary="Alumni follow-up calls, due first",
    )
    def get(self, request: Request) -> Response:
        assigned = _int_param(request, "assigned_to")
        mine = Membership(pk=assigned) if assigned is not None else None
        rows = selectors.follow_up_queue(
            clinic=self.clinic, filters=selectors.FollowUpFilters(mine=mine, open_only=False)
        )
        patient = _int_param(request, "patient")
        if patient is not None:
            rows = rows.filter(patient_id=patient)
        wanted = request.query_params.get("status", "")
        if wanted:
            if wanted not in FollowUpStatus.values:
                raise serializers.ValidationError({"status": ["Not a follow-up status."]})
            rows = rows.filter(status=wanted)
        return self.audited_page(rows, FollowUpOutput)


class FollowUpDetailView(ClinicAPIView):
    capabilities = {"GET": C.AFTERCARE_READ, "PATCH": C.AFTERCARE_WRITE}

    @extend_schema(responses=FollowUpOutput)
    def get(self, request: Request, id: int) -> Response:
        follow_up = selectors.follow_up_get(clinic=self.clinic, follow_up_id=id)
        records_viewed(clinic=self.clinic, actor=self.actor, records=[follow_up])
        return Response(FollowUpOutput(follow_up).data)

    @extend_schema(request=FollowUpInput, responses=FollowUpOutput, summary="Record the call")
    def patch(self, request: Request, id: int) -> Response:
        follow_up = selectors.follow_up_get(clinic=self.clinic, follow_up_id=id)
        data = FollowUpInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.follow_up_record(follow_up, actor=self.actor, **data.validated_data)
        return Response(FollowUpOutput(follow_up).data)
