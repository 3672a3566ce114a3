import datetime
import zoneinfo
from typing import Any, ClassVar, cast

from django import forms
from django.core.exceptions import ValidationError

from iop.models import (
    Authorization,
    Clinic,
    Coverage,
    Diagnosis,
    Enrollment,
    Inquiry,
    Medication,
    Membership,
    Patient,
    PaymentPlan,
    Site,
    Track,
)
from iop.models.audit import AuditAction
from iop.models.care import DischargeType, EnrollmentStatus, LevelOfCare
from iop.models.intake import InquiryStatus
from iop.roles import Role
from iop.services.core import PATIENT_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "record_number",
            "legal_first_name",
            "legal_last_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
        ]
        widgets: ClassVar[dict[str, forms.Widget]] = {"date_of_birth": DateInput()}
        help_texts = {"pronouns": "For example: she/her, he/him, they/them."}

    def validate_unique(self) -> None:
        """The service checks uniqueness within the clinic and reports it on the field."""


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "address", "phone", "is_active"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self) -> None:
        """The service checks uniqueness within the clinic and reports it on the field."""


def timezone_choices() -> list[tuple[str, str]]:
    """US zones first (most clinics), then every other IANA zone."""
    zones = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    us = [z for z in zones if z.startswith("America/")]
    return [(z, z) for z in us] + [(z, z) for z in zones if z not in us]


class ClinicSettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=timezone_choices, label="Time zone")
    weekly_minimum_hours_adult = forms.DecimalField(
        label="Weekly minimum for adults (hours)", min_value=0, max_value=40, decimal_places=2
    )
    weekly_minimum_hours_adolescent = forms.DecimalField(
        label="Weekly minimum for adolescents (hours)",
        min_value=0,
        max_value=40,
        decimal_places=2,
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "timezone",
            "address",
            "phone",
            "require_mfa",
            "idle_timeout_minutes",
            "default_program_weeks",
            "makeup_window_days",
            "missed_grace_minutes",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["weekly_minimum_hours_adult"].initial = (
            self.instance.weekly_minimum_minutes_adult / 60
        )
        self.fields["weekly_minimum_hours_adolescent"].initial = (
            self.instance.weekly_minimum_minutes_adolescent / 60
        )

    def setting_values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["weekly_minimum_minutes_adult"] = round(
            self.cleaned_data["weekly_minimum_hours_adult"] * 60
        )
        values["weekly_minimum_minutes_adolescent"] = round(
            self.cleaned_data["weekly_minimum_hours_adolescent"] * 60
        )
        return values


class StaffInviteForm(forms.Form):
    email = forms.EmailField(help_text="They get an email with a link to choose a password.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    # No default: a role is chosen on purpose (least privilege), never left at "admin".
    role = forms.ChoiceField(choices=[("", "Choose a role"), *Role.choices])


class MembershipForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    is_active = forms.BooleanField(required=False, label="Active (can use this clinic)")


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.display_name} · {obj.get_role_display()}"


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “Billing export”.")


class AuditFilterForm(forms.Form):
    patient = forms.CharField(
        required=False, label="Patient record number", max_length=20, strip=True
    )
    actor = MembershipChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        label="Staff member",
        empty_label="Anyone",
    )
    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    date_from = forms.DateField(required=False, widget=DateInput(), label="From")
    date_to = forms.DateField(required=False, widget=DateInput(), label="To")

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        field = cast(forms.ModelChoiceField, self.fields["actor"])
        field.queryset = Membership.objects.select_related("user").filter(
            clinic=clinic, accepted_at__isnull=False
        )

    def clean_patient(self) -> int | None:
        number = self.cleaned_data["patient"]
        if not number:
            return None
        patient = Patient.objects.filter(clinic=self.clinic, record_number=number).first()
        if patient is None:
            raise ValidationError(f"No patient has record number {number}.")
        return int(patient.pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: datetime.date | None = data.get("date_from")
        end: datetime.date | None = data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data


# --- The patient's record ---------------------------------------------------------------------


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.display_name} · {obj.get_role_display()}"


