"""The family API: family members, their consents (grant, revoke), what may be shared with
them, the disclosure log, family sessions and family participants (family sessions and
family education groups). Thin: parse, call a service or selector, render."""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from iop import clock, part2
from iop.api.views import ClinicAPIView, ClinicScopedField
from iop.models import Membership, Patient
from iop.roles import Capability
from iop.services import records_viewed
from scheduling.models import Room, Session

from . import selectors, services
from .models import (
    DisclosureMethod,
    FamilyConsent,
    FamilyDisclosure,
    FamilyMember,
    FamilySessionParticipant,
    ParticipantStatus,
    ShareCategory,
)

C = Capability
MAX_ID = 2**63 - 1


def _id_filter(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=help_text
    )


class PatientFilter(serializers.Serializer):
    patient = _id_filter("Only this patient's")


class MemberFilter(serializers.Serializer):
    patient = _id_filter("Only this patient's")
    family_member = _id_filter("Only this family member's")


class SessionFilter(serializers.Serializer):
    session = _id_filter("Only this session's")
    family_member = _id_filter("Only this family member's")


def _filters(request: Request, form: type[serializers.Serializer]) -> dict[str, Any]:
    """Query-string filters, validated (a bad one is a 400 with the field named)."""
    parsed = form(data=request.query_params)
    parsed.is_valid(raise_exception=True)
    return dict(parsed.validated_data)


# --- Family members ---------------------------------------------------------------------------


class MemberSerializer(serializers.ModelSerializer):
    patient = ClinicScopedField(queryset=Patient.objects.all())
    name = serializers.CharField(read_only=True)

    class Meta:
        model = FamilyMember
        fields = ["id", "patient", "name", *services.MEMBER_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class MemberUpdateInput(serializers.ModelSerializer):
    class Meta:
        model = FamilyMember
        fields = list(services.MEMBER_FIELDS)


class MemberListView(ClinicAPIView):
    capabilities = {"GET": C.FAMILY_READ, "POST": C.FAMILY_MANAGE}

    @extend_schema(
        parameters=[PatientFilter],
        responses=MemberSerializer(many=True),
        summary="Family members (optional: filter by patient)",
    )
    def get(self, request: Request) -> Response:
        f = _filters(request, PatientFilter)
        members = selectors.member_list(clinic=self.clinic, patient_id=f.get("patient"))
        return self.audited_page(members.order_by("id"), MemberSerializer)

    @extend_schema(request=MemberSerializer, responses={201: MemberSerializer})
    def post(self, request: Request) -> Response:
        data = MemberSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        patient = fields.pop("patient")
        member = services.family_member_create(patient=patient, actor=self.actor, **fields)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberDetailView(ClinicAPIView):
    capabilities = {"GET": C.FAMILY_READ, "PATCH": C.FAMILY_MANAGE}

    @extend_schema(responses=MemberSerializer)
    def get(self, request: Request, id: int) -> Response:
        member = selectors.member_get(clinic=self.clinic, member_id=id)
        records_viewed(clinic=self.clinic, actor=self.actor, records=[member])
        return Response(MemberSerializer(member).data)

    @extend_schema(request=MemberUpdateInput, responses=MemberSerializer)
    def patch(self, request: Request, id: int) -> Response:
        member = selectors.member_get(clinic=self.clinic, member_id=id)
        data = MemberUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        member = services.family_member_update(member, actor=self.actor, **data.validated_data)
        return Response(MemberSerializer(member).data)


class SharingOutput(serializers.Serializer):
    category = serializers.ChoiceField(choices=ShareCategory.choices)
    allowed = serializers.BooleanField()
    reason = serializers.CharField()
    consent = serializers.IntegerField(allow_null=True)


class MemberSharingView(ClinicAPIView):
    capabilities = {"GET": C.CONSENTS_READ}
    pagination_class = None  # one answer per share category, all at once

    @extend_schema(
        responses=SharingOutput(many=True),
        summary="What may be shared with this family member today, and why (the consent gate)",
    )
    def get(self, request: Request, id: int) -> Response:
        member = selectors.member_get(clinic=self.clinic, member_id=id)
        rows = []
        for category in ShareCategory.values:
            decision = selectors.may_share(member, category)
            rows.append(
                {
                    "category": category,
                    "allowed": decision.allowed,
                    "reason": decision.reason,
                    "consent": decision.consent.pk if decision.consent else None,
                }
            )
        return Response(SharingOutput(rows, many=True).data)


# --- Consents ---------------------------------------------------------------------------------


class ConsentOutput(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    state_text = serializers.SerializerMethodField()
    revoked_at = serializers.SerializerMethodField()
    revoked_by = serializers.SerializerMethodField()
    revocation_reason = serializers.SerializerMethodField()

    class Meta:
        model = FamilyConsent
        fields = [
            "id", "family_member", "patient", "patient_name", "discloser", "recipient",
            "categories", "purpose", "expires_on", "expiry_event", "patient_signature",
            "signed_on", "authorized_signature", "authorized_signer_relationship",
            "revocation_statement", "recorded_by", "recorded_at", "state", "state_text",
            "revoked_at", "revoked_by", "revocation_reason",
        ]  # fmt: skip

    def _state(self, consent: FamilyConsent) -> selectors.ConsentState:
        tz = clock.zone(self.context["clinic"])
        return selectors.consent_state(consent, clock.today(self.context["clinic"]), tz)

    def get_state(self, consent: FamilyConsent) -> str:
        return self._state(consent).code

    def get_state_text(self, consent: FamilyConsent) -> str:
        return self._state(consent).text

    def get_revoked_at(self, consent: FamilyConsent) -> str | None:
        revocation = getattr(consent, "revocation", None)
        return revocation.revoked_at.isoformat() if revocation else None

    def get_revoked_by(self, consent: FamilyConsent) -> int | None:
        revocation = getattr(consent, "revocation", None)
        return revocation.revoked_by_id if revocation else None

    def get_revocation_reason(self, consent: FamilyConsent) -> str | None:
        revocation = getattr(consent, "revocation", None)
        return revocation.reason if revocation else None


class ConsentInput(serializers.Serializer):
    family_member = ClinicScopedField(queryset=FamilyMember.objects.all())
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=ShareCategory.choices), allow_empty=False
    )
    purpose = serializers.CharField(max_length=300)
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    expiry_event = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    patient_signature = serializers.CharField(
        max_length=170, help_text="The patient's full name, typed by the patient."
    )
    signed_on = serializers.DateField(required=False, help_text="Default: today.")
    authorized_signature = serializers.CharField(
        max_length=170, required=False, allow_blank=True, default="",
        help_text="A parent's or other authorized person's full name, typed by them: required "
        "when the patient is under 18 on the signing date (42 CFR §2.14).",
    )  # fmt: skip
    authorized_signer_relationship = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default="",
        help_text="How they are authorized, e.g. mother or legal guardian.",
    )  # fmt: skip


