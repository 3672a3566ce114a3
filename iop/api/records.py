"""The API for the parts of a patient's record, intake and enrollments.

Each kind of record gets the same two endpoints (list + create, retrieve + update), built by
`record_endpoints`; the patient named in a body must be one of the token's clinic's
patients, like every other id.
"""

from collections.abc import Callable
from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from iop import selectors, services
from iop.models import (
    Authorization,
    Coverage,
    Diagnosis,
    Enrollment,
    EnrollmentExtension,
    Inquiry,
    Medication,
    Membership,
    Patient,
    PaymentPlan,
    Track,
)
from iop.models.care import DischargeType, EnrollmentStatus, LevelOfCare
from iop.models.intake import InquiryStatus
from iop.roles import Capability

from .views import ClinicAPIView, ClinicScopedField, PatientSerializer

C = Capability


class RecordSerializer(serializers.ModelSerializer):
    patient = ClinicScopedField(queryset=Patient.objects.all())

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        raise NotImplementedError  # writes go through services


def record_serializer(model: Any, fields: tuple[str, ...], **extra: Any) -> type[RecordSerializer]:
    meta = type(
        "Meta",
        (),
        {"model": model, "fields": ["id", "patient", *fields], "read_only_fields": ["id"]},
    )
    attrs: dict[str, Any] = {"Meta": meta, "__module__": __name__, **extra}
    return type(f"{model.__name__}Serializer", (RecordSerializer,), attrs)


SERIALIZERS = {
    Diagnosis: record_serializer(Diagnosis, services.RECORD_FIELDS[Diagnosis]),
    Medication: record_serializer(Medication, services.RECORD_FIELDS[Medication]),
    Coverage: record_serializer(
        Coverage,
        (*services.RECORD_FIELDS[Coverage], "verified_by"),
        verified_by=serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True),
    ),
    PaymentPlan: record_serializer(PaymentPlan, services.RECORD_FIELDS[PaymentPlan]),
    Authorization: record_serializer(
        Authorization,
        (
            *services.RECORD_FIELDS[Authorization],
            "claimed_days",
            "billed_days",
            "units_left",
            "warnings",
        ),
        claimed_days=serializers.IntegerField(
            read_only=True, help_text="Days on claims (not denied or replaced) citing it."
        ),
        billed_days=serializers.IntegerField(
            read_only=True, help_text="Days on claims and billable days not yet claimed."
        ),
        coverage=ClinicScopedField(
            queryset=Coverage.objects.all(), allow_null=True, required=False
        ),
        units_left=serializers.IntegerField(read_only=True),
        warnings=serializers.ListField(child=serializers.CharField(), read_only=True),
    ),
}

PATIENT_FILTER = OpenApiParameter("patient", OpenApiTypes.INT, description="Only this patient's")


def record_endpoints(
    model: Any, read: str, write: str, prepare: Callable[..., None] | None = None
) -> tuple[type[ClinicAPIView], type[ClinicAPIView]]:
    """`prepare(clinic, records)` adds computed values to a page of records."""
    serializer = SERIALIZERS[model]
    name = model.__name__

    def ready(clinic: Any, records: list[Any]) -> list[Any]:
        if prepare is not None:
            prepare(clinic, records)
        return records

    class ListView(ClinicAPIView):
        capabilities = {"GET": read, "POST": write}

        @extend_schema(
            parameters=[PATIENT_FILTER],
            responses=serializer(many=True),
            operation_id=f"{name.lower()}_list",
        )
        def get(self, request: Request) -> Response:
            records = model._default_manager.filter(clinic=self.clinic)
            patient = request.query_params.get("patient", "")
            if patient:
                if not patient.isdigit():
                    raise serializers.ValidationError({"patient": ["A patient id is a number."]})
                records = records.filter(patient_id=int(patient))
            return self.audited_page(
                records.order_by("id"),
                serializer,
                context={"request": request},
                prepare=lambda rows: ready(self.clinic, rows),
            )

        @extend_schema(
            request=serializer, responses={201: serializer}, operation_id=f"{name.lower()}_create"
        )
        def post(self, request: Request) -> Response:
            data = serializer(data=request.data, context={"request": request})
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            patient = fields.pop("patient")
            record = services.record_create(model, patient=patient, actor=self.actor, **fields)
            return Response(
                serializer(record, context={"request": request}).data,
                status=status.HTTP_201_CREATED,
            )

    class DetailView(ClinicAPIView):
        capabilities = {"GET": read, "PATCH": write}

        def record(self, id: int) -> Any:
            record = (
                model._default_manager.filter(clinic=self.clinic, pk=id)
                .select_related("patient")
                .first()
            )
            if record is None:
                raise Http404
            return record

        @extend_schema(responses=serializer, operation_id=f"{name.lower()}_retrieve")
        def get(self, request: Request, id: int) -> Response:
            record = ready(self.clinic, [self.record(id)])[0]
            services.records_viewed(clinic=self.clinic, actor=self.actor, records=[record])
            return Response(serializer(record, context={"request": request}).data)

        @extend_schema(
            request=serializer, responses=serializer, operation_id=f"{name.lower()}_update"
        )
        def patch(self, request: Request, id: int) -> Response:
            record = self.record(id)
            data = serializer(record, data=request.data, partial=True, context={"request": request})
            data.is_valid(raise_exception=True)
            fields = {k: v for k, v in data.validated_data.items() if k != "patient"}
            record = services.record_update(record, actor=self.actor, **fields)
            return Response(serializer(record, context={"request": request}).data)

    ListView.__name__ = ListView.__qualname__ = f"{name}ListView"
    DetailView.__name__ = DetailView.__qualname__ = f"{name}DetailView"
    return ListView, DetailView


