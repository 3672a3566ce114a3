"""The calendar's API: tracks (with their weekly template), rooms, closures, sessions,
attendance (one call marks a whole session), group types and topics, the hours ledger."""

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from groups import services as notes
from groups.models import GroupNote
from iop import clock
from iop.api.views import ClinicAPIView, ClinicScopedField
from iop.models import Membership, Track
from iop.roles import Capability
from scheduling.models import GroupType, Topic

from . import ledger, selectors, services
from .models import Attendance, Closure, Room, Session, TrackBlock

C = Capability


class BlockSerializer(serializers.ModelSerializer):
    group_type = ClinicScopedField(
        queryset=GroupType.objects.all(), required=False, allow_null=True
    )
    room = ClinicScopedField(queryset=Room.objects.all(), required=False, allow_null=True)
    lead = ClinicScopedField(queryset=Membership.objects.all(), required=False, allow_null=True)

    class Meta:
        model = TrackBlock
        fields = ["weekday", "starts_at", "ends_at", "kind", "group_type", "room", "lead"]


class TrackSerializer(serializers.ModelSerializer):
    blocks = BlockSerializer(many=True, required=False)

    class Meta:
        model = Track
        fields = [
            "id", "name", "slot", "weekdays", "starts_at", "ends_at", "capacity", "active_from",
            "active_until", "is_active", "blocks",
        ]  # fmt: skip
        read_only_fields = ["id"]
        validators: list[Any] = []


class TrackListView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "POST": C.CLINIC_CONFIGURE}

    @extend_schema(
        responses=TrackSerializer(many=True), summary="Tracks and their weekly templates"
    )
    def get(self, request: Request) -> Response:
        tracks = Track.objects.filter(clinic=self.clinic).prefetch_related("blocks").order_by("id")
        paginator = self.pagination_class()
        page: Any = paginator.paginate_queryset(tracks, request, view=self)
        return paginator.get_paginated_response(TrackSerializer(page, many=True).data)

    @extend_schema(request=TrackSerializer, responses={201: TrackSerializer})
    def post(self, request: Request) -> Response:
        data = TrackSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        blocks = fields.pop("blocks", [])
        track = services.track_create(clinic=self.clinic, actor=self.actor, blocks=blocks, **fields)
        return Response(TrackSerializer(track).data, status=201)


class TrackDetailView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "PATCH": C.CLINIC_CONFIGURE}

    @extend_schema(responses=TrackSerializer)
    def get(self, request: Request, id: int) -> Response:
        return Response(TrackSerializer(selectors.track_get(clinic=self.clinic, track_id=id)).data)

    @extend_schema(
        request=TrackSerializer,
        responses=TrackSerializer,
        summary="Change a track; `blocks`, when given, replaces the weekly template from now on",
    )
    def patch(self, request: Request, id: int) -> Response:
        track = selectors.track_get(clinic=self.clinic, track_id=id)
        data = TrackSerializer(track, data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        blocks = fields.pop("blocks", None)
        services.track_update(track, actor=self.actor, blocks=blocks, **fields)
        services.generate_on_commit(self.clinic)
        return Response(TrackSerializer(selectors.track_get(clinic=self.clinic, track_id=id)).data)


class RoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "name", "capacity", "is_active"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class RoomListView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "POST": C.CLINIC_CONFIGURE}

    @extend_schema(responses=RoomSerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.paginated(
            Room.objects.filter(clinic=self.clinic).order_by("id"), RoomSerializer
        )

    @extend_schema(request=RoomSerializer, responses={201: RoomSerializer})
    def post(self, request: Request) -> Response:
        data = RoomSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "is_active"}
        room = services.room_create(clinic=self.clinic, actor=self.actor, **fields)
        return Response(RoomSerializer(room).data, status=201)


class ClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Closure
        fields = ["id", "date", "name"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class ClosureListView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "POST": C.CLINIC_CONFIGURE}

    @extend_schema(responses=ClosureSerializer(many=True))
    def get(self, request: Request) -> Response:
        closures = Closure.objects.filter(clinic=self.clinic).order_by("date")
        return self.paginated(closures, ClosureSerializer)

    @extend_schema(
        request=ClosureSerializer,
        responses={201: ClosureSerializer},
        summary="Close a day (sessions already generated on it are cancelled)",
    )
    def post(self, request: Request) -> Response:
        data = ClosureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.closure_add(clinic=self.clinic, actor=self.actor, **data.validated_data)
        closure = Closure.objects.get(clinic=self.clinic, date=data.validated_data["date"])
        return Response(ClosureSerializer(closure).data, status=201)


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = [
            "id", "kind", "track", "day", "starts_at", "ends_at", "room", "lead", "co_lead",
            "group_type", "topic", "status", "cancel_reason",
        ]  # fmt: skip


