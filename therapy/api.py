"""Therapy's API: availability and time away, the weekly individual sessions (propose,
book, move), treatment plans with their tree, progress notes (write, sign, addenda,
co-sign). Notes and plans are read by the treating team only; a note's Part 2 flag is in
its output."""

import datetime
from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from iop import clock
from iop.api.views import ClinicAPIView, ClinicScopedField
from iop.models import Diagnosis, Enrollment, Membership
from iop.part2 import PART2_NOTICE
from iop.roles import Capability
from iop.services import records_viewed
from scheduling import selectors as calendar
from scheduling.models import Session

from . import scheduler, selectors, services
from .models import (
    NOTE_TEXT_FIELDS,
    Availability,
    AvailabilityBlock,
    Goal,
    Intervention,
    Objective,
    Problem,
    ProgressNote,
    TreatmentPlan,
)

C = Capability


def in_our_times(value: datetime.date) -> None:
    """Dates far outside a clinic's working life are typing errors (and would overflow)."""
    if not 2000 <= value.year <= 2100:
        raise serializers.ValidationError("Give a date between 2000 and 2100.")


class SaneDate(serializers.DateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validators=[in_our_times], **kwargs)


class SaneDateTime(serializers.DateTimeField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validators=[in_our_times], **kwargs)


# --- Availability -----------------------------------------------------------------------------


class AvailabilitySerializer(serializers.ModelSerializer):
    therapist = ClinicScopedField(queryset=Membership.objects.all())

    class Meta:
        model = Availability
        fields = ["id", "therapist", "weekday", "starts_at", "ends_at"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class TimeAwaySerializer(serializers.ModelSerializer):
    therapist = ClinicScopedField(queryset=Membership.objects.all())
    starts_at = SaneDateTime()
    ends_at = SaneDateTime()

    class Meta:
        model = AvailabilityBlock
        fields = ["id", "therapist", "starts_at", "ends_at", "reason"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class TherapistFilter(serializers.Serializer):
    therapist = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text="Membership id"
    )


class _RowList(ClinicAPIView):
    model: Any = Availability
    serializer: Any = AvailabilitySerializer

    def get(self, request: Request) -> Response:
        params = TherapistFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = self.model.objects.filter(clinic=self.clinic).order_by("id")
        if "therapist" in params.validated_data:
            rows = rows.filter(therapist_id=params.validated_data["therapist"])
        return self.paginated(rows, self.serializer)

    def post(self, request: Request) -> Response:
        data = self.serializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        create = (
            services.availability_add
            if self.model is Availability
            else services.availability_block_add
        )
        row = create(clinic=self.clinic, actor=self.actor, **data.validated_data)
        return Response(self.serializer(row).data, status=201)


class _RowDetail(ClinicAPIView):
    model: Any = Availability
    serializer: Any = AvailabilitySerializer

    def row(self, id: int) -> Any:
        row = self.model.objects.filter(clinic=self.clinic, pk=id).first()
        if row is None:
            raise Http404
        return row

    def get(self, request: Request, id: int) -> Response:
        return Response(self.serializer(self.row(id)).data)

    def delete(self, request: Request, id: int) -> Response:
        services.availability_remove(self.row(id), actor=self.actor)
        return Response(status=204)


class AvailabilityListView(_RowList):
    capabilities = {"GET": C.STAFF_READ, "POST": C.SCHEDULE_MANAGE}

    @extend_schema(parameters=[TherapistFilter], responses=AvailabilitySerializer(many=True),
                   summary="Therapists' weekly working hours")  # fmt: skip
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(request=AvailabilitySerializer, responses={201: AvailabilitySerializer})
    def post(self, request: Request) -> Response:
        return super().post(request)


class AvailabilityDetailView(_RowDetail):
    capabilities = {"GET": C.STAFF_READ, "DELETE": C.SCHEDULE_MANAGE}

    @extend_schema(responses=AvailabilitySerializer)
    def get(self, request: Request, id: int) -> Response:
        return super().get(request, id)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, id: int) -> Response:
        return super().delete(request, id)


