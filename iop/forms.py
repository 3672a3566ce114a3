import datetime
import zoneinfo
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from iop.models import Clinic, Membership, Patient, Site
from iop.models.audit import AuditAction
from iop.roles import Role


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
        widgets = {"date_of_birth": DateInput()}
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
    membership = MembershipChoiceField(
        queryset=Membership.objects.none(),
        label="Acts as",
        help_text="The token can do exactly what this person's role allows.",
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["membership"])
        field.queryset = Membership.objects.select_related("user").filter(
            clinic=clinic, is_active=True
        )


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
        field.queryset = Membership.objects.select_related("user").filter(clinic=clinic)

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