DiagnosisList, DiagnosisDetail = record_endpoints(Diagnosis, C.CLINICAL_READ, C.CLINICAL_WRITE)
MedicationList, MedicationDetail = record_endpoints(
    Medication, C.MEDICATIONS_READ, C.CLINICAL_WRITE
)
CoverageList, CoverageDetail = record_endpoints(Coverage, C.PATIENTS_READ, C.PATIENTS_WRITE)
PaymentPlanList, PaymentPlanDetail = record_endpoints(
    PaymentPlan, C.PATIENTS_READ, C.PATIENTS_WRITE
)
AuthorizationList, AuthorizationDetail = record_endpoints(
    Authorization, C.PATIENTS_READ, C.PATIENTS_WRITE, prepare=selectors.authorizations_shown
)


# --- Enrollments ------------------------------------------------------------------------------


class ExtensionOutput(serializers.ModelSerializer):
    class Meta:
        model = EnrollmentExtension
        fields = ["previous_end_date", "new_end_date", "reason", "created_by", "created_at"]


class EnrollmentSerializer(serializers.ModelSerializer):
    patient = ClinicScopedField(queryset=Patient.objects.all())
    track = ClinicScopedField(queryset=Track.objects.all())
    allowed_moves = serializers.ListField(child=serializers.CharField(), read_only=True)
    extensions = ExtensionOutput(many=True, read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id", "patient", "level_of_care", "track", "admission_date", "planned_weeks",
            "planned_end_date", "status", "discharge_type", "ended_on", "status_note",
            "allowed_moves", "extensions",
        ]  # fmt: skip
        read_only_fields = [
            "id", "planned_end_date", "status", "discharge_type", "ended_on", "status_note",
        ]  # fmt: skip
        validators: list[Any] = []


class EnrollmentUpdateInput(serializers.Serializer):
    level_of_care = serializers.ChoiceField(choices=LevelOfCare.choices, required=False)
    track = ClinicScopedField(queryset=Track.objects.all(), required=False)


class TransitionInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices)
    discharge_type = serializers.ChoiceField(
        choices=DischargeType.choices, required=False, default=""
    )
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class ExtensionInput(serializers.Serializer):
    new_end_date = serializers.DateField()
    reason = serializers.CharField(max_length=300)


ENROLLMENT_FILTERS = [
    PATIENT_FILTER,
    OpenApiParameter("status", OpenApiTypes.STR, enum=EnrollmentStatus.values),
    OpenApiParameter("track", OpenApiTypes.INT, description="Track id"),
]