class BlockListView(_RowList):
    capabilities = {"GET": C.SCHEDULE_MANAGE, "POST": C.SCHEDULE_MANAGE}
    model, serializer = AvailabilityBlock, TimeAwaySerializer

    @extend_schema(parameters=[TherapistFilter], responses=TimeAwaySerializer(many=True),
                   summary="Therapists' time away (leave, meetings)")  # fmt: skip
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(request=TimeAwaySerializer, responses={201: TimeAwaySerializer})
    def post(self, request: Request) -> Response:
        return super().post(request)


class BlockDetailView(_RowDetail):
    capabilities = {"GET": C.SCHEDULE_MANAGE, "DELETE": C.SCHEDULE_MANAGE}
    model, serializer = AvailabilityBlock, TimeAwaySerializer

    @extend_schema(responses=TimeAwaySerializer)
    def get(self, request: Request, id: int) -> Response:
        return super().get(request, id)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, id: int) -> Response:
        return super().delete(request, id)


class InterventionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Intervention
        fields = ["id", "name", "is_active"]
        read_only_fields = ["id", "is_active"]
        validators: list[Any] = []


class InterventionListView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "POST": C.CLINIC_CONFIGURE}

    @extend_schema(responses=InterventionSerializer(many=True),
                   summary="The clinic's therapeutic interventions (CBT, DBT, …)")  # fmt: skip
    def get(self, request: Request) -> Response:
        services.therapy_settings_get(clinic=self.clinic)
        rows = Intervention.objects.filter(clinic=self.clinic).order_by("name")
        return self.paginated(rows, InterventionSerializer)

    @extend_schema(request=InterventionSerializer, responses={201: InterventionSerializer})
    def post(self, request: Request) -> Response:
        data = InterventionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.intervention_create(
            clinic=self.clinic, actor=self.actor, name=data.validated_data["name"]
        )
        return Response(InterventionSerializer(item).data, status=201)


# --- The weekly individual sessions -----------------------------------------------------------


class WeekInput(serializers.Serializer):
    week = SaneDate(required=False, help_text="Any day of the week; this week by default")
    therapist = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text="Membership id"
    )


class PlacementOutput(serializers.Serializer):
    patient = serializers.IntegerField(source="patient_id")
    therapist = serializers.IntegerField(source="therapist_id")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    how = serializers.CharField()


class UnplacedOutput(serializers.Serializer):
    patient = serializers.IntegerField(source="patient_id")
    therapist = serializers.IntegerField(source="therapist_id", allow_null=True)
    why = serializers.CharField()
    slots = serializers.ListField(
        child=serializers.DateTimeField(),
        help_text="The nearest free times with the therapist, this week or next (up to 3)",
    )


class WeekPlanOutput(serializers.Serializer):
    week_start = serializers.DateField()
    already = serializers.IntegerField(help_text="Patients who have their session this week")
    placed = PlacementOutput(many=True)
    unplaced = UnplacedOutput(many=True)


class BookedOutput(WeekPlanOutput):
    sessions = serializers.ListField(child=serializers.IntegerField())


def _week(self: ClinicAPIView, data: dict[str, Any]) -> tuple[datetime.date, int | None]:
    today = clock.today(self.clinic)
    return data.get("week", today), data.get("therapist")


class ProposalView(ClinicAPIView):
    capabilities = {"GET": C.SCHEDULE_MANAGE}

    @extend_schema(parameters=[WeekInput], responses=WeekPlanOutput,
                   summary="Where each active patient's individual session of the week fits "
                   "(nothing is booked); each patient who cannot be placed, and why")  # fmt: skip
    def get(self, request: Request) -> Response:
        params = WeekInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        week, therapist = _week(self, params.validated_data)
        plan = scheduler.week_propose(
            clinic=self.clinic, week_start=week, therapist_id=therapist, suggest=3
        )
        return Response(WeekPlanOutput(plan).data)


