"""The progress API: check-ins, daily ratings, drug test panels, orders, random selections,
collections and results (validity computed server-side), measures (answers in, score out),
safety tasks, the caseload and a patient's progress series.

Test results are clinical: every drug-test read needs `tests.read` (front desk never has it).
"""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from iop import selectors as core_selectors
from iop.api.views import ClinicAPIView, ClinicScopedField
from iop.models import Membership, Patient
from iop.roles import Capability
from iop.services import patient_chart_viewed, records_viewed
from scheduling.models import Session

from . import cssrs, selectors, services
from .instruments import SPECS, Instrument, ScoringSex
from .models import (
    Barrier,
    CheckIn,
    DailyRating,
    DrugTest,
    DrugTestPanel,
    DrugTestReason,
    Measure,
    MedicationExpectation,
    MedicationFinding,
    PanelSubstance,
    RandomSelection,
    RecollectionTask,
    ResultMethod,
    ResultOutcome,
    SafetyTask,
    SpecimenType,
    SubstanceResult,
    VocationalStatus,
)
from .selectors import FLAG_CHOICES
from .validity import CRITERIA_SETS, LabFinding, Substance, TemperatureUnit, cutoff_display

C = Capability


class PatientFilter(serializers.Serializer):
    patient = serializers.IntegerField(required=False, min_value=1, help_text="Only this patient's")


def _filtered(view: ClinicAPIView, queryset: Any) -> Any:
    params = PatientFilter(data=view.request.query_params)
    params.is_valid(raise_exception=True)
    if params.validated_data.get("patient"):
        queryset = queryset.filter(patient_id=params.validated_data["patient"])
    return queryset


def _detail(queryset: Any, pk: int) -> Any:
    return selectors.get_or_404(queryset, pk)


# --- Check-ins and daily ratings ----------------------------------------------------------------


class RatingsInput(serializers.Serializer):
    mood = serializers.IntegerField(min_value=0, max_value=10)
    stress = serializers.IntegerField(min_value=0, max_value=10)
    cravings = serializers.IntegerField(min_value=0, max_value=10)
    sleep = serializers.IntegerField(min_value=0, max_value=10)


class DailyRatingSerializer(serializers.ModelSerializer):
    patient = ClinicScopedField(queryset=Patient.objects.all())
    mood = serializers.IntegerField(min_value=0, max_value=10)
    stress = serializers.IntegerField(min_value=0, max_value=10)
    cravings = serializers.IntegerField(min_value=0, max_value=10)
    sleep = serializers.IntegerField(min_value=0, max_value=10)

    class Meta:
        model = DailyRating
        fields = ["id", "patient", "rated_on", "mood", "stress", "cravings", "sleep", "check_in"]
        read_only_fields = ["id", "check_in"]


class CheckInSerializer(serializers.ModelSerializer):
    patient = ClinicScopedField(queryset=Patient.objects.all())
    session = ClinicScopedField(queryset=Session.objects.all(), required=False, allow_null=True)
    barriers = serializers.ListField(
        child=serializers.ChoiceField(choices=Barrier.choices), required=False, max_length=5
    )
    vocational_status = serializers.ChoiceField(
        choices=VocationalStatus.choices, required=False, allow_blank=True
    )
    ratings = RatingsInput(required=False, write_only=True)

    class Meta:
        model = CheckIn
        fields = [
            "id", "patient", "session", "held_on", "progress", "goals_adjusted", "barriers",
            "barriers_other", "vocational_status", "vocational_notes", "next_steps", "staff",
            "ratings", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "staff", "created_at"]