class EnrollmentListView(ClinicAPIView):
    capabilities = {"GET": C.PATIENTS_READ, "POST": C.ENROLLMENT_MANAGE}

    @extend_schema(parameters=ENROLLMENT_FILTERS, responses=EnrollmentSerializer(many=True))
    def get(self, request: Request) -> Response:
        enrollments = Enrollment.objects.filter(clinic=self.clinic).prefetch_related("extensions")
        params = request.query_params
        if params.get("patient", "").isdigit():
            enrollments = enrollments.filter(patient_id=int(params["patient"]))
        if params.get("status"):
            enrollments = enrollments.filter(status=params["status"])
        if params.get("track", "").isdigit():
            enrollments = enrollments.filter(track_id=int(params["track"]))
        return self.paginated(
            enrollments.order_by("id"), EnrollmentSerializer, context={"request": request}
        )

    @extend_schema(request=EnrollmentSerializer, responses={201: EnrollmentSerializer})
    def post(self, request: Request) -> Response:
        data = EnrollmentSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_create(actor=self.actor, **data.validated_data)
        return Response(
            EnrollmentSerializer(enrollment, context={"request": request}).data, status=201
        )


class EnrollmentLookup(ClinicAPIView):
    def enrollment(self, id: int) -> Enrollment:
        enrollment = (
            Enrollment.objects.filter(clinic=self.clinic, pk=id).select_related("patient").first()
        )
        if enrollment is None:
            raise Http404
        return enrollment


class EnrollmentDetailView(EnrollmentLookup):
    capabilities = {"GET": C.PATIENTS_READ, "PATCH": C.ENROLLMENT_MANAGE}

    @extend_schema(responses=EnrollmentSerializer)
    def get(self, request: Request, id: int) -> Response:
        enrollment = self.enrollment(id)
        services.records_viewed(clinic=self.clinic, actor=self.actor, records=[enrollment])
        return Response(EnrollmentSerializer(enrollment, context={"request": request}).data)

    @extend_schema(request=EnrollmentUpdateInput, responses=EnrollmentSerializer)
    def patch(self, request: Request, id: int) -> Response:
        enrollment = self.enrollment(id)
        data = EnrollmentUpdateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.enrollment_update(enrollment, actor=self.actor, **data.validated_data)
        return Response(EnrollmentSerializer(enrollment, context={"request": request}).data)


class EnrollmentTransitionView(EnrollmentLookup):
    capabilities = {"POST": C.ENROLLMENT_MANAGE}

    @extend_schema(
        request=TransitionInput,
        responses={200: EnrollmentSerializer},
        summary="Change status (409 with the allowed moves when refused)",
    )
    def post(self, request: Request, id: int) -> Response:
        enrollment = self.enrollment(id)
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.enrollment_transition(enrollment, actor=self.actor, **data.validated_data)
        return Response(EnrollmentSerializer(enrollment, context={"request": request}).data)


class EnrollmentExtensionView(EnrollmentLookup):
    capabilities = {"POST": C.ENROLLMENT_MANAGE}

    @extend_schema(request=ExtensionInput, responses={201: EnrollmentSerializer}, summary="Extend")
    def post(self, request: Request, id: int) -> Response:
        enrollment = self.enrollment(id)
        data = ExtensionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.enrollment_extend(enrollment, actor=self.actor, **data.validated_data)
        return Response(
            EnrollmentSerializer(enrollment, context={"request": request}).data, status=201
        )


# --- Intake -----------------------------------------------------------------------------------


class InquirySerializer(serializers.ModelSerializer):
    class Meta:
        model = Inquiry
        fields = [
            "id", *services.INQUIRY_FIELDS, "status", "assessment_at", "assessor", "outcome_note",
            "patient", "created_at",
        ]  # fmt: skip
        read_only_fields = [
            "id",
            "status",
            "assessment_at",
            "assessor",
            "outcome_note",
            "patient",
            "created_at",
        ]


INQUIRY_ACTIONS = [c for c in InquiryStatus.choices if c[0] != InquiryStatus.ADMITTED]


class InquiryActionInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=INQUIRY_ACTIONS)
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    assessment_at = serializers.DateTimeField(required=False)
    assessor = ClinicScopedField(queryset=Membership.objects.all(), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["status"] == InquiryStatus.ASSESSMENT_SCHEDULED and not (
            attrs.get("assessment_at") and attrs.get("assessor")
        ):
            raise serializers.ValidationError(
                {"assessment_at": ["Booking an assessment needs assessment_at and assessor."]}
            )
        return attrs


class AdmitInput(serializers.Serializer):
    record_number = serializers.CharField(max_length=20)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    admission_date = serializers.DateField()
    level_of_care = serializers.ChoiceField(choices=LevelOfCare.choices, default=LevelOfCare.IOP)
    track = ClinicScopedField(queryset=Track.objects.all())
    planned_weeks = serializers.IntegerField(min_value=1, max_value=52)
    primary_therapist = ClinicScopedField(
        queryset=Membership.objects.all(), required=False, allow_null=True
    )
    case_manager = ClinicScopedField(
        queryset=Membership.objects.all(), required=False, allow_null=True
    )


INQUIRY_FILTERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=InquiryStatus.values),
    OpenApiParameter("q", OpenApiTypes.STR, description="Name"),
]


class InquiryListView(ClinicAPIView):
    capabilities = {"GET": C.INTAKE_READ, "POST": C.INTAKE_MANAGE}

    @extend_schema(parameters=INQUIRY_FILTERS, responses=InquirySerializer(many=True))
    def get(self, request: Request) -> Response:
        inquiries = selectors.inquiry_list(clinic=self.clinic)
        if request.query_params.get("status"):
            inquiries = inquiries.filter(status=request.query_params["status"])
        for word in request.query_params.get("q", "").replace("\x00", "").split():
            inquiries = inquiries.filter(last_name__istartswith=word) | inquiries.filter(
                first_name__istartswith=word
            )
        return self.paginated(inquiries.order_by("-created_at", "-id"), InquirySerializer)

    @extend_schema(request=InquirySerializer, responses={201: InquirySerializer})
    def post(self, request: Request) -> Response:
        data = InquirySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inquiry = services.inquiry_create(
            clinic=self.clinic, actor=self.actor, **data.validated_data
        )
        return Response(InquirySerializer(inquiry).data, status=201)


class InquiryDetailView(ClinicAPIView):
    capabilities = {"GET": C.INTAKE_READ, "PATCH": C.INTAKE_MANAGE}

    @extend_schema(responses=InquirySerializer)
    def get(self, request: Request, id: int) -> Response:
        return Response(
            InquirySerializer(selectors.inquiry_get(clinic=self.clinic, inquiry_id=id)).data
        )

    @extend_schema(request=InquirySerializer, responses=InquirySerializer)
    def patch(self, request: Request, id: int) -> Response:
        inquiry = selectors.inquiry_get(clinic=self.clinic, inquiry_id=id)
        data = InquirySerializer(inquiry, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.inquiry_update(inquiry, actor=self.actor, **data.validated_data)
        return Response(InquirySerializer(inquiry).data)


class InquiryStatusView(ClinicAPIView):
    capabilities = {"POST": C.INTAKE_MANAGE}

    @extend_schema(
        request=InquiryActionInput,
        responses=InquirySerializer,
        summary="Book the assessment or record an outcome (409 with the allowed moves)",
    )
    def post(self, request: Request, id: int) -> Response:
        inquiry = selectors.inquiry_get(clinic=self.clinic, inquiry_id=id)
        data = InquiryActionInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["status"] == InquiryStatus.ASSESSMENT_SCHEDULED:
            services.inquiry_schedule_assessment(
                inquiry, actor=self.actor, at=values["assessment_at"], assessor=values["assessor"]
            )
        else:
            services.inquiry_set_status(
                inquiry, actor=self.actor, status=values["status"], note=values["note"]
            )
        return Response(InquirySerializer(inquiry).data)


class InquiryAdmitView(ClinicAPIView):
    capabilities = {"POST": C.ENROLLMENT_MANAGE}

    @extend_schema(
        request=AdmitInput,
        responses={
            201: inline_serializer(
                "Admission", {"patient": PatientSerializer(), "enrollment": EnrollmentSerializer()}
            )
        },
        summary="Admit: creates the patient and the first enrollment",
    )
    def post(self, request: Request, id: int) -> Response:
        inquiry = selectors.inquiry_get(clinic=self.clinic, inquiry_id=id)
        data = AdmitInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        patient, enrollment = services.inquiry_admit(
            inquiry, actor=self.actor, **data.validated_data
        )
        return Response(
            {
                "patient": PatientSerializer(patient).data,
                "enrollment": EnrollmentSerializer(enrollment, context={"request": request}).data,
            },
            status=201,
        )
