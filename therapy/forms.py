import datetime
from typing import Any

from django import forms

from iop import bounds
from iop.models import Clinic, Membership
from iop.roles import Role

from .models import FORMAT_FIELDS, WEEKDAYS, Intervention, NoteFormat, Objective

TIME = forms.TimeInput(attrs={"type": "time"})
LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

NOTE_HINTS = {
    "subjective": "What the patient reports, in their words.",
    "objective": "What you observed: presentation, affect, measures.",
    "data": "What happened in the session: reports, observations, measures.",
    "behavior": "The patient's presentation and what they brought.",
    "intervention": "What you did: methods, skills taught.",
    "response": "How the patient responded to the interventions.",
    "assessment": "Your clinical view: progress on objectives, risk.",
    "plan": "Next steps: homework, next session, referrals.",
}


def therapists_of(clinic: Clinic) -> Any:
    return (
        Membership.objects.filter(clinic=clinic, role=Role.THERAPIST, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.display_name)


class AvailabilityForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int)
    starts_at = forms.TimeField(label="From", widget=TIME)
    ends_at = forms.TimeField(label="To", widget=TIME)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The end must be after the start.")
        return data


class BlockForm(forms.Form):
    starts_at = forms.DateTimeField(label="Away from", widget=LOCAL)
    ends_at = forms.DateTimeField(label="Back at", widget=LOCAL)
    reason = forms.CharField(
        max_length=120, required=False, help_text="Leave, a meeting, training."
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The end must be after the start.")
        return data


class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="New start", widget=LOCAL, help_text="The session keeps its length."
    )


class BookForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="Start", widget=LOCAL, validators=[bounds.date_in_range],
        help_text="The clinic's session length, with the patient's primary therapist.",
    )  # fmt: skip


class NoteForm(forms.Form):
    """The note's sections follow its format; objectives are the current plan's."""

    def __init__(
        self, *args: Any, format: str, objectives: list[Objective], clinic: Clinic, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in FORMAT_FIELDS[format]:
            self.fields[name] = forms.CharField(
                label=name.capitalize(), required=False, help_text=NOTE_HINTS[name],
                widget=forms.Textarea(attrs={"rows": 4}),
            )  # fmt: skip
        self.fields["modality"] = forms.ModelChoiceField(
            Intervention.objects.filter(clinic=clinic, is_active=True),
            required=False, label="Modality used",
        )  # fmt: skip
        self.fields["objectives"] = forms.ModelMultipleChoiceField(
            Objective.objects.filter(pk__in=[o.pk for o in objectives]),
            required=False, widget=forms.CheckboxSelectMultiple,
            label="Treatment plan objectives addressed",
        )  # fmt: skip
        self.fields["part2"] = forms.BooleanField(
            required=False, label="Substance-use counseling (42 CFR Part 2)",
            help_text="Part 2 notes are disclosed outside the clinic only with written consent.",
        )  # fmt: skip


class TherapySettingsForm(forms.Form):
    note_format = forms.ChoiceField(choices=NoteFormat.choices)
    plan_review_days = forms.IntegerField(
        label="Review treatment plans every (days)", min_value=7, max_value=180
    )
    session_minutes = forms.IntegerField(
        label="Individual session length (minutes)", min_value=15, max_value=180
    )


class ProfileForm(forms.Form):
    membership = StaffChoice(Membership.objects.none(), label="Clinician")
    needs_cosign = forms.BooleanField(
        required=False, label="Notes need a supervisor's co-signature"
    )
    supervisor = StaffChoice(Membership.objects.none(), required=False)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clinicians = Membership.objects.filter(
            clinic=clinic, is_active=True, role__in=[Role.THERAPIST, Role.CASE_MANAGER]
        ).select_related("user")
        self.fields["membership"].queryset = clinicians  # type: ignore[attr-defined]
        self.fields["supervisor"].queryset = clinicians  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("needs_cosign") and not data.get("supervisor"):
            self.add_error("supervisor", "Choose the supervisor who co-signs.")
        return data


class InterventionForm(forms.Form):
    name = forms.CharField(max_length=80, label="Add an intervention")


def week_param(value: str | None, today: datetime.date) -> datetime.date:
    """?week=YYYY-MM-DD (any day of the week); anything else means this week."""
    day = bounds.day_param(value, today)
    return day - datetime.timedelta(days=day.weekday())