class ConsentListView(ClinicAPIView):
    capabilities = {"GET": C.CONSENTS_READ, "POST": C.CONSENTS_MANAGE}

    @extend_schema(
        parameters=[MemberFilter],
        responses=ConsentOutput(many=True),
        summary="Part 2 consents to disclose to family members",
    )
    def get(self, request: Request) -> Response:
        f = _filters(request, MemberFilter)
        consents = selectors.consent_list(
            clinic=self.clinic, member_id=f.get("family_member"), patient_id=f.get("patient")
        )
        return self.audited_page(
            consents.order_by("id"),
            ConsentOutput,
            context={"clinic": self.clinic},
            prepare=selectors.with_revocations,
        )

    @extend_schema(
        request=ConsentInput,
        responses={201: ConsentOutput},
        summary="Record a consent the patient signed (never edited afterwards)",
    )
    def post(self, request: Request) -> Response:
        data = ConsentInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        member = fields.pop("family_member")
        member.clinic = self.clinic
        consent = services.consent_grant(member=member, actor=self.actor, **fields)
        consent.revocation = None  # type: ignore[attr-defined]
        output = ConsentOutput(consent, context={"clinic": self.clinic})
        return Response(output.data, status=status.HTTP_201_CREATED)


class ConsentDetailView(ClinicAPIView):
    capabilities = {"GET": C.CONSENTS_READ}

    @extend_schema(responses=ConsentOutput)
    def get(self, request: Request, id: int) -> Response:
        consent = selectors.consent_get(clinic=self.clinic, consent_id=id)
        records_viewed(clinic=self.clinic, actor=self.actor, records=[consent])
        return Response(ConsentOutput(consent, context={"clinic": self.clinic}).data)


class RevokeInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="",
        help_text="E.g. “revoked by the patient” or the expiry event that happened.",
    )  # fmt: skip


