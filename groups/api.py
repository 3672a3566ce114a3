"""The groups app's API: group types, the curriculum and each session's group note."""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from iop.api.views import ClinicAPIView, ClinicScopedField
from iop.roles import Capability
from scheduling import selectors as calendar
from scheduling.models import GroupType, Session, Topic

from . import services
from .models import GroupNote

C = Capability


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
        group_type = services.group_type_create(clinic=self.clinic, actor=self.actor, **fields)
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
        topic = services.topic_create(clinic=self.clinic, actor=self.actor, **fields)
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
        services.curriculum_update(topic, actor=self.actor, **data.validated_data)
        return Response(TopicSerializer(topic).data)


class GroupNotePartSerializer(serializers.Serializer):
    patient = serializers.IntegerField(min_value=1)
    text = serializers.CharField(allow_blank=True, max_length=4000)


class GroupNoteSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=8000)
    interventions = serializers.CharField(max_length=300, required=False, allow_blank=True)
    parts = GroupNotePartSerializer(many=True)
    signed_at = serializers.DateTimeField(read_only=True, allow_null=True)
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
        session = calendar.session_get(clinic=self.clinic, session_id=id)
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
        session = calendar.session_get(clinic=self.clinic, session_id=id)
        data = GroupNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        note = services.group_note_save(
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
        session = calendar.session_get(clinic=self.clinic, session_id=id)
        data = GroupNoteSignInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = self.note(session)
        if note is None:
            raise serializers.ValidationError({"summary": ["Write the note before signing it."]})
        note = services.group_note_sign(
            note, actor=self.actor, names_checked=data.validated_data["names_checked"]
        )
        return Response(GroupNoteSerializer(_note_data(note)).data)