class CheckInListView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ, "POST": C.CLINICAL_WRITE}

    @extend_schema(parameters=[PatientFilter], responses=CheckInSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = _filtered(self, CheckIn.objects.filter(clinic=self.clinic).order_by("-id"))
        return self.audited_page(rows, CheckInSerializer)

    @extend_schema(
        request=CheckInSerializer,
        responses={201: CheckInSerializer},
        summary="Record a check-in (optionally with the day's ratings)",
    )
    def post(self, request: Request) -> Response:
        data = CheckInSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        check_in = services.check_in_create(
            clinic=self.clinic, actor=self.actor, patient=fields.pop("patient"),
            held_on=fields.pop("held_on"), session=fields.pop("session", None),
            ratings=fields.pop("ratings", None), **fields,
        )  # fmt: skip
        return Response(CheckInSerializer(check_in).data, status=201)


class CheckInDetailView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ}

    @extend_schema(responses=CheckInSerializer)
    def get(self, request: Request, id: int) -> Response:
        check_in = _detail(CheckIn.objects.filter(clinic=self.clinic), id)
        records_viewed(clinic=self.clinic, actor=self.actor, records=[check_in])
        return Response(CheckInSerializer(check_in).data)


class DailyRatingListView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ, "POST": C.CLINICAL_WRITE}

    @extend_schema(parameters=[PatientFilter], responses=DailyRatingSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = _filtered(self, DailyRating.objects.filter(clinic=self.clinic).order_by("-id"))
        return self.audited_page(rows, DailyRatingSerializer)

    @extend_schema(
        request=DailyRatingSerializer,
        responses={201: DailyRatingSerializer},
        summary="Record the patient's 0–10 ratings for a day",
    )
    def post(self, request: Request) -> Response:
        data = DailyRatingSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        rating = services.daily_rating_record(
            clinic=self.clinic, actor=self.actor, **data.validated_data
        )
        return Response(DailyRatingSerializer(rating).data, status=201)


# --- Panels --------------------------------------------------------------------------------------


class PanelSubstanceSerializer(serializers.ModelSerializer):
    substance = serializers.ChoiceField(choices=Substance.choices)
    cutoff = serializers.DecimalField(
        max_digits=8, decimal_places=3, min_value=0, required=False, allow_null=True
    )
    cutoff_display = serializers.SerializerMethodField(help_text='As people read it: "1,000 ng/mL"')

    class Meta:
        model = PanelSubstance
        fields = ["substance", "cutoff", "unit", "cutoff_display"]

    def get_cutoff_display(self, row: PanelSubstance) -> str:
        return cutoff_display(row.cutoff, row.unit)


class PanelSerializer(serializers.ModelSerializer):
    substances = PanelSubstanceSerializer(many=True)

    class Meta:
        model = DrugTestPanel
        fields = ["id", "name", "specimen_type", "is_active", "substances"]
        read_only_fields = ["id", "is_active"]
        validators: list[Any] = []


class PanelListView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ, "POST": C.CLINIC_CONFIGURE}

    @extend_schema(responses=PanelSerializer(many=True), summary="The clinic's test panels")
    def get(self, request: Request) -> Response:
        panels = (
            DrugTestPanel.objects.filter(clinic=self.clinic)
            .prefetch_related("substances")
            .order_by("id")
        )
        return self.paginated(panels, PanelSerializer)

    @extend_schema(request=PanelSerializer, responses={201: PanelSerializer})
    def post(self, request: Request) -> Response:
        data = PanelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        panel = services.panel_create(clinic=self.clinic, actor=self.actor, **data.validated_data)
        return Response(PanelSerializer(panel).data, status=201)


class PanelDetailView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ}

    @extend_schema(responses=PanelSerializer)
    def get(self, request: Request, id: int) -> Response:
        panels = DrugTestPanel.objects.filter(clinic=self.clinic).prefetch_related("substances")
        return Response(PanelSerializer(_detail(panels, id)).data)


# --- Drug tests ----------------------------------------------------------------------------------


class ResultSerializer(serializers.ModelSerializer):
    substance = serializers.ChoiceField(choices=Substance.choices)
    method = serializers.ChoiceField(choices=ResultMethod.choices)
    outcome = serializers.ChoiceField(choices=ResultOutcome.choices)
    value = serializers.DecimalField(
        max_digits=10, decimal_places=3, min_value=0, required=False, allow_null=True
    )

    class Meta:
        model = SubstanceResult
        fields = ["substance", "method", "outcome", "value", "expected", "explained_by"]
        read_only_fields = ["expected", "explained_by"]


class RecollectionTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecollectionTask
        fields = [
            "id", "patient", "test", "reason", "detail", "assigned_to", "due_on", "closed_at",
            "closed_by", "closing_note", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class MedicationFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = MedicationFinding
        fields = ["kind", "substance", "medication", "prescriber", "message", "created_at"]
        read_only_fields = fields


# Random tests come from a random selection run, never from an order.
ORDERABLE_REASONS = [c for c in DrugTestReason.choices if c[0] != DrugTestReason.RANDOM]


class DrugTestSerializer(serializers.ModelSerializer):
    patient = ClinicScopedField(queryset=Patient.objects.all())
    panel = ClinicScopedField(queryset=DrugTestPanel.objects.all())
    reason = serializers.ChoiceField(choices=DrugTestReason.choices, read_only=True)
    results = ResultSerializer(many=True, read_only=True)
    status = serializers.CharField(read_only=True)
    validity_source = serializers.CharField(
        read_only=True, help_text="The published criteria the validity was computed by"
    )
    recollection_tasks = RecollectionTaskSerializer(many=True, read_only=True)
    medication_findings = MedicationFindingSerializer(many=True, read_only=True)

    class Meta:
        model = DrugTest
        fields = [
            "id", "patient", "panel", "reason", "selection", "ordered_for", "status",
            "collected_at", "specimen_type", "observed", "temperature", "temperature_unit",
            "temperature_in_range", "collector", "custody_id", "creatinine", "specific_gravity",
            "ph", "nitrite", "lab_findings", "validity", "validity_criteria", "validity_source",
            "validity_basis", "recollection_tasks", "results", "medication_findings",
            "reviewed_by", "reviewed_at", "review_comment",
        ]  # fmt: skip
        read_only_fields = [
            "id", "selection", "collected_at", "specimen_type", "observed", "temperature",
            "temperature_unit", "temperature_in_range", "collector", "custody_id", "creatinine",
            "specific_gravity", "ph", "nitrite", "lab_findings", "validity", "validity_criteria",
            "validity_basis", "reviewed_by", "reviewed_at", "review_comment",
        ]  # fmt: skip


@extend_schema_serializer(component_name="DrugTest")  # as a request body: DrugTestRequest
class DrugTestOrderInput(DrugTestSerializer):
    """An order: the test's fields, with a reason that an order may give."""

    reason = serializers.ChoiceField(
        choices=ORDERABLE_REASONS, required=False, default=DrugTestReason.SCHEDULED
    )


def _tests(view: ClinicAPIView) -> Any:
    return (
        DrugTest.objects.filter(clinic=view.clinic)
        .select_related("panel", "clinic")
        .prefetch_related("results", "recollection_tasks", "medication_findings")
    )


class DrugTestListView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ, "POST": C.TESTS_RECORD}

    @extend_schema(parameters=[PatientFilter], responses=DrugTestSerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.audited_page(_filtered(self, _tests(self).order_by("-id")), DrugTestSerializer)

    @extend_schema(
        request=DrugTestOrderInput,
        responses={201: DrugTestSerializer},
        summary="Order a test (random tests come from a random selection run)",
    )
    def post(self, request: Request) -> Response:
        data = DrugTestOrderInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        test = services.drug_test_order(clinic=self.clinic, actor=self.actor, **data.validated_data)
        return Response(DrugTestSerializer(test).data, status=201)


class DrugTestDetailView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ}

    @extend_schema(responses=DrugTestSerializer)
    def get(self, request: Request, id: int) -> Response:
        test = _detail(_tests(self), id)
        records_viewed(clinic=self.clinic, actor=self.actor, records=[test])
        return Response(DrugTestSerializer(test).data)


