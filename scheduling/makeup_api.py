"""Missed sessions and their make-up proposals: list, read, accept (a proposal or another
session), waive."""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from iop.api.views import ClinicAPIView, ClinicScopedField
from iop.roles import Capability

from . import makeups
from .models import MakeupProposal, MissedSession, MissedStatus, Session

C = Capability


class ProposalSerializer(serializers.ModelSerializer):
    class Meta:
        model = MakeupProposal
        fields = [
            "id",
            "rank",
            "session",
            "lead",
            "starts_at",
            "ends_at",
            "same_topic",
            "own_track",
        ]


class MissedSessionSerializer(serializers.ModelSerializer):
    proposals = ProposalSerializer(many=True, read_only=True)
    makeup_session = serializers.IntegerField(
        source="makeup.session_id", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = MissedSession
        fields = [
            "id", "patient", "session", "attendance", "excused", "status", "detected_at",
            "none_found", "proposals", "makeup", "makeup_session", "waive_reason", "resolved_at",
        ]  # fmt: skip


class MissedFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=MissedStatus.choices, required=False)
    patient = serializers.IntegerField(required=False, min_value=1)


class AcceptInput(serializers.Serializer):
    proposal = ClinicScopedField(queryset=MakeupProposal.objects.all(), required=False)
    session = ClinicScopedField(queryset=Session.objects.all(), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("proposal")) == bool(attrs.get("session")):
            raise serializers.ValidationError(
                {"proposal": "Give either a proposal or a session (not both)."}
            )
        return attrs


class WaiveInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


def _missed(view: ClinicAPIView, id: int) -> MissedSession:
    missed = (
        MissedSession.objects.filter(clinic=view.clinic, pk=id)
        .select_related("makeup")
        .prefetch_related("proposals")
        .first()
    )
    if missed is None:
        raise Http404
    return missed


class MissedSessionListView(ClinicAPIView):
    capabilities = {"GET": C.PATIENTS_READ}

    @extend_schema(
        parameters=[MissedFilter],
        responses=MissedSessionSerializer(many=True),
        summary="Missed sessions with their ranked make-up proposals",
    )
    def get(self, request: Request) -> Response:
        params = MissedFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = (
            MissedSession.objects.filter(clinic=self.clinic, **params.validated_data)
            .select_related("makeup")
            .prefetch_related("proposals")
            .order_by("-detected_at", "id")
        )
        return self.paginated(rows, MissedSessionSerializer)


class MissedSessionDetailView(ClinicAPIView):
    capabilities = {"GET": C.PATIENTS_READ}

    @extend_schema(responses=MissedSessionSerializer)
    def get(self, request: Request, id: int) -> Response:
        return Response(MissedSessionSerializer(_missed(self, id)).data)


class MissedSessionAcceptView(ClinicAPIView):
    capabilities = {"POST": C.SCHEDULE_MANAGE}

    @extend_schema(
        request=AcceptInput,
        responses=MissedSessionSerializer,
        summary="Book the make-up: one of the proposals, or another session",
    )
    def post(self, request: Request, id: int) -> Response:
        missed = _missed(self, id)
        data = AcceptInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        makeups.makeup_accept(missed, actor=self.actor, **data.validated_data)
        return Response(MissedSessionSerializer(_missed(self, id)).data)


class MissedSessionWaiveView(ClinicAPIView):
    capabilities = {"POST": C.SCHEDULE_MANAGE}

    @extend_schema(request=WaiveInput, responses=MissedSessionSerializer, summary="No make-up")
    def post(self, request: Request, id: int) -> Response:
        missed = _missed(self, id)
        data = WaiveInput(data=request.data)
        data.is_valid(raise_exception=True)
        makeups.makeup_waive(missed, actor=self.actor, reason=data.validated_data["reason"])
        return Response(MissedSessionSerializer(_missed(self, id)).data)