class BookView(ClinicAPIView):
    capabilities = {"POST": C.SCHEDULE_MANAGE}

    @extend_schema(request=WeekInput, responses={201: BookedOutput},
                   summary="Book the week's proposed individual sessions")  # fmt: skip
    def post(self, request: Request) -> Response:
        data = WeekInput(data=request.data)
        data.is_valid(raise_exception=True)
        week, therapist = _week(self, data.validated_data)
        booked = scheduler.week_book(
            clinic=self.clinic, actor=self.actor, week_start=week, therapist_id=therapist
        )
        body = WeekPlanOutput(booked.plan).data | {"sessions": [s.pk for s in booked.sessions]}
        return Response(body, status=201)


class MoveInput(serializers.Serializer):
    starts_at = SaneDateTime(help_text="The new start; the session keeps its length")


class SessionOutput(serializers.ModelSerializer):
    kind = serializers.CharField()
    status = serializers.CharField()

    class Meta:
        model = Session
        fields = ["id", "kind", "day", "starts_at", "ends_at", "lead", "status"]


class MoveView(ClinicAPIView):
    capabilities = {"POST": C.SCHEDULE_MANAGE}

    @extend_schema(request=MoveInput, responses=SessionOutput,
                   summary="Move an individual or family session")  # fmt: skip
    def post(self, request: Request, id: int) -> Response:
        session = calendar.session_get(clinic=self.clinic, session_id=id)
        data = MoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        moved = scheduler.session_move(
            session, actor=self.actor, starts_at=data.validated_data["starts_at"]
        )
        return Response(SessionOutput(moved).data)


# --- Treatment plans --------------------------------------------------------------------------


class PlannedInterventionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    intervention = serializers.CharField(source="intervention.name")
    frequency = serializers.CharField()


class ObjectiveOutput(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    target_date = serializers.DateField()
    status = serializers.CharField()
    interventions = PlannedInterventionOutput(many=True, source="planned_interventions.all")


class GoalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    objectives = ObjectiveOutput(many=True, source="objectives.all")


class ProblemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    diagnosis = serializers.IntegerField(source="diagnosis_id", allow_null=True)
    goals = GoalOutput(many=True, source="goals.all")


class TreatmentPlanOutput(serializers.ModelSerializer):
    class Meta:
        model = TreatmentPlan
        fields = [
            "id", "enrollment", "patient", "version", "created_at", "review_due",
            "acknowledged_name", "acknowledged_at", "superseded_at",
        ]  # fmt: skip


class TreatmentPlanTreeOutput(TreatmentPlanOutput):
    problems = ProblemOutput(many=True, source="tree")

    class Meta(TreatmentPlanOutput.Meta):
        fields = [*TreatmentPlanOutput.Meta.fields, "problems"]


class PlanInput(serializers.Serializer):
    enrollment = ClinicScopedField(queryset=Enrollment.objects.all())


class PatientFilter(serializers.Serializer):
    patient = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text="Patient id"
    )


class _PlanView(ClinicAPIView):
    def plan(self, id: int) -> TreatmentPlan:
        return selectors.plan_get(clinic=self.clinic, membership=self.membership, plan_id=id)

    def tree(self, plan: TreatmentPlan, *, status: int = 200) -> Response:
        plan.tree = selectors.plan_tree(plan)  # type: ignore[attr-defined]
        return Response(TreatmentPlanTreeOutput(plan).data, status=status)