class SessionFilter(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    track = serializers.IntegerField(required=False, min_value=1)
    staff = serializers.IntegerField(required=False, min_value=1, help_text="Membership id")
    patient = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError({"date_to": "Must be on or after date_from."})
        return attrs


class SessionListView(ClinicAPIView):
    capabilities = {"GET": C.PATIENTS_READ}

    @extend_schema(parameters=[SessionFilter], responses=SessionSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = SessionFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        sessions = Session.objects.filter(clinic=self.clinic)
        if f.get("date_from"):
            sessions = sessions.filter(day__gte=f["date_from"])
        if f.get("date_to"):
            sessions = sessions.filter(day__lte=f["date_to"])
        if f.get("track"):
            sessions = sessions.filter(track_id=f["track"])
        if f.get("staff"):
            sessions = sessions.filter(lead_id=f["staff"]) | sessions.filter(co_lead_id=f["staff"])
        if f.get("patient"):
            sessions = sessions.filter(
                attendance__patient_id=f["patient"], attendance__is_active=True
            )
        return self.paginated(sessions.order_by("starts_at", "id"), SessionSerializer)


class SessionDetailView(ClinicAPIView):
    capabilities = {"GET": C.PATIENTS_READ}

    @extend_schema(responses=SessionSerializer)
    def get(self, request: Request, id: int) -> Response:
        return Response(
            SessionSerializer(selectors.session_get(clinic=self.clinic, session_id=id)).data
        )


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = [
            "id",
            "patient",
            "status",
            "arrived_at",
            "left_at",
            "minutes_attended",
            "makeup_of",
        ]


class AttendanceChange(serializers.Serializer):
    attendance = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=services.MARKABLE)
    arrived_at = serializers.DateTimeField(required=False, allow_null=True)
    left_at = serializers.DateTimeField(required=False, allow_null=True)


class AttendanceView(ClinicAPIView):
    capabilities = {"GET": C.PATIENTS_READ, "POST": C.SCHEDULE_MANAGE}

    @extend_schema(responses=AttendanceSerializer(many=True), summary="The session's list")
    def get(self, request: Request, id: int) -> Response:
        session = selectors.session_get(clinic=self.clinic, session_id=id)
        rows = Attendance.objects.filter(clinic=self.clinic, session=session, is_active=True)
        rows = rows.order_by("id")
        return Response(AttendanceSerializer(rows, many=True).data)

    @extend_schema(
        request=AttendanceChange(many=True),
        responses=AttendanceSerializer(many=True),
        summary="Mark many patients of the session at once",
    )
    def post(self, request: Request, id: int) -> Response:
        session = selectors.session_get(clinic=self.clinic, session_id=id)
        data = AttendanceChange(data=request.data, many=True)
        data.is_valid(raise_exception=True)
        changes = {item.pop("attendance"): services.Mark(**item) for item in data.validated_data}
        rows = services.attendance_mark_bulk(session=session, actor=self.actor, changes=changes)
        return Response(AttendanceSerializer(rows, many=True).data)


class GroupTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = GroupType
        fields = ["id", "name", "kind", "is_active"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class TopicSerializer(serializers.ModelSerializer):
    group_type = ClinicScopedField(queryset=GroupType.objects.all())

    class Meta:
        model = Topic
        fields = ["id", "group_type", "name", "order", "is_active"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class GroupTypeListView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "POST": C.CLINIC_CONFIGURE}

    @extend_schema(responses=GroupTypeSerializer(many=True))
    def get(self, request: Request) -> Response:
        types = GroupType.objects.filter(clinic=self.clinic).order_by("id")
        return self.paginated(types, GroupTypeSerializer)

    @extend_schema(request=GroupTypeSerializer, responses={201: GroupTypeSerializer})
    def post(self, request: Request) -> Response:
        data = GroupTypeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k in ("name", "kind")}
        group_type = notes.group_type_create(clinic=self.clinic, actor=self.actor, **fields)
        return Response(GroupTypeSerializer(group_type).data, status=201)


class TopicListView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "POST": C.CLINIC_CONFIGURE}

    @extend_schema(responses=TopicSerializer(many=True), summary="The curriculum")
    def get(self, request: Request) -> Response:
        topics = Topic.objects.filter(clinic=self.clinic).order_by("group_type_id", "order", "id")
        return self.paginated(topics, TopicSerializer)

    @extend_schema(request=TopicSerializer, responses={201: TopicSerializer})
    def post(self, request: Request) -> Response:
        data = TopicSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "is_active"}
        topic = notes.topic_create(clinic=self.clinic, actor=self.actor, **fields)
        return Response(TopicSerializer(topic).data, status=201)


