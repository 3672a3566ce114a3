"""The core API: the current membership, staff, sites, patients, the audit trail.

Views are thin (STYLE.md): parse with an input serializer, call a service or selector,
render with an output serializer. The clinic always comes from the token or session.
"""

from collections.abc import Callable
from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from iop import selectors, services
from iop.api.pagination import Pagination
from iop.models import AuditEvent, Clinic, Membership, Notification, Patient, Site, User
from iop.models.audit import AuditAction
from iop.models.care import EnrollmentStatus
from iop.roles import ROLE_CAPABILITIES, Capability, Role
from iop.selectors import AuditFilters
from iop.services.core import PATIENT_FIELDS

C = Capability


class ClinicAPIView(APIView):
    capabilities: dict[str, str] = {}
    pagination_class: type[Pagination] | None = Pagination  # None: the view answers a bare list

    @property
    def clinic(self) -> Clinic:
        return self.request.clinic  # type: ignore[attr-defined]

    @property
    def membership(self) -> Membership:
        return self.request.membership  # type: ignore[attr-defined]

    @property
    def actor(self) -> User:
        return self.request.user  # type: ignore[return-value]

    def paginated(
        self,
        queryset: Any,
        serializer: type[serializers.Serializer],
        *,
        context: dict[str, Any] | None = None,
        before_render: Callable[[list[Any]], object] | None = None,
    ) -> Response:
        """One page of `queryset`, serialized; `before_render(rows)` sees the page first."""
        if self.pagination_class is None:
            raise TypeError(f"{type(self).__name__} answers bare lists, not pages")
        paginator = self.pagination_class()
        rows: list[Any] = list(paginator.paginate_queryset(queryset, self.request, view=self) or [])
        if before_render is not None:
            before_render(rows)
        data = serializer(rows, many=True, context=context or {}).data
        return paginator.get_paginated_response(data)

    def audited_page(
        self,
        queryset: Any,
        serializer: type[serializers.Serializer],
        *,
        context: dict[str, Any] | None = None,
        prepare: Callable[[list[Any]], object] | None = None,
    ) -> Response:
        """A page of chart records: every record read is on the record, one view event each
        (one query). `prepare(rows)` adds computed values to the page before it is rendered."""

        def read(rows: list[Any]) -> None:
            if prepare is not None:
                prepare(rows)
            services.records_viewed(clinic=self.clinic, actor=self.actor, records=rows)

        return self.paginated(queryset, serializer, context=context, before_render=read)


# --- Me ---------------------------------------------------------------------------------------


class MembershipOutput(serializers.ModelSerializer):
    """A place on the staff. Until an invited person accepts, only the address is shown."""

    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")

    class Meta:
        model = Membership
        fields = [
            "id", "email", "first_name", "last_name", "role", "is_active", "accepted_at",
            "created_at",
        ]  # fmt: skip

    def to_representation(self, instance: Membership) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not instance.is_accepted:
            data["first_name"] = data["last_name"] = ""
        return data


class ClinicOutput(serializers.ModelSerializer):
    class Meta:
        model = Clinic
        fields = ["id", "name", "slug", "timezone", "require_mfa", "idle_timeout_minutes"]


class MeOutput(serializers.Serializer):
    membership = MembershipOutput()
    clinic = ClinicOutput()
    capabilities = serializers.ListField(child=serializers.CharField())


class MeView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ}

    @extend_schema(responses=MeOutput, summary="The membership this request acts as")
    def get(self, request: Request) -> Response:
        data = {
            "membership": self.membership,
            "clinic": self.clinic,
            "capabilities": sorted(ROLE_CAPABILITIES[self.membership.role]),
        }
        return Response(MeOutput(data).data)


# --- Staff ------------------------------------------------------------------------------------


class StaffInviteInput(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")


class StaffUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class StaffListView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "POST": C.STAFF_MANAGE}

    @extend_schema(responses=MembershipOutput(many=True), summary="Staff of the clinic")
    def get(self, request: Request) -> Response:
        return self.paginated(selectors.staff_list(clinic=self.clinic), MembershipOutput)

    @extend_schema(
        request=StaffInviteInput, responses={201: MembershipOutput}, summary="Invite a person"
    )
    def post(self, request: Request) -> Response:
        data = StaffInviteInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_invite(
            clinic=self.clinic, actor=self.actor, **data.validated_data
        )
        return Response(MembershipOutput(membership).data, status=status.HTTP_201_CREATED)


class StaffDetailView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "PATCH": C.STAFF_MANAGE}

    @extend_schema(responses=MembershipOutput)
    def get(self, request: Request, id: int) -> Response:
        membership = selectors.staff_get(clinic=self.clinic, membership_id=id)
        return Response(MembershipOutput(membership).data)

    @extend_schema(request=StaffUpdateInput, responses=MembershipOutput, summary="Change role")
    def patch(self, request: Request, id: int) -> Response:
        membership = selectors.staff_get(clinic=self.clinic, membership_id=id)
        data = StaffUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_update(
            membership=membership, actor=self.actor, **data.validated_data
        )
        return Response(MembershipOutput(membership).data)