class PlanListView(_PlanView):
    capabilities = {"GET": C.NOTES_READ, "POST": C.NOTES_WRITE}

    @extend_schema(parameters=[PatientFilter], responses=TreatmentPlanOutput(many=True),
                   summary="Treatment plans (every version) of the patients you treat")  # fmt: skip
    def get(self, request: Request) -> Response:
        params = PatientFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        plans = selectors.plan_list(clinic=self.clinic, membership=self.membership)
        if "patient" in params.validated_data:
            plans = plans.filter(patient_id=params.validated_data["patient"])
        return self.paginated(plans, TreatmentPlanOutput)

    @extend_schema(request=PlanInput, responses={201: TreatmentPlanTreeOutput},
                   summary="Start the treatment plan of an open enrollment")  # fmt: skip
    def post(self, request: Request) -> Response:
        data = PlanInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            plan = services.treatment_plan_create(
                enrollment=data.validated_data["enrollment"], author=self.membership
            )
        except services.NotTreatingError as exc:
            raise serializers.ValidationError({"enrollment": [str(exc)]}) from None
        return self.tree(plan, status=201)


class PlanDetailView(_PlanView):
    capabilities = {"GET": C.NOTES_READ}

    @extend_schema(responses=TreatmentPlanTreeOutput, summary="A plan version with its tree")
    def get(self, request: Request, id: int) -> Response:
        plan = self.plan(id)
        records_viewed(clinic=self.clinic, actor=self.actor, records=[plan])
        return self.tree(plan)


Text = serializers.CharField(max_length=4000)


class ProblemInput(serializers.Serializer):
    description = Text
    diagnosis = ClinicScopedField(queryset=Diagnosis.objects.all(), required=False, allow_null=True)


class GoalInput(serializers.Serializer):
    problem = serializers.IntegerField(
        min_value=1, max_value=2**62, help_text="A problem of this version"
    )
    description = Text


class ObjectiveInput(serializers.Serializer):
    goal = serializers.IntegerField(
        min_value=1, max_value=2**62, help_text="A goal of this version"
    )
    description = Text
    target_date = SaneDate()


class PlannedInterventionInput(serializers.Serializer):
    objective = serializers.IntegerField(
        min_value=1, max_value=2**62, help_text="An objective of this version"
    )
    intervention = ClinicScopedField(queryset=Intervention.objects.all())
    frequency = serializers.CharField(max_length=80, required=False, allow_blank=True)


def _part(model: Any, plan: TreatmentPlan, id: int, field: str) -> Any:
    part = model.objects.filter(clinic_id=plan.clinic_id, plan=plan, pk=id).first()
    if part is None:
        raise serializers.ValidationError({field: ["Choose one from this version of the plan."]})
    return part


class ProblemAddView(_PlanView):
    capabilities = {"POST": C.NOTES_WRITE}

    @extend_schema(
        request=ProblemInput, responses={201: TreatmentPlanTreeOutput}, summary="Add a problem"
    )
    def post(self, request: Request, id: int) -> Response:
        plan = self.plan(id)
        data = ProblemInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.plan_problem_add(plan, actor=self.actor, **data.validated_data)
        return self.tree(plan, status=201)  # a part created; the answer is the whole tree


class GoalAddView(_PlanView):
    capabilities = {"POST": C.NOTES_WRITE}

    @extend_schema(
        request=GoalInput, responses={201: TreatmentPlanTreeOutput}, summary="Add a goal"
    )
    def post(self, request: Request, id: int) -> Response:
        plan = self.plan(id)
        data = GoalInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        problem = _part(Problem, plan, v["problem"], "problem")
        services.plan_goal_add(
            plan, actor=self.actor, problem=problem, description=v["description"]
        )
        return self.tree(plan, status=201)


class ObjectiveAddView(_PlanView):
    capabilities = {"POST": C.NOTES_WRITE}

    @extend_schema(request=ObjectiveInput, responses={201: TreatmentPlanTreeOutput},
                   summary="Add a measurable objective with its target date")  # fmt: skip
    def post(self, request: Request, id: int) -> Response:
        plan = self.plan(id)
        data = ObjectiveInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        goal = _part(Goal, plan, v["goal"], "goal")
        services.plan_objective_add(
            plan, actor=self.actor, goal=goal, description=v["description"],
            target_date=v["target_date"],
        )  # fmt: skip
        return self.tree(plan, status=201)