class CollectionInput(serializers.Serializer):
    collected_at = serializers.DateTimeField()
    specimen_type = serializers.ChoiceField(choices=SpecimenType.choices)
    observed = serializers.BooleanField()
    temperature = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=120, required=False,
        allow_null=True, default=None, help_text="Urine: required, read within 4 minutes",
    )  # fmt: skip
    temperature_unit = serializers.ChoiceField(
        choices=TemperatureUnit.choices, required=False, allow_blank=True, default=""
    )
    lab_findings = serializers.ListField(
        child=serializers.ChoiceField(choices=LabFinding.choices), required=False, max_length=8,
        default=list, help_text="Adulterants or interference the laboratory reported",
    )  # fmt: skip
    collector = ClinicScopedField(
        queryset=Membership.objects.all(), required=False, allow_null=True
    )
    custody_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    creatinine = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    specific_gravity = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, required=False, allow_null=True
    )
    ph = serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=0, max_value=14, required=False, allow_null=True
    )
    nitrite = serializers.DecimalField(
        max_digits=7, decimal_places=1, min_value=0, required=False, allow_null=True
    )


class DrugTestCollectionView(ClinicAPIView):
    capabilities = {"POST": C.TESTS_RECORD}

    @extend_schema(
        request=CollectionInput,
        responses=DrugTestSerializer,
        summary="Record the collection; specimen validity is computed from the measurements",
    )
    def post(self, request: Request, id: int) -> Response:
        test = _detail(_tests(self), id)
        data = CollectionInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.drug_test_collect(test, actor=self.actor, **data.validated_data)
        return Response(DrugTestSerializer(_detail(_tests(self), id)).data)  # with its tasks


class ResultsInput(serializers.Serializer):
    results = ResultSerializer(many=True, allow_empty=False)


class DrugTestResultsView(ClinicAPIView):
    capabilities = {"POST": C.TESTS_RECORD}

    @extend_schema(
        request=ResultsInput,
        responses=DrugTestSerializer,
        summary="Record results per substance (positives marked expected or unexpected)",
    )
    def post(self, request: Request, id: int) -> Response:
        test = _detail(_tests(self), id)
        data = ResultsInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.drug_test_results_record(
            test, actor=self.actor, results=data.validated_data["results"]
        )
        return Response(DrugTestSerializer(_detail(_tests(self), id)).data)


class ReviewInput(serializers.Serializer):
    comment = serializers.CharField(max_length=2000)


class DrugTestReviewView(ClinicAPIView):
    capabilities = {"POST": C.TESTS_REVIEW}

    @extend_schema(request=ReviewInput, responses=DrugTestSerializer, summary="Clinician review")
    def post(self, request: Request, id: int) -> Response:
        test = _detail(_tests(self), id)
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        test = services.drug_test_review(
            test, actor=self.actor, comment=data.validated_data["comment"]
        )
        return Response(DrugTestSerializer(test).data)


class RandomSelectionSerializer(serializers.ModelSerializer):
    panel = ClinicScopedField(queryset=DrugTestPanel.objects.all())
    percent = serializers.IntegerField(
        min_value=1, max_value=100, required=False, help_text="Default: the clinic's rate"
    )

    class Meta:
        model = RandomSelection
        fields = ["id", "day", "panel", "percent", "seed", "candidates", "selected", "created_at"]
        read_only_fields = ["id", "seed", "candidates", "selected", "created_at"]


class RandomSelectionListView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ, "POST": C.TESTS_RECORD}

    @extend_schema(responses=RandomSelectionSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = RandomSelection.objects.filter(clinic=self.clinic).order_by("-id")
        return self.paginated(rows, RandomSelectionSerializer)

    @extend_schema(
        request=RandomSelectionSerializer,
        responses={201: RandomSelectionSerializer},
        summary="Select a share of a day's attendees for a test (seed kept for audit)",
    )
    def post(self, request: Request) -> Response:
        data = RandomSelectionSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        selection = services.random_selection_run(
            clinic=self.clinic, actor=self.actor, **data.validated_data
        )
        return Response(RandomSelectionSerializer(selection).data, status=201)


class RandomSelectionDetailView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ}

    @extend_schema(responses=RandomSelectionSerializer)
    def get(self, request: Request, id: int) -> Response:
        selection = _detail(RandomSelection.objects.filter(clinic=self.clinic), id)
        return Response(RandomSelectionSerializer(selection).data)