class ConsentRevokeView(ClinicAPIView):
    capabilities = {"POST": C.CONSENTS_MANAGE}

    @extend_schema(
        request=RevokeInput,
        responses={200: ConsentOutput},
        summary="Revoke a consent (409 when already revoked)",
    )
    def post(self, request: Request, id: int) -> Response:
        consent = selectors.consent_get(clinic=self.clinic, consent_id=id)
        data = RevokeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.consent_revoke(consent, actor=self.actor, **data.validated_data)
        return Response(ConsentOutput(consent, context={"clinic": self.clinic}).data)


# --- Disclosures ------------------------------------------------------------------------------


class ConsentScopeOutput(serializers.Serializer):
    recipient = serializers.CharField()
    what = serializers.ListField(child=serializers.CharField())
    purpose = serializers.CharField()
    expires = serializers.CharField()
    signed_on = serializers.DateField()
    text = serializers.CharField(help_text="The same, in one sentence to send along")


class DisclosureOutput(serializers.ModelSerializer):
    notice = serializers.SerializerMethodField(help_text="The 42 CFR §2.32(a) notice.")
    consent_scope = serializers.SerializerMethodField(
        help_text="42 CFR §2.32(b): the scope of the consent the disclosure was made under"
    )

    class Meta:
        model = FamilyDisclosure
        fields = [
            "id", "family_member", "patient", "consent", "category", "method", "summary",
            "disclosed_by", "disclosed_at", "notice", "consent_scope",
        ]  # fmt: skip

    def get_notice(self, disclosure: FamilyDisclosure) -> str:
        return part2.PART2_NOTICE

    @extend_schema_field(ConsentScopeOutput)
    def get_consent_scope(self, disclosure: FamilyDisclosure) -> dict[str, Any]:
        return disclosure.consent.scope.as_dict()


class DisclosureInput(serializers.Serializer):
    family_member = ClinicScopedField(queryset=FamilyMember.objects.all())
    category = serializers.ChoiceField(choices=ShareCategory.choices)
    method = serializers.ChoiceField(
        choices=DisclosureMethod.choices, required=False, default=DisclosureMethod.IN_PERSON
    )
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class DisclosureListView(ClinicAPIView):
    capabilities = {"GET": C.CONSENTS_READ, "POST": C.CONSENTS_MANAGE}

    @extend_schema(
        parameters=[MemberFilter],
        responses=DisclosureOutput(many=True),
        summary="The disclosure log (42 CFR §2.25)",
    )
    def get(self, request: Request) -> Response:
        f = _filters(request, MemberFilter)
        rows = selectors.disclosure_list(
            clinic=self.clinic, patient_id=f.get("patient"), member_id=f.get("family_member")
        )
        return self.audited_page(rows.order_by("id"), DisclosureOutput)

    @extend_schema(
        request=DisclosureInput,
        responses={201: DisclosureOutput},
        summary="Share with a family member: 201 logged, or 409 with the reason it is refused",
    )
    def post(self, request: Request) -> Response:
        data = DisclosureInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        member = fields.pop("family_member")
        member.clinic = self.clinic
        disclosure = services.disclosure_record(member=member, actor=self.actor, **fields)
        return Response(DisclosureOutput(disclosure).data, status=status.HTTP_201_CREATED)


# --- Family sessions and participants ---------------------------------------------------------


class ParticipantOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="family_member.name", read_only=True)

    class Meta:
        model = FamilySessionParticipant
        fields = ["id", "session", "family_member", "name", "status", "marked_by", "marked_at"]