# --- Sites ------------------------------------------------------------------------------------


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "address", "phone", "is_active"]
        read_only_fields = ["id"]
        # Uniqueness is the service's to check (it knows the clinic).
        validators: list[Any] = []


class SiteListView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "POST": C.CLINIC_CONFIGURE}

    @extend_schema(responses=SiteSerializer(many=True), summary="Sites (locations)")
    def get(self, request: Request) -> Response:
        return self.paginated(selectors.site_list(clinic=self.clinic), SiteSerializer)

    @extend_schema(request=SiteSerializer, responses={201: SiteSerializer})
    def post(self, request: Request) -> Response:
        data = SiteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "is_active"}
        site = services.site_create(clinic=self.clinic, actor=self.actor, **fields)
        return Response(SiteSerializer(site).data, status=status.HTTP_201_CREATED)


class SiteDetailView(ClinicAPIView):
    capabilities = {"GET": C.STAFF_READ, "PATCH": C.CLINIC_CONFIGURE, "PUT": C.CLINIC_CONFIGURE}

    @extend_schema(responses=SiteSerializer)
    def get(self, request: Request, id: int) -> Response:
        return Response(SiteSerializer(selectors.site_get(clinic=self.clinic, site_id=id)).data)

    @extend_schema(request=SiteSerializer, responses=SiteSerializer)
    def put(self, request: Request, id: int) -> Response:
        return self._update(request, id, partial=False)

    @extend_schema(request=SiteSerializer, responses=SiteSerializer)
    def patch(self, request: Request, id: int) -> Response:
        return self._update(request, id, partial=True)

    def _update(self, request: Request, id: int, *, partial: bool) -> Response:
        site = selectors.site_get(clinic=self.clinic, site_id=id)
        data = SiteSerializer(site, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        site = services.site_update(site=site, actor=self.actor, **data.validated_data)
        return Response(SiteSerializer(site).data)


# --- Patients ---------------------------------------------------------------------------------


class ClinicScopedField(serializers.PrimaryKeyRelatedField):
    """An id that must name an object of the request's clinic (others: "does not exist")."""

    def get_queryset(self) -> Any:
        clinic = self.context["request"].clinic
        model: Any = cast(Any, self).queryset.model
        return model._default_manager.filter(clinic=clinic)


class PlainRead:
    """A serializer's read of plain attributes and related ids, at the cost of a dict per row:
    each readable field's own `to_representation` (so the formats are DRF's), without DRF's
    general attribute walk per field and row (dotted sources, callables, PKOnlyObject), which
    is most of a long page's time. Only for serializers whose every readable field is a plain
    attribute or a related id (`PrimaryKeyRelatedField`); anything else is refused."""

    _readable_fields: Any

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.__dict__.get("_plain_plan")
        if plan is None:
            plan = self.__dict__["_plain_plan"] = [
                _plain_read(field) for field in self._readable_fields
            ]
        row = {}
        for name, attribute, represent in plan:
            value = getattr(instance, attribute)
            row[name] = None if value is None else represent(value)
        return row


def _plain_read(field: serializers.Field) -> tuple[str, str, Callable[[Any], Any]]:
    name, source = str(field.field_name), str(field.source)
    if len(field.source_attrs) != 1:
        raise TypeError(f"{name}: not a plain attribute")
    if isinstance(field, serializers.PrimaryKeyRelatedField) and field.pk_field is None:
        return name, f"{source}_id", lambda pk: pk
    if isinstance(field, serializers.RelatedField | serializers.BaseSerializer):
        raise TypeError(f"{name}: a relation other than an id")
    return name, source, field.to_representation


class PatientSerializer(PlainRead, serializers.ModelSerializer):
    age = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    primary_therapist = ClinicScopedField(
        queryset=Membership.objects.all(), required=False, allow_null=True
    )
    case_manager = ClinicScopedField(
        queryset=Membership.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Patient
        fields = ["id", *PATIENT_FIELDS, "display_name", "age", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []


class PatientFilterInput(serializers.Serializer):
    q = serializers.CharField(required=False, help_text="Name or record number")
    status = serializers.ChoiceField(
        choices=[*EnrollmentStatus.choices, ("none", "Never enrolled")],
        required=False,
        help_text="Of the latest enrollment",
    )
    track = serializers.IntegerField(required=False, min_value=1, help_text="Track id")
    therapist = serializers.IntegerField(required=False, min_value=1, help_text="Membership id")
    case_manager = serializers.IntegerField(required=False, min_value=1, help_text="Membership id")


class PatientListView(ClinicAPIView):
    capabilities = {"GET": C.PATIENTS_READ, "POST": C.PATIENTS_WRITE}

    @extend_schema(
        parameters=[PatientFilterInput],
        responses=PatientSerializer(many=True),
        summary="Patients (search and filters as on the patient list page)",
    )
    def get(self, request: Request) -> Response:
        params = PatientFilterInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        filters = selectors.PatientFilters(
            query=f.get("q", ""),
            status=f.get("status", ""),
            track_id=f.get("track"),
            therapist_id=f.get("therapist"),
            case_manager_id=f.get("case_manager"),
        )
        # Only the columns the serializer outputs; the clinic for each row's age is known.
        patients = selectors.patient_rows(clinic=self.clinic, filters=filters)
        return self.paginated(
            patients, PatientSerializer,
            before_render=lambda rows: selectors.with_clinic(rows, self.clinic),
        )  # fmt: skip

    @extend_schema(request=PatientSerializer, responses={201: PatientSerializer})
    def post(self, request: Request) -> Response:
        data = PatientSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        patient = services.patient_create(
            clinic=self.clinic, actor=self.actor, **data.validated_data
        )
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)


class PatientDetailView(ClinicAPIView):
    capabilities = {"GET": C.PATIENTS_READ, "PATCH": C.PATIENTS_WRITE, "PUT": C.PATIENTS_WRITE}

    @extend_schema(responses=PatientSerializer)
    def get(self, request: Request, id: int) -> Response:
        patient = selectors.patient_get(clinic=self.clinic, patient_id=id)
        services.patient_chart_viewed(patient=patient, actor=self.actor)
        return Response(PatientSerializer(patient).data)

    @extend_schema(request=PatientSerializer, responses=PatientSerializer)
    def put(self, request: Request, id: int) -> Response:
        return self._update(request, id, partial=False)

    @extend_schema(request=PatientSerializer, responses=PatientSerializer)
    def patch(self, request: Request, id: int) -> Response:
        return self._update(request, id, partial=True)

    def _update(self, request: Request, id: int, *, partial: bool) -> Response:
        patient = selectors.patient_get(clinic=self.clinic, patient_id=id)
        data = PatientSerializer(
            patient, data=request.data, partial=partial, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        patient = services.patient_update(patient=patient, actor=self.actor, **data.validated_data)
        return Response(PatientSerializer(patient).data)


# --- Audit ------------------------------------------------------------------------------------


class AuditEventOutput(serializers.ModelSerializer):
    actor_email = serializers.EmailField(source="actor.email", default=None, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "actor",
            "actor_email",
            "patient_id",
            "object_type",
            "object_id",
            "changed_fields",
            "ip",
            "request_id",
        ]


class AuditFilterInput(serializers.Serializer):
    patient = serializers.IntegerField(required=False, min_value=1)
    actor = serializers.IntegerField(required=False, min_value=1)
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_to"] < attrs["date_from"]
        ):
            raise serializers.ValidationError({"date_to": "Must be on or after date_from."})
        return attrs


class AuditEventListView(ClinicAPIView):
    capabilities = {"GET": C.AUDIT_READ}

    @extend_schema(
        parameters=[AuditFilterInput],
        responses=AuditEventOutput(many=True),
        summary="The audit trail (clinic admins and auditors)",
    )
    def get(self, request: Request) -> Response:
        params = AuditFilterInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        filters = AuditFilters(
            patient_id=f.get("patient"),
            actor_id=f.get("actor"),
            action=f.get("action", ""),
            date_from=f.get("date_from"),
            date_to=f.get("date_to"),
        )
        events = selectors.audit_event_list(clinic=self.clinic, filters=filters)
        return self.paginated(events, AuditEventOutput)


# --- Notifications ----------------------------------------------------------------------------


class NotificationOutput(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id", "kind", "message", "url", "target_type", "target_id", "created_at", "read_at",
        ]  # fmt: skip
        read_only_fields = fields


class NotificationFilter(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="Unread only")


class NotificationListView(ClinicAPIView):
    """The token's own person's notifications in this clinic, newest first."""

    capabilities = {"GET": C.PATIENTS_READ}

    @extend_schema(parameters=[NotificationFilter], responses=NotificationOutput(many=True))
    def get(self, request: Request) -> Response:
        params = NotificationFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = selectors.notification_list(
            clinic=self.clinic,
            membership=self.membership,
            unread_only=params.validated_data["unread"],
        )
        return self.paginated(rows, NotificationOutput)


class NotificationReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=200,
        help_text="Notification ids; ids that are not the caller's own are ignored",
    )  # fmt: skip


class NotificationReadView(ClinicAPIView):
    """Mark the caller's own notifications read; answers those now read."""

    capabilities = {"POST": C.PATIENTS_READ}
    pagination_class = None

    @extend_schema(
        request=NotificationReadInput, responses=NotificationOutput(many=True),
        summary="Mark notifications as read",
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        data = NotificationReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        rows = list(
            selectors.notification_list(clinic=self.clinic, membership=self.membership).filter(
                pk__in=data.validated_data["ids"]
            )
        )
        services.notification_mark_read(
            clinic=self.clinic, membership=self.membership, notifications=rows
        )
        return Response(NotificationOutput(rows, many=True).data)