class RecollectionTaskFilter(PatientFilter):
    open = serializers.BooleanField(required=False, allow_null=True, default=None)


class RecollectionTaskListView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ}

    @extend_schema(
        parameters=[RecollectionTaskFilter],
        responses=RecollectionTaskSerializer(many=True),
        summary="Observed recollections called for at collection (49 CFR 40.65, 40.67, 40.197)",
    )
    def get(self, request: Request) -> Response:
        params = RecollectionTaskFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        tasks = _filtered(self, RecollectionTask.objects.filter(clinic=self.clinic).order_by("-id"))
        if params.validated_data.get("open") is not None:
            tasks = tasks.filter(closed_at__isnull=params.validated_data["open"])
        return self.paginated(tasks, RecollectionTaskSerializer)


class RecollectionTaskDetailView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ}

    @extend_schema(responses=RecollectionTaskSerializer)
    def get(self, request: Request, id: int) -> Response:
        task = selectors.recollection_task_get(clinic=self.clinic, task_id=id)
        return Response(RecollectionTaskSerializer(task).data)


class RecollectionCloseInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class RecollectionTaskCloseView(ClinicAPIView):
    capabilities = {"POST": C.TESTS_RECORD}

    @extend_schema(
        request=RecollectionCloseInput,
        responses=RecollectionTaskSerializer,
        summary="Close with what was done",
    )
    def post(self, request: Request, id: int) -> Response:
        task = selectors.recollection_task_get(clinic=self.clinic, task_id=id)
        data = RecollectionCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.recollection_task_close(
            task, actor=self.actor, note=data.validated_data["note"]
        )
        return Response(RecollectionTaskSerializer(task).data)


class CriterionOutput(serializers.Serializer):
    result = serializers.CharField()
    words = serializers.CharField()


class CriteriaSetOutput(serializers.Serializer):
    code = serializers.CharField()
    # DRF takes declared fields off the class, so this does not shadow Field.source.
    source = serializers.CharField()  # type: ignore[assignment]
    criteria = CriterionOutput(many=True)


class ValidityCriteriaView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ}
    pagination_class = None  # one or two published sets, all at once

    @extend_schema(
        responses=CriteriaSetOutput(many=True),
        summary="The specimen validity criteria sets, with their source, in the order applied",
    )
    def get(self, request: Request) -> Response:
        return Response(CriteriaSetOutput(list(CRITERIA_SETS.values()), many=True).data)


class MedicationExpectationSerializer(serializers.ModelSerializer):
    match_words = serializers.ListField(
        child=serializers.CharField(max_length=60), allow_empty=False, max_length=20
    )
    # DRF takes declared fields off the class, so this does not shadow Field.parent.
    parent = serializers.ChoiceField(choices=Substance.choices)  # type: ignore[assignment]
    metabolite = serializers.ChoiceField(
        choices=Substance.choices, required=False, allow_blank=True, default=""
    )

    class Meta:
        model = MedicationExpectation
        fields = ["id", "name", "match_words", "parent", "metabolite", "is_active"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class MedicationExpectationListView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ, "POST": C.CLINIC_CONFIGURE}

    @extend_schema(
        responses=MedicationExpectationSerializer(many=True),
        summary="What a prescribed medication should test positive for (with its metabolite)",
    )
    def get(self, request: Request) -> Response:
        rows = MedicationExpectation.objects.filter(clinic=self.clinic).order_by("id")
        return self.paginated(rows, MedicationExpectationSerializer)

    @extend_schema(
        request=MedicationExpectationSerializer, responses={201: MedicationExpectationSerializer}
    )
    def post(self, request: Request) -> Response:
        data = MedicationExpectationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expectation = services.expectation_save(
            MedicationExpectation(clinic=self.clinic), actor=self.actor, **data.validated_data
        )
        return Response(MedicationExpectationSerializer(expectation).data, status=201)