def limit_to_staff(field: forms.Field, clinic: Clinic, roles: tuple[str, ...]) -> None:
    cast(forms.ModelChoiceField, field).queryset = (
        Membership.objects.select_related("user")
        .filter(clinic=clinic, is_active=True, accepted_at__isnull=False, role__in=roles)
        .order_by("user__last_name", "user__first_name")
    )


CLINICIANS = (Role.THERAPIST, Role.ADMIN)
CASE_MANAGERS = (Role.CASE_MANAGER, Role.ADMIN)


class PatientDetailsForm(PatientForm):
    """Demographics, contact and care team (the add form keeps to the essentials)."""

    primary_therapist = StaffChoiceField(queryset=Membership.objects.none(), required=False)
    case_manager = StaffChoiceField(queryset=Membership.objects.none(), required=False)

    class Meta(PatientForm.Meta):
        fields = list(PATIENT_FIELDS)
        widgets = {
            **PatientForm.Meta.widgets,
            "address": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_to_staff(self.fields["primary_therapist"], clinic, CLINICIANS)
        limit_to_staff(self.fields["case_manager"], clinic, CASE_MANAGERS)


class DiagnosisForm(forms.ModelForm):
    class Meta:
        model = Diagnosis
        fields = [
            "icd10_code",
            "description",
            "category",
            "is_primary",
            "is_active",
            "diagnosed_on",
        ]
        widgets = {"diagnosed_on": DateInput()}
        help_texts = {"icd10_code": "For example F10.20 (alcohol dependence) or F33.1."}


class MedicationForm(forms.ModelForm):
    class Meta:
        model = Medication
        fields = ["name", "dose", "frequency", "prescriber", "started_on", "stopped_on"]
        widgets = {"started_on": DateInput(), "stopped_on": DateInput()}


class CoverageForm(forms.ModelForm):
    class Meta:
        model = Coverage
        fields = [
            "payer", "plan", "member_id", "group_number", "subscriber_name",
            "subscriber_relationship", "priority", "verification_status", "verified_on",
            "verification_notes", "is_active",
        ]  # fmt: skip
        widgets = {
            "verified_on": DateInput(),
            "verification_notes": forms.Textarea(attrs={"rows": 2}),
        }


class PaymentPlanForm(forms.ModelForm):
    class Meta:
        model = PaymentPlan
        fields = [
            "total_amount",
            "installment_amount",
            "schedule",
            "first_payment_on",
            "notes",
            "is_active",
        ]
        widgets = {"first_payment_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}


class AuthorizationForm(forms.ModelForm):
    class Meta:
        model = Authorization
        fields = [
            "coverage", "number", "service_code", "custom_code", "units_authorized", "units_used",
            "start_date", "end_date",
        ]  # fmt: skip
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args: Any, patient: Patient | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["coverage"]).queryset = (
            Coverage.objects.filter(patient=patient) if patient else Coverage.objects.none()
        )
        if patient is not None:
            # The model's clean() compares the coverage's patient with this one; the form's
            # own instance must know whose authorization it is, or every coverage is refused.
            self.instance.patient = patient
            self.instance.clinic_id = patient.clinic_id


def limit_to_tracks(field: forms.Field, clinic: Clinic) -> None:
    cast(forms.ModelChoiceField, field).queryset = Track.objects.filter(
        clinic=clinic, is_active=True
    )


class EnrollmentForm(forms.ModelForm):
    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_to_tracks(self.fields["track"], clinic)

    class Meta:
        model = Enrollment
        fields = ["level_of_care", "track", "admission_date", "planned_weeks"]
        widgets = {"admission_date": DateInput()}
        help_texts = {"planned_weeks": "Most programs run 8 to 12 weeks."}


class EnrollmentEditForm(forms.ModelForm):
    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_to_tracks(self.fields["track"], clinic)

    class Meta:
        model = Enrollment
        fields = ["level_of_care", "track"]


class EnrollmentStatusForm(forms.Form):
    status = forms.ChoiceField(label="New status")
    discharge_type = forms.ChoiceField(
        choices=[("", "—"), *DischargeType.choices],
        required=False,
        help_text="Only for a discharge.",
    )
    on = forms.DateField(
        label="Effective date", widget=DateInput(), required=False, help_text="Default: today."
    )
    note = forms.CharField(max_length=300, required=False, label="Reason or note")

    def __init__(self, *args: Any, enrollment: Enrollment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(EnrollmentStatus.choices)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (s, labels[s]) for s in enrollment.allowed_moves
        ]


class ExtensionForm(forms.Form):
    new_end_date = forms.DateField(label="New end date", widget=DateInput())
    reason = forms.CharField(max_length=300, help_text="Payers ask for it.")


# --- Intake -----------------------------------------------------------------------------------


class InquiryForm(forms.ModelForm):
    class Meta:
        model = Inquiry
        fields = [
            "first_name", "last_name", "preferred_name", "pronouns", "date_of_birth", "phone",
            "email", "referral_source", "referral_detail", "presenting_concerns",
            "insurance_given", "notes",
        ]  # fmt: skip
        widgets = {
            "date_of_birth": DateInput(),
            "presenting_concerns": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class ScheduleAssessmentForm(forms.Form):
    at = forms.DateTimeField(label="Date and time", widget=DateTimeInput())
    assessor = StaffChoiceField(queryset=Membership.objects.none(), label="With")

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_to_staff(self.fields["assessor"], clinic, (*CLINICIANS, Role.CASE_MANAGER))


class InquiryStatusForm(forms.Form):
    status = forms.ChoiceField(label="Outcome")
    note = forms.CharField(
        max_length=300, required=False, label="Note", help_text="e.g. referred to which program"
    )

    def __init__(self, *args: Any, inquiry: Inquiry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(InquiryStatus.choices)
        skip = {InquiryStatus.ADMITTED, InquiryStatus.ASSESSMENT_SCHEDULED}
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (s, labels[s]) for s in inquiry.allowed_moves if s not in skip
        ]


class AdmitForm(forms.Form):
    record_number = forms.CharField(max_length=20, help_text="The clinic's record number.")
    date_of_birth = forms.DateField(
        widget=DateInput(), required=False, help_text="Needed if intake did not record it."
    )
    admission_date = forms.DateField(widget=DateInput())
    level_of_care = forms.ChoiceField(choices=LevelOfCare.choices)
    track = forms.ModelChoiceField(queryset=Track.objects.none())
    planned_weeks = forms.IntegerField(min_value=1, max_value=52)
    primary_therapist = StaffChoiceField(queryset=Membership.objects.none(), required=False)
    case_manager = StaffChoiceField(queryset=Membership.objects.none(), required=False)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_to_staff(self.fields["primary_therapist"], clinic, CLINICIANS)
        limit_to_staff(self.fields["case_manager"], clinic, CASE_MANAGERS)
        limit_to_tracks(self.fields["track"], clinic)
        self.fields["planned_weeks"].initial = clinic.default_program_weeks


class PatientFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Name or record number")
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *EnrollmentStatus.choices, ("none", "Never enrolled")],
    )
    track = forms.ModelChoiceField(
        queryset=Track.objects.none(), required=False, empty_label="Any track"
    )
    therapist = StaffChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="Any therapist"
    )
    case_manager = StaffChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="Any case manager"
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_to_staff(self.fields["therapist"], clinic, CLINICIANS)
        limit_to_staff(self.fields["case_manager"], clinic, CASE_MANAGERS)
        limit_to_tracks(self.fields["track"], clinic)