class TopicDetailView(ClinicAPIView):
    capabilities = {"PATCH": C.CLINIC_CONFIGURE}

    @extend_schema(
        request=TopicSerializer, responses=TopicSerializer, summary="Rename, reorder or retire"
    )
    def patch(self, request: Request, id: int) -> Response:
        topic = Topic.objects.filter(clinic=self.clinic, pk=id).first()
        if topic is None:
            raise Http404
        data = TopicSerializer(topic, data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        notes.curriculum_update(topic, actor=self.actor, **data.validated_data)
        return Response(TopicSerializer(topic).data)


class WeekOutput(serializers.Serializer):
    patient = serializers.IntegerField(source="patient.pk")
    week_start = serializers.DateField(source="start")
    scheduled_minutes = serializers.IntegerField(source="scheduled")
    attended_minutes = serializers.IntegerField(source="attended")
    minimum_minutes = serializers.IntegerField(source="minimum")
    reachable_minutes = serializers.IntegerField(source="reachable")
    billable_days = serializers.IntegerField()
    under_minimum = serializers.BooleanField()
    at_risk = serializers.BooleanField()


class HoursView(ClinicAPIView):
    capabilities = {"GET": C.PATIENTS_READ}

    @extend_schema(
        parameters=[OpenApiParameter("week", OpenApiTypes.DATE, description="Any day of the week")],
        responses=WeekOutput(many=True),
        summary="The hours ledger for one week",
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("week")
        day = serializers.DateField().run_validation(raw) if raw else clock.today(self.clinic)
        weeks = ledger.weeks_for(clinic=self.clinic, start=day)
        return Response(WeekOutput(list(weeks.values()), many=True).data)


class GroupNotePartSerializer(serializers.Serializer):
    patient = serializers.IntegerField(min_value=1)
    text = serializers.CharField(allow_blank=True, max_length=4000)


class GroupNoteSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=8000)
    interventions = serializers.CharField(max_length=300, required=False, allow_blank=True)
    parts = GroupNotePartSerializer(many=True)
    signed_at = serializers.DateTimeField(read_only=True)
    signed_by = serializers.IntegerField(source="signed_by_id", read_only=True, allow_null=True)


class GroupNoteSignInput(serializers.Serializer):
    names_checked = serializers.BooleanField(required=False, default=False)


def _note_data(note: Any) -> dict[str, Any]:
    return {
        "summary": note.summary,
        "interventions": note.interventions,
        "parts": [{"patient": p.patient_id, "text": p.text} for p in note.parts.all()],
        "signed_at": note.signed_at,
        "signed_by_id": note.signed_by_id,
    }


class GroupNoteView(ClinicAPIView):
    """The session's group note (therapists write; the treating team reads)."""

    capabilities = {"GET": C.NOTES_READ, "PUT": C.NOTES_WRITE}

    def note(self, session: Session) -> Any:
        return GroupNote.objects.filter(clinic=self.clinic, session=session).first()

    @extend_schema(
        responses=GroupNoteSerializer,
        summary="The group note of a session (empty until someone writes it)",
    )
    def get(self, request: Request, id: int) -> Response:
        session = selectors.session_get(clinic=self.clinic, session_id=id)
        note = self.note(session)
        if note is None:
            empty: dict[str, Any] = {
                "summary": "",
                "interventions": "",
                "parts": [],
                "signed_at": None,
            }
            return Response(GroupNoteSerializer({**empty, "signed_by_id": None}).data)
        return Response(GroupNoteSerializer(_note_data(note)).data)

    @extend_schema(
        request=GroupNoteSerializer, responses=GroupNoteSerializer, summary="Save the draft"
    )
    def put(self, request: Request, id: int) -> Response:
        session = selectors.session_get(clinic=self.clinic, session_id=id)
        data = GroupNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        note = notes.group_note_save(
            session=session, actor=self.actor, summary=values["summary"],
            interventions=values.get("interventions", ""),
            parts={part["patient"]: part["text"] for part in values["parts"]},
        )  # fmt: skip
        return Response(GroupNoteSerializer(_note_data(note)).data)


class GroupNoteSignView(GroupNoteView):
    capabilities = {"POST": C.NOTES_WRITE}
    http_method_names = ["post", "options"]

    @extend_schema(
        request=GroupNoteSignInput,
        responses=GroupNoteSerializer,
        summary="Sign (400 says which part is missing, copied or names another attendee)",
    )
    def post(self, request: Request, id: int) -> Response:
        session = selectors.session_get(clinic=self.clinic, session_id=id)
        data = GroupNoteSignInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = self.note(session)
        if note is None:
            raise serializers.ValidationError({"summary": ["Write the note before signing it."]})
        note = notes.group_note_sign(
            note, actor=self.actor, names_checked=data.validated_data["names_checked"]
        )
        return Response(GroupNoteSerializer(_note_data(note)).data)