class PlannedInterventionAddView(_PlanView):
    capabilities = {"POST": C.NOTES_WRITE}

    @extend_schema(request=PlannedInterventionInput, responses={201: TreatmentPlanTreeOutput},
                   summary="Add an intervention to an objective")  # fmt: skip
    def post(self, request: Request, id: int) -> Response:
        plan = self.plan(id)
        data = PlannedInterventionInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        objective = _part(Objective, plan, v["objective"], "objective")
        services.plan_intervention_add(
            plan, actor=self.actor, objective=objective, intervention=v["intervention"],
            frequency=v.get("frequency", ""),
        )  # fmt: skip
        return self.tree(plan, status=201)


class PlanReviewView(_PlanView):
    capabilities = {"POST": C.NOTES_WRITE}

    @extend_schema(request=None, responses={201: TreatmentPlanTreeOutput},
                   summary="Review: a new version copies the tree")  # fmt: skip
    def post(self, request: Request, id: int) -> Response:
        plan = services.treatment_plan_review(self.plan(id), actor=self.actor)
        return self.tree(plan, status=201)


class AcknowledgeInput(serializers.Serializer):
    name = serializers.CharField(max_length=120, help_text="The patient's name as they gave it")


class PlanAcknowledgeView(_PlanView):
    capabilities = {"POST": C.NOTES_WRITE}

    @extend_schema(request=AcknowledgeInput, responses=TreatmentPlanTreeOutput,
                   summary="Record the patient's participation in this version")  # fmt: skip
    def post(self, request: Request, id: int) -> Response:
        plan = self.plan(id)
        data = AcknowledgeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.treatment_plan_acknowledge(
            plan, actor=self.actor, name=data.validated_data["name"]
        )
        return self.tree(plan)


# --- Progress notes ---------------------------------------------------------------------------


class AddendumOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.display_name")
    created_at = serializers.DateTimeField()
    text = serializers.CharField()


class NoteOutput(serializers.ModelSerializer):
    objectives = serializers.SerializerMethodField()
    addenda = AddendumOutput(many=True, source="addenda.all")
    part2 = serializers.BooleanField(help_text="42 CFR Part 2 substance-use counseling record")
    part2_notice = serializers.SerializerMethodField()
    cosigned_at = serializers.SerializerMethodField()
    is_final = serializers.SerializerMethodField()

    class Meta:
        model = ProgressNote
        fields = [
            "id", "session", "patient", "author", "format", *NOTE_TEXT_FIELDS, "modality",
            "objectives", "part2", "part2_notice", "signed_at", "signed_by", "cosign_required",
            "cosigned_at", "is_final", "addenda", "created_at", "updated_at",
        ]  # fmt: skip

    def get_objectives(self, note: ProgressNote) -> list[int]:
        return [o.objective_id for o in note.objectives.all()]

    def get_part2_notice(self, note: ProgressNote) -> str:
        return PART2_NOTICE if note.part2 else ""

    def get_cosigned_at(self, note: ProgressNote) -> datetime.datetime | None:
        cosign = getattr(note, "cosignature", None)
        return cosign.signed_at if cosign else None

    def get_is_final(self, note: ProgressNote) -> bool:
        return selectors.is_final(note)


class NoteInput(serializers.Serializer):
    subjective = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    objective = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    data = serializers.CharField(  # type: ignore[assignment]  # a DAP section, not .data
        max_length=8000, required=False, allow_blank=True
    )
    behavior = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    intervention = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    response = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    assessment = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    plan = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    modality = ClinicScopedField(
        queryset=Intervention.objects.all(), required=False, allow_null=True
    )
    objectives = serializers.ListField(
        child=ClinicScopedField(queryset=Objective.objects.all()), required=False, max_length=50
    )
    part2 = serializers.BooleanField(required=False)


