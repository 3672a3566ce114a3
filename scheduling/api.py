"""The calendar's API: tracks (with their weekly template), rooms, closures, sessions,
attendance (one call marks a whole session), group types and topics, the hours ledger."""

from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from iop import clock
from iop.api.views import ClinicAPIView, ClinicScopedField
from iop.models import Membership, Track
from iop.roles import Capability

from . import ledger, selectors, services
from .models import Attendance, Closure, GroupType, Room, Session, TrackBlock

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
        return self.paginated(tracks, TrackSerializer)

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
        if blocks is not None:  # a new template is whole: each block with all its fields
            whole = BlockSerializer(
                data=cast(dict[str, Any], request.data).get("blocks"),
                many=True,
                context={"request": request},
            )
            if not whole.is_valid():
                raise serializers.ValidationError({"blocks": whole.errors})
            blocks = whole.validated_data
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
    pagination_class = None  # one session's list, as big as its room: marked all at once

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


class WeekOutput(serializers.Serializer):
    patient = serializers.IntegerField(source="patient.pk")
    week_start = serializers.DateField(source="start")
    scheduled_minutes = serializers.IntegerField(source="scheduled")
    attended_minutes = serializers.IntegerField(source="attended")
    minimum_minutes = serializers.IntegerField(
        source="minimum", help_text="ASAM 2.1: the adolescent minimum when under 18 on the Monday"
    )
    adolescent = serializers.BooleanField(help_text="Under 18 on the week's first day (Monday)")
    reachable_minutes = serializers.IntegerField(source="reachable")
    billable_days = serializers.IntegerField()
    h0015_days_met = serializers.BooleanField(
        help_text="HCPCS H0015's weekly condition: at least 3 billable days this week"
    )
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
        # Paged like every growing list; in patient order, so pages do not shift.
        rows = sorted(weeks.values(), key=lambda week: week.patient.pk)
        return self.paginated(rows, WeekOutput)
