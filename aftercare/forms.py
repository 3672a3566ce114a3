from typing import Any, ClassVar

from django import forms

from iop.models import Enrollment

from . import services
from .models import (
    AftercarePlan,
    FollowUpStatus,
    PlanAppointment,
    PlanMedication,
    PlanStatus,
    SupportContact,
    SupportGroup,
)


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: Any = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _rows(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PlanForm(forms.ModelForm):
    """The plan's own fields, grouped into the sections the page shows as fieldsets."""

    SECTIONS: ClassVar[list[tuple[str, list[str]]]] = [
        ("Step-down care", ["step_down_level", "step_down_provider", "step_down_provider_phone",
                            "step_down_starts_on", "continued_therapy"]),
        ("Sober living, work and school", ["sober_living", "vocational_goals", "education_goals"]),
        ("Relapse prevention", ["triggers", "warning_signs", "coping_strategies"]),
        ("Alumni, crisis and follow-up", ["alumni_enrolled", "alumni_details",
                                          "local_crisis_resources", "follow_up_phone",
                                          "follow_up_consent"]),
    ]  # fmt: skip

    class Meta:
        model = AftercarePlan
        fields = list(services.PLAN_FIELDS)
        widgets: ClassVar[dict[str, forms.Widget]] = {
            "step_down_starts_on": DateInput(),
            "continued_therapy": _rows(2),
            "sober_living": _rows(2),
            "vocational_goals": _rows(2),
            "education_goals": _rows(2),
            "triggers": _rows(3),
            "warning_signs": _rows(3),
            "coping_strategies": _rows(3),
            "local_crisis_resources": _rows(2),
        }

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]


def _row_form(model: Any, name: str, widgets: dict[str, forms.Widget]) -> type[forms.ModelForm]:
    meta = type(
        "Meta",
        (),
        {"model": model, "fields": list(services.PLAN_LISTS[name][1]), "widgets": widgets},
    )
    return type(f"{model.__name__}Form", (forms.ModelForm,), {"Meta": meta})


# name → (title, the form of one row, hint)
LIST_FORMS: dict[str, tuple[str, type[forms.ModelForm], str]] = {
    "support_groups": (
        "Support groups",
        _row_form(SupportGroup, "support_groups", {"meeting_time": TimeInput()}),
        "Meetings the patient plans to attend.",
    ),
    "contacts": (
        "People to call",
        _row_form(SupportContact, "contacts", {}),
        "When a warning sign shows up: sponsor, family, friends in recovery.",
    ),
    "medications": (
        "Medications",
        _row_form(PlanMedication, "medications", {}),
        "Prefilled from the chart's current medications; edit for discharge.",
    ),
    "appointments": (
        "Appointments already booked",
        _row_form(PlanAppointment, "appointments", {"starts_at": DateTimeInput()}),
        "With whom, when and where.",
    ),
}


def list_formsets(data: Any = None, initial: dict[str, list[dict[str, Any]]] | None = None) -> Any:
    """One formset per list: the saved rows plus empty ones to add."""
    formsets = {}
    for name, (_title, form, _hint) in LIST_FORMS.items():
        rows = (initial or {}).get(name) or []
        factory = forms.formset_factory(form, extra=1 if rows else 2, can_delete=True)
        formsets[name] = factory(data, prefix=name, initial=rows)
    return formsets


def rows_of(formset: Any) -> list[dict[str, Any]]:
    """The filled-in rows, in order, without deleted or blank ones."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        rows.append({k: v for k, v in data.items() if k != "DELETE"})
    return rows


class PlanCreateForm(forms.Form):
    enrollment = forms.ModelChoiceField(
        queryset=Enrollment.objects.none(), empty_label=None,
        help_text="The episode of care the plan is for.",
    )  # fmt: skip

    def __init__(self, *args: Any, enrollments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["enrollment"]
        field.queryset = enrollments


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=PlanStatus.choices)
    patient_ack_name = forms.CharField(
        label="Patient's typed name", max_length=170, required=False,
        help_text="The patient types their own name to acknowledge the plan.",
    )  # fmt: skip


class PdfRequestForm(forms.Form):
    released_to = forms.CharField(
        label="Release to", max_length=200, required=False,
        help_text="Empty: the clinic's own copy. A release carries the 42 CFR Part 2 notice.",
    )  # fmt: skip
    purpose = forms.CharField(max_length=200, required=False)
    consent_reference = forms.CharField(
        label="Patient's written consent", max_length=200, required=False,
        help_text="For example: consent form signed Nov 20, 2026, scanned to the chart.",
    )  # fmt: skip


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(
        label="Outcome",
        choices=[c for c in FollowUpStatus.choices if c[0] != FollowUpStatus.DUE],
        widget=forms.RadioSelect,
    )
    outcome_note = forms.CharField(
        label="What happened", widget=_rows(3), max_length=2000,
        help_text="Sober days, what helps, any new need (a referral, a group).",
    )  # fmt: skip