class NoteCreateInput(NoteInput):
    session = ClinicScopedField(queryset=Session.objects.all())


class NoteFilter(serializers.Serializer):
    patient = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    signed = serializers.BooleanField(required=False, allow_null=True, default=None)


def _save(view: ClinicAPIView, session: Session, values: dict[str, Any]) -> ProgressNote:
    texts = {k: values[k] for k in NOTE_TEXT_FIELDS if k in values}
    return services.progress_note_save(
        session=session, author=view.membership, texts=texts, modality=values.get("modality"),
        objectives=values.get("objectives"), part2=values.get("part2"),
    )  # fmt: skip


class _NoteView(ClinicAPIView):
    def note(self, id: int) -> ProgressNote:
        return selectors.note_get(clinic=self.clinic, membership=self.membership, note_id=id)

    def out(self, id: int, status: int = 200) -> Response:
        return Response(NoteOutput(self.note(id)).data, status=status)


class NoteListView(_NoteView):
    capabilities = {"GET": C.NOTES_READ, "POST": C.NOTES_WRITE}

    @extend_schema(parameters=[NoteFilter], responses=NoteOutput(many=True),
                   summary="Progress notes of the patients you treat")  # fmt: skip
    def get(self, request: Request) -> Response:
        params = NoteFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        notes = selectors.note_list(clinic=self.clinic, membership=self.membership)
        if "patient" in f:
            notes = notes.filter(patient_id=f["patient"])
        if f.get("signed") is not None:
            notes = notes.filter(signed_at__isnull=not f["signed"])
        return self.audited_page(notes, NoteOutput)

    @extend_schema(request=NoteCreateInput, responses={201: NoteOutput},
                   summary="Write the draft note of a session you led")  # fmt: skip
    def post(self, request: Request) -> Response:
        data = NoteCreateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        note = _save(self, data.validated_data["session"], data.validated_data)
        return self.out(note.pk, status=201)


class NoteDetailView(_NoteView):
    capabilities = {"GET": C.NOTES_READ, "PATCH": C.NOTES_WRITE}

    @extend_schema(responses=NoteOutput)
    def get(self, request: Request, id: int) -> Response:
        note = self.note(id)
        records_viewed(clinic=self.clinic, actor=self.actor, records=[note])
        return Response(NoteOutput(note).data)

    @extend_schema(request=NoteInput, responses=NoteOutput,
                   summary="Change the draft (409 once signed: add an addendum)")  # fmt: skip
    def patch(self, request: Request, id: int) -> Response:
        note = self.note(id)
        data = NoteInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        _save(self, note.session, data.validated_data)
        return self.out(id)


class NoteSignView(_NoteView):
    capabilities = {"POST": C.NOTES_WRITE}

    @extend_schema(request=None, responses=NoteOutput,
                   summary="Sign (400 names empty sections; 409 once signed)")  # fmt: skip
    def post(self, request: Request, id: int) -> Response:
        services.progress_note_sign(self.note(id), signer=self.membership)
        return self.out(id)


class AddendumInput(serializers.Serializer):
    text = serializers.CharField(max_length=8000)


class NoteAddendumView(_NoteView):
    capabilities = {"POST": C.NOTES_WRITE}

    @extend_schema(request=AddendumInput, responses={201: NoteOutput},
                   summary="Add an addendum to a signed note")  # fmt: skip
    def post(self, request: Request, id: int) -> Response:
        note = self.note(id)
        data = AddendumInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.note_addendum_add(note, actor=self.actor, text=data.validated_data["text"])
        return self.out(id, status=201)


class NoteCosignView(_NoteView):
    capabilities = {"POST": C.NOTES_WRITE}

    @extend_schema(request=None, responses=NoteOutput,
                   summary="Co-sign a supervisee's signed note")  # fmt: skip
    def post(self, request: Request, id: int) -> Response:
        services.progress_note_cosign(self.note(id), supervisor=self.membership)
        return self.out(id)
