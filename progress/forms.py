"""Browser forms. They parse and show errors; the services decide (and score)."""

import datetime
from typing import Any

from django import forms

from iop import clock
from iop.models import Clinic, Membership, Patient
from scheduling.models import Session, SessionKind

from . import cssrs
from .instruments import CRAFFT_PART_A, SPECS, Instrument, Item, ScoringSex
from .models import (
    Barrier,
    DrugTestPanel,
    DrugTestReason,
    ResultMethod,
    ResultOutcome,
    SpecimenType,
    VocationalStatus,
)
from .selectors import FLAG_CHOICES
from .validity import LabFinding, TemperatureUnit

DATE = forms.DateInput(attrs={"type": "date"})


def rating_field(label: str, hint: str, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=10, required=required, help_text=hint,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip


class RatingForm(forms.Form):
    rated_on = forms.DateField(label="Day rated", widget=DATE)
    mood = rating_field("Mood", "0 = very low, 10 = very good")
    stress = rating_field("Stress", "0 = none, 10 = extreme")
    cravings = rating_field("Cravings", "0 = none, 10 = overwhelming")
    sleep = rating_field("Sleep", "0 = very poor, 10 = very good")


class CheckInForm(forms.Form):
    held_on = forms.DateField(label="Date", widget=DATE)
    session = forms.ModelChoiceField(
        queryset=Session.objects.none(), required=False, label="Check-in session on the calendar"
    )
    progress = forms.CharField(
        label="Progress since last time", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    goals_adjusted = forms.CharField(
        label="Goals adjusted", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000, help_text="Free text until treatment plans exist.",
    )  # fmt: skip
    barriers = forms.MultipleChoiceField(
        choices=Barrier.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    barriers_other = forms.CharField(label="Other barrier", required=False, max_length=200)
    vocational_status = forms.ChoiceField(
        label="Work and education", choices=[("", "—"), *VocationalStatus.choices], required=False
    )
    vocational_notes = forms.CharField(required=False, max_length=300)
    next_steps = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    mood = rating_field("Today's mood", "0–10", required=False)
    stress = rating_field("Today's stress", "0–10", required=False)
    cravings = rating_field("Today's cravings", "0–10", required=False)
    sleep = rating_field("Last night's sleep", "0–10", required=False)

    def __init__(self, *args: Any, clinic: Clinic, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = clock.today(clinic)
        field: Any = self.fields["session"]
        field.queryset = Session.objects.filter(
            clinic=clinic, kind=SessionKind.CHECK_IN, attendance__patient=patient,
            day__gte=today - datetime.timedelta(days=14), day__lte=today,
        ).order_by("-starts_at")  # fmt: skip
        field.label_from_instance = lambda s: (
            f"{clock.local(clinic, s.starts_at):%b %-d, %-I:%M %p}"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [
            name for name in ("mood", "stress", "cravings", "sleep") if data.get(name) is not None
        ]
        if given and len(given) < 4:
            for name in ("mood", "stress", "cravings", "sleep"):
                if data.get(name) is None:
                    self.add_error(name, "Rate all four, or none.")
        return data


def item_field(item: Item, *, required: bool = True, not_asked: bool = False) -> forms.Field:
    """One item: a whole number of days for a count item, otherwise one radio per option."""
    field: forms.Field
    if item.most is not None:
        field = forms.IntegerField(
            label=f"{item.number}. {item.text}", min_value=0, max_value=item.most,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            help_text=f"Days, 0 to {item.most}. Put 0 if none.",
            error_messages={
                "required": f"Answer item {item.number} (0 if none).",
                "min_value": f"Item {item.number}: 0 to {item.most} days.",
                "max_value": f"Item {item.number}: 0 to {item.most} days.",
            },
        )  # fmt: skip
    else:
        choices: list[tuple[Any, str]] = [(v, t) for v, t in item.options]
        if not_asked:
            choices = [("", "Not asked"), *choices]
        field = forms.TypedChoiceField(
            label=f"{item.number}. {item.text}", choices=choices, coerce=int, empty_value=None,
            widget=forms.RadioSelect, required=required,
            error_messages={"required": f"Answer item {item.number}."},
        )  # fmt: skip
    shown: Any = field  # the template prints the heading above the item
    shown.heading = item.heading
    return field


class MeasureForm(forms.Form):
    """One radio group (or a number of days) per item of the instrument."""

    administered_on = forms.DateField(label="Date completed", widget=DATE)

    def __init__(self, *args: Any, instrument: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.spec = SPECS[instrument]
        crafft = instrument == Instrument.CRAFFT
        for index, item in enumerate(self.spec.items, start=1):
            # CRAFFT: R, A, F, F, T are asked only when Part A has days of use.
            conditional = crafft and index > len(CRAFFT_PART_A) + 1
            self.fields[f"item_{index}"] = item_field(
                item, required=not conditional, not_asked=conditional
            )
        if self.spec.unscored is not None:
            unscored = self.spec.unscored
            self.fields["functional_difficulty"] = item_field(unscored, required=False)
            self.fields["functional_difficulty"].help_text = "Optional. Not part of the total."
        if instrument == Instrument.AUDIT_C:
            self.fields["sex"] = forms.ChoiceField(
                label="Sex (for the scoring cutoff)", choices=ScoringSex.choices,
                widget=forms.RadioSelect,
                help_text="Positive at 4 or more for men, 3 or more for women.",
            )  # fmt: skip

    @property
    def item_fields(self) -> list[forms.BoundField]:
        names = [f"item_{n}" for n in range(1, len(self.spec.items) + 1)]
        if "functional_difficulty" in self.fields:
            names.append("functional_difficulty")
        return [self[name] for name in names]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instrument == Instrument.CRAFFT:
            part_a = [data.get(f"item_{n}") for n in range(1, len(CRAFFT_PART_A) + 1)]
            if None in part_a:
                return data
            later = range(len(CRAFFT_PART_A) + 2, len(self.spec.items) + 1)
            for n in later:
                item = self.spec.items[n - 1]
                if any(part_a) and data.get(f"item_{n}") is None:
                    self.add_error(
                        f"item_{n}", f"Answer item {item.number}: Part A has days of use."
                    )
                elif not any(part_a) and data.get(f"item_{n}") is not None:
                    self.add_error(
                        f"item_{n}",
                        f"Part A is 0 for all three, so only CAR is asked: choose “Not asked” "
                        f"for item {item.number}.",
                    )
        return data

    def answers(self) -> list[int]:
        given = [self.cleaned_data[f"item_{n}"] for n in range(1, len(self.spec.items) + 1)]
        if self.instrument == Instrument.CRAFFT and not any(given[: len(CRAFFT_PART_A)]):
            return given[: len(CRAFFT_PART_A) + 1]  # only CAR was asked
        return given


YES_NO = [("yes", "Yes"), ("no", "No")]
NOT_ASKED = [("", "Not asked"), *YES_NO]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class SafetyTaskCloseForm(forms.Form):
    """The C-SSRS Screener (progress/cssrs.py) and the plan. Questions 3–5 are asked only when
    question 2 is yes, 6a only when 6 is yes; the service says which answers cannot go
    together, beside the question."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, text in cssrs.QUESTIONS:
            always = name not in (*cssrs.ASKED_AFTER_Q2, "behavior_recent")
            self.fields[name] = forms.TypedChoiceField(
                label=text, choices=YES_NO if always else NOT_ASKED, coerce=_yes_no,
                empty_value=None, required=always, widget=forms.RadioSelect,
                error_messages={"required": f"Answer question {text.split('.')[0]}."},
            )  # fmt: skip
        self.fields["plan"] = forms.CharField(
            label="Plan", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
            help_text="Who spoke with the patient, what was done and what happens next.",
            error_messages={"required": "Write the plan to close the task."},
        )  # fmt: skip

    def screen(self) -> cssrs.Screen:
        return cssrs.Screen(**{name: self.cleaned_data[name] for name, _t in cssrs.QUESTIONS})


class DrugTestOrderForm(forms.Form):
    panel = forms.ModelChoiceField(queryset=DrugTestPanel.objects.none())
    ordered_for = forms.DateField(label="Test on", widget=DATE)
    reason = forms.ChoiceField(
        choices=[c for c in DrugTestReason.choices if c[0] != DrugTestReason.RANDOM]
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["panel"]
        field.queryset = DrugTestPanel.objects.filter(clinic=clinic, is_active=True)


class RandomSelectionForm(DrugTestOrderForm):
    percent = forms.IntegerField(label="Share of attendees (%)", min_value=1, max_value=100)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, clinic=clinic, **kwargs)
        del self.fields["reason"]
        self.fields["ordered_for"].label = "Attendees of"


YES_NO = [("yes", "Yes"), ("no", "No")]


class CollectionForm(forms.Form):
    collected_at = forms.DateTimeField(
        label="Collected at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    specimen_type = forms.ChoiceField(choices=SpecimenType.choices)
    observed = forms.TypedChoiceField(
        label="Directly observed", choices=YES_NO, coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )  # fmt: skip
    temperature = forms.DecimalField(
        label="Temperature", required=False, min_value=0, max_value=120, max_digits=4,
        decimal_places=1,
        help_text="Urine: read within 4 minutes. In range: 32–38 °C or 90–100 °F.",
    )  # fmt: skip
    temperature_unit = forms.ChoiceField(
        label="Temperature unit", choices=TemperatureUnit.choices,
        initial=TemperatureUnit.FAHRENHEIT, widget=forms.RadioSelect, required=False,
    )  # fmt: skip
    collector = forms.ModelChoiceField(queryset=Membership.objects.none(), required=False)
    custody_id = forms.CharField(label="Chain-of-custody id", max_length=40, required=False)
    creatinine = forms.DecimalField(
        label="Creatinine (mg/dL)", required=False, min_value=0, max_digits=6, decimal_places=2
    )
    specific_gravity = forms.DecimalField(
        required=False, min_value=0, max_digits=5, decimal_places=4
    )
    ph = forms.DecimalField(
        label="pH", required=False, min_value=0, max_value=14, max_digits=4, decimal_places=2
    )
    nitrite = forms.DecimalField(
        label="Nitrite (µg/mL)", required=False, min_value=0, max_digits=7, decimal_places=1
    )
    lab_findings = forms.MultipleChoiceField(
        label="Reported by the laboratory", choices=LabFinding.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["collector"]
        field.queryset = Membership.objects.filter(clinic=clinic, is_active=True).select_related(
            "user"
        )
        field.label_from_instance = lambda m: m.user.display_name


# Short words for the outcome choices: a row of them fits beside each substance.
OUTCOME_CHOICES = [
    ("", "Not recorded"),
    (ResultOutcome.NEGATIVE, "Negative"),
    (ResultOutcome.POSITIVE, "Positive"),
    (ResultOutcome.INVALID, "Invalid"),
]


class ResultsForm(forms.Form):
    """A panel's results, one row of choices per substance. With `all_negative` every
    substance left "not recorded" is recorded negative (the usual cup: all negative, or one
    or two positives chosen and the rest negative)."""

    method = forms.ChoiceField(choices=ResultMethod.choices)
    all_negative = forms.BooleanField(required=False)

    def __init__(self, *args: Any, substances: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.substances = substances
        for code, label in substances:
            self.fields[f"outcome_{code}"] = forms.ChoiceField(
                label=label, required=False, choices=OUTCOME_CHOICES, widget=forms.RadioSelect,
            )  # fmt: skip
            self.fields[f"value_{code}"] = forms.DecimalField(
                label=f"{label} value", required=False, min_value=0, max_digits=10,
                decimal_places=3,
            )  # fmt: skip

    def rows(self) -> list[tuple[Any, Any]]:
        """(outcome, value) bound fields per substance, in the panel's order."""
        return [(self[f"outcome_{code}"], self[f"value_{code}"]) for code, _ in self.substances]

    def results(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        rest = ResultOutcome.NEGATIVE if data.get("all_negative") else ""
        return [
            {
                "substance": code, "method": data["method"],
                "outcome": data[f"outcome_{code}"] or rest, "value": data.get(f"value_{code}"),
            }
            for code, _label in self.substances
            if data.get(f"outcome_{code}") or rest
        ]  # fmt: skip


class RecollectionCloseForm(forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="What was done", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        help_text="The observed recollection: when, by whom, the new test.",
    )  # fmt: skip


class ReviewForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CaseloadFilterForm(forms.Form):
    case_manager = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    flag = forms.ChoiceField(label="Show", choices=FLAG_CHOICES, required=False)
    q = forms.CharField(label="Name or record number", required=False, max_length=100)

    def __init__(self, *args: Any, case_managers: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["case_manager"]
        field.choices = [("", "All case managers")] + [
            (m.pk, m.user.display_name) for m in case_managers
        ]