class MedicationExpectationDetailView(ClinicAPIView):
    capabilities = {"GET": C.TESTS_READ, "PATCH": C.CLINIC_CONFIGURE}

    @extend_schema(responses=MedicationExpectationSerializer)
    def get(self, request: Request, id: int) -> Response:
        expectation = selectors.expectation_get(clinic=self.clinic, expectation_id=id)
        return Response(MedicationExpectationSerializer(expectation).data)

    @extend_schema(
        request=MedicationExpectationSerializer, responses=MedicationExpectationSerializer
    )
    def patch(self, request: Request, id: int) -> Response:
        expectation = selectors.expectation_get(clinic=self.clinic, expectation_id=id)
        data = MedicationExpectationSerializer(expectation, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        expectation = services.expectation_save(
            expectation, actor=self.actor, **data.validated_data
        )
        return Response(MedicationExpectationSerializer(expectation).data)


# --- Measures and safety tasks -------------------------------------------------------------------


class MeasureSerializer(serializers.ModelSerializer):
    patient = ClinicScopedField(queryset=Patient.objects.all())
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    answers = serializers.ListField(
        child=serializers.IntegerField(), max_length=max(len(s.items) for s in SPECS.values()),
        help_text="One per item in the instrument's order (GET /instruments/ lists them, with "
        "their numbers: the BAM asks item 7 as 7A–7G; a CRAFFT with no days in Part A has 4 "
        "answers, A1–A3 and CAR)",
    )  # fmt: skip
    sex = serializers.ChoiceField(
        choices=ScoringSex.choices, required=False, allow_blank=True, default="",
        help_text="AUDIT-C only: which cutoff applies",
    )  # fmt: skip
    functional_difficulty = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="PHQ-9 item 10, optional: 0 not difficult at all … 3 extremely difficult; "
        "not in the total",
    )  # fmt: skip
    subscores = serializers.DictField(
        child=serializers.IntegerField(), read_only=True,
        help_text="PCL-5: DSM-5 cluster severities B (items 1–5), C (6–7), D (8–14), E (15–20)",
    )  # fmt: skip
    safety_task = serializers.SerializerMethodField(help_text="Opened by PHQ-9 item 9 above 0")

    class Meta:
        model = Measure
        fields = [
            "id", "patient", "instrument", "administered_on", "answers", "sex",
            "functional_difficulty", "total", "band", "subscores", "bam_use", "bam_risk",
            "bam_protective", "safety_task", "created_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "total", "band", "bam_use", "bam_risk", "bam_protective", "created_at",
        ]  # fmt: skip

    def get_safety_task(self, measure: Measure) -> int | None:
        try:
            return int(measure.safety_task.pk)
        except SafetyTask.DoesNotExist:
            return None


class MeasureListView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ, "POST": C.CLINICAL_WRITE}

    @extend_schema(parameters=[PatientFilter], responses=MeasureSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = Measure.objects.filter(clinic=self.clinic).select_related("safety_task")
        return self.audited_page(_filtered(self, rows.order_by("-id")), MeasureSerializer)

    @extend_schema(
        request=MeasureSerializer,
        responses={201: MeasureSerializer},
        summary="Submit answers; the score, band (or BAM subscales) come back",
    )
    def post(self, request: Request) -> Response:
        data = MeasureSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        measure = services.measure_submit(
            clinic=self.clinic, actor=self.actor, **data.validated_data
        )
        return Response(MeasureSerializer(measure).data, status=201)


class MeasureDetailView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ}

    @extend_schema(responses=MeasureSerializer)
    def get(self, request: Request, id: int) -> Response:
        measures = Measure.objects.filter(clinic=self.clinic).select_related("safety_task")
        measure = _detail(measures, id)
        records_viewed(clinic=self.clinic, actor=self.actor, records=[measure])
        return Response(MeasureSerializer(measure).data)


class ItemOutput(serializers.Serializer):
    number = serializers.CharField()
    text = serializers.CharField()
    options = serializers.ListField(child=serializers.ListField())
    most = serializers.IntegerField(
        allow_null=True, help_text="A count item (days): any whole number from 0 to this"
    )


class InstrumentOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    stem = serializers.CharField()
    citation = serializers.CharField(source="source", help_text="The published source")
    guidance = serializers.CharField()
    items = ItemOutput(many=True)
    unscored = ItemOutput(allow_null=True, help_text="Optional, not in the total")


class InstrumentListView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ}
    pagination_class = None  # the instruments we score: a fixed handful, all at once

    @extend_schema(responses=InstrumentOutput(many=True), summary="Item text and answer options")
    def get(self, request: Request) -> Response:
        return Response(InstrumentOutput(list(SPECS.values()), many=True).data)


class SafetyTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = SafetyTask
        fields = [
            "id", "patient", "measure", "assigned_to", "due_on", "reason", "closed_at",
            "closed_by", "closing_note", "screen_wish_dead", "screen_suicidal_thoughts",
            "screen_method", "screen_intent", "screen_specific_plan", "screen_behavior",
            "screen_behavior_recent", "risk_level", "escalated_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class SafetyTaskFilter(PatientFilter):
    open = serializers.BooleanField(required=False, allow_null=True, default=None)


class SafetyTaskListView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ}

    @extend_schema(parameters=[SafetyTaskFilter], responses=SafetyTaskSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = SafetyTaskFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        tasks = _filtered(self, SafetyTask.objects.filter(clinic=self.clinic).order_by("-id"))
        if params.validated_data.get("open") is not None:
            tasks = tasks.filter(closed_at__isnull=params.validated_data["open"])
        return self.paginated(tasks, SafetyTaskSerializer)


class SafetyTaskDetailView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ}

    @extend_schema(responses=SafetyTaskSerializer)
    def get(self, request: Request, id: int) -> Response:
        task = selectors.safety_task_get(clinic=self.clinic, task_id=id)
        return Response(SafetyTaskSerializer(task).data)


class CloseInput(serializers.Serializer):
    """The C-SSRS Screener (progress/cssrs.py) and the plan. Questions 3–5 are null unless
    question 2 is true; `behavior_recent` is null unless `behavior` is true."""

    wish_dead = serializers.BooleanField(help_text="1. Wish to be dead")
    suicidal_thoughts = serializers.BooleanField(help_text="2. Non-specific active thoughts")
    method = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="3. Any methods, no plan/intent"
    )
    intent = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="4. Some intent, no plan"
    )
    specific_plan = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="5. Specific plan and intent"
    )
    behavior = serializers.BooleanField(help_text="6. Suicidal behaviour, lifetime")
    behavior_recent = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="6a. Within the past 3 months"
    )
    plan = serializers.CharField(max_length=4000, help_text="The plan: what was done, what next")


class SafetyTaskCloseView(ClinicAPIView):
    capabilities = {"POST": C.CLINICAL_WRITE}

    @extend_schema(
        request=CloseInput, responses=SafetyTaskSerializer, summary="Close with the C-SSRS screen"
    )
    def post(self, request: Request, id: int) -> Response:
        task = selectors.safety_task_get(clinic=self.clinic, task_id=id)
        data = CloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        answers = dict(data.validated_data)
        plan = answers.pop("plan")
        task = services.safety_task_close(
            task, actor=self.actor, screen=cssrs.Screen(**answers), plan=plan
        )
        return Response(SafetyTaskSerializer(task).data)


# --- Caseload and progress -----------------------------------------------------------------------


class CaseloadFilter(serializers.Serializer):
    case_manager = serializers.IntegerField(required=False, min_value=1, help_text="Membership id")
    flag = serializers.ChoiceField(choices=FLAG_CHOICES, required=False, default="")
    q = serializers.CharField(required=False, default="", max_length=100)


class TrendOutput(serializers.Serializer):
    latest = serializers.IntegerField(allow_null=True)
    previous = serializers.IntegerField(allow_null=True)
    change = serializers.IntegerField(allow_null=True)
    band = serializers.CharField()