class FamilySessionOutput(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField(help_text="family or family_education")
    status = serializers.CharField(read_only=True, help_text="scheduled, held or cancelled")
    patient = serializers.SerializerMethodField(help_text="The patient of a family session")
    participants = ParticipantOutput(source="family_participants", many=True, read_only=True)

    class Meta:
        model = Session
        fields = [
            "id", "kind", "group_type", "topic", "day", "starts_at", "ends_at", "lead", "room",
            "status", "patient", "participants",
        ]  # fmt: skip

    def get_kind(self, session: Session) -> str:
        return "family" if session.kind == "family" else "family_education"

    def get_patient(self, session: Session) -> int | None:
        if session.kind != "family":
            return None
        rows = list(session.attendance.all())
        return rows[0].patient_id if rows else None


class FamilySessionFilter(serializers.Serializer):
    patient = _id_filter("Only this patient's (their family sessions, their family's groups)")
    kind = serializers.ChoiceField(
        choices=[("family", "Family sessions"), ("family_education", "Family education groups")],
        required=False,
    )


class FamilySessionInput(serializers.Serializer):
    patient = ClinicScopedField(queryset=Patient.objects.all())
    lead = ClinicScopedField(queryset=Membership.objects.all(), help_text="The therapist")
    room = ClinicScopedField(queryset=Room.objects.all(), required=False, allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    members = ClinicScopedField(
        queryset=FamilyMember.objects.all(), many=True, help_text="Family member ids"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("starts_at", "ends_at"):
            if not 2000 <= attrs[name].year <= 2100:
                raise serializers.ValidationError({name: "Choose a date between 2000 and 2100."})
        return attrs


class FamilySessionListView(ClinicAPIView):
    capabilities = {"GET": C.FAMILY_READ, "POST": C.FAMILY_MANAGE}

    @extend_schema(
        parameters=[FamilySessionFilter],
        responses=FamilySessionOutput(many=True),
        summary="Family sessions and family education groups, with their family participants",
    )
    def get(self, request: Request) -> Response:
        f = _filters(request, FamilySessionFilter)
        sessions = selectors.family_session_list(
            clinic=self.clinic, patient_id=f.get("patient"), kind=f.get("kind", "")
        )
        return self.paginated(sessions, FamilySessionOutput)

    @extend_schema(
        request=FamilySessionInput,
        responses={201: FamilySessionOutput},
        summary="Schedule a family session (400 names the clash: therapist, room or patient)",
    )
    def post(self, request: Request) -> Response:
        data = FamilySessionInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        session = services.family_session_schedule(actor=self.actor, **fields)
        fresh = selectors.family_session_get(clinic=self.clinic, session_id=session.pk)
        return Response(FamilySessionOutput(fresh).data, status=status.HTTP_201_CREATED)


class FamilySessionDetailView(ClinicAPIView):
    capabilities = {"GET": C.FAMILY_READ}

    @extend_schema(responses=FamilySessionOutput)
    def get(self, request: Request, id: int) -> Response:
        session = selectors.family_session_get(clinic=self.clinic, session_id=id)
        return Response(FamilySessionOutput(session).data)


class ParticipantInput(serializers.Serializer):
    session = ClinicScopedField(
        queryset=Session.objects.all(),
        help_text="A family session or a family education group session",
    )
    family_member = ClinicScopedField(queryset=FamilyMember.objects.all())
    status = serializers.ChoiceField(
        choices=ParticipantStatus.choices, required=False, default=ParticipantStatus.EXPECTED
    )


class ParticipantMarkInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=ParticipantStatus.choices)


class ParticipantListView(ClinicAPIView):
    capabilities = {"GET": C.FAMILY_READ, "POST": C.FAMILY_MANAGE}

    @extend_schema(
        parameters=[SessionFilter],
        responses=ParticipantOutput(many=True),
        summary="Family members on family sessions and family education groups",
    )
    def get(self, request: Request) -> Response:
        f = _filters(request, SessionFilter)
        rows = selectors.participant_list(
            clinic=self.clinic, session_id=f.get("session"), member_id=f.get("family_member")
        )
        return self.paginated(rows, ParticipantOutput)

    @extend_schema(
        request=ParticipantInput,
        responses={201: ParticipantOutput},
        summary="Put a family member on a family session or family education group",
    )
    def post(self, request: Request) -> Response:
        data = ParticipantInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        member = fields.pop("family_member")
        member.clinic = self.clinic
        row = services.participant_add(member=member, actor=self.actor, **fields)
        return Response(ParticipantOutput(row).data, status=status.HTTP_201_CREATED)


class ParticipantDetailView(ClinicAPIView):
    capabilities = {"GET": C.FAMILY_READ, "PATCH": C.FAMILY_MANAGE}

    @extend_schema(responses=ParticipantOutput)
    def get(self, request: Request, id: int) -> Response:
        row = selectors.participant_get(clinic=self.clinic, participant_id=id)
        return Response(ParticipantOutput(row).data)

    @extend_schema(
        request=ParticipantMarkInput, responses=ParticipantOutput, summary="Mark present/absent"
    )
    def patch(self, request: Request, id: int) -> Response:
        row = selectors.participant_get(clinic=self.clinic, participant_id=id)
        data = ParticipantMarkInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.participant_mark(row, actor=self.actor, **data.validated_data)
        return Response(ParticipantOutput(row).data)