class CaseloadOutput(serializers.Serializer):
    patient = serializers.IntegerField(source="patient.pk")
    record_number = serializers.CharField(source="patient.record_number")
    name = serializers.CharField(source="patient.display_name")
    hours_this_week = serializers.FloatField()
    minimum_hours = serializers.FloatField()
    week_of = serializers.DateField(help_text="This week's Monday (the clinic's week)")
    hours_last_week = serializers.FloatField()
    first_partial_week = serializers.BooleanField(
        source="this_week_first_partial",
        help_text="Admitted after this week's Monday: not held to the weekly minimum",
    )
    attendance_rate = serializers.IntegerField(allow_null=True)
    unexcused_absences_14d = serializers.IntegerField(source="unexcused_14d")
    last_test_on = serializers.DateTimeField(source="last_test.collected_at", default=None)
    last_test_unexpected = serializers.BooleanField()
    medication_findings = serializers.ListField(
        child=serializers.CharField(), help_text="Findings of tests not yet reviewed, in words"
    )
    phq9 = TrendOutput()
    gad7 = TrendOutput()
    open_safety_tasks = serializers.IntegerField()
    flags = serializers.SerializerMethodField()
    risk = serializers.IntegerField()

    def get_flags(self, row: Any) -> list[str]:
        return [code for code, _tone, _words in row.flags]


class CaseloadView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ}

    @extend_schema(
        parameters=[CaseloadFilter],
        responses=CaseloadOutput(many=True),
        summary="A case manager's caseload (or everyone's), sorted by risk",
    )
    def get(self, request: Request) -> Response:
        params = CaseloadFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        rows = selectors.caseload(
            clinic=self.clinic, case_manager_id=f.get("case_manager"), flag=f["flag"], query=f["q"]
        )
        return self.paginated(rows, CaseloadOutput)


class PointOutput(serializers.Serializer):
    on = serializers.DateField()
    value = serializers.FloatField(allow_null=True)


class ProgressOutput(serializers.Serializer):
    phq9 = PointOutput(many=True)
    gad7 = PointOutput(many=True)
    bam = serializers.ListField(child=serializers.DictField())
    weekly_hours = serializers.ListField(child=serializers.DictField())
    attendance_by_week = serializers.ListField(child=serializers.DictField())
    daily_ratings = serializers.ListField(child=serializers.DictField())
    tests = serializers.ListField(child=serializers.DictField())


class PatientProgressView(ClinicAPIView):
    capabilities = {"GET": C.CLINICAL_READ}

    @extend_schema(responses=ProgressOutput, summary="A patient's progress series")
    def get(self, request: Request, id: int) -> Response:
        patient = core_selectors.patient_get(clinic=self.clinic, patient_id=id)
        patient_chart_viewed(patient=patient, actor=self.actor)
        progress = selectors.patient_progress(
            clinic=self.clinic, patient=patient, include_tests=self.membership.can(C.TESTS_READ)
        )
        data = {
            "phq9": [{"on": m.administered_on, "value": m.total} for m in progress.phq9],
            "gad7": [{"on": m.administered_on, "value": m.total} for m in progress.gad7],
            "bam": [
                {"on": m.administered_on, "use": m.bam_use, "risk": m.bam_risk,
                 "protective": m.bam_protective}
                for m in progress.bam
            ],
            "weekly_hours": [
                {"week_start": w.start, "attended_minutes": w.attended,
                 "minimum_minutes": w.minimum, "scheduled_minutes": w.scheduled}
                for w in progress.weeks
            ],
            "attendance_by_week": [
                {"week_start": monday, "attended": attended, "on_the_list": listed}
                for monday, attended, listed in progress.attendance_by_week
            ],
            "daily_ratings": [
                {"on": r.rated_on, "mood": r.mood, "stress": r.stress, "cravings": r.cravings,
                 "sleep": r.sleep}
                for r in progress.ratings
            ],
            "tests": [
                {"id": t.pk, "ordered_for": t.ordered_for, "collected_at": t.collected_at,
                 "validity": t.validity,
                 "positives": [r.substance for r in t.results.all() if r.outcome == "positive"],
                 "unexpected": [r.substance for r in t.results.all() if r.unexpected]}
                for t in progress.tests
            ],
        }  # fmt: skip
        return Response(ProgressOutput(data).data)
