"""The filters every report takes, as a GET form (the page and its CSV share the query)."""

import datetime
from typing import Any

from django import forms

from iop import clock
from iop.forms import CLINICIANS, DateInput, StaffChoiceField, limit_to_staff
from iop.models import Clinic, Coverage, Site, Track
from iop.models.care import LevelOfCare

from .cohort import ReportFilter
from .models import ReportSettings

# A report reads every day of its range: a census of two years is 731 rows, enough for any
# question a program director or surveyor asks of one page.
LONGEST_DAYS = 731


class ReportForm(forms.Form):
    start = forms.DateField(label="From", widget=DateInput(), required=False)
    end = forms.DateField(label="To", widget=DateInput(), required=False)
    track = forms.ModelChoiceField(
        queryset=Track.objects.none(), required=False, empty_label="All tracks"
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, empty_label="All sites"
    )
    level_of_care = forms.ChoiceField(
        label="Level of care", required=False, choices=[("", "All levels"), *LevelOfCare.choices]
    )
    therapist = StaffChoiceField(
        queryset=None, required=False, empty_label="All therapists", label="Primary therapist"
    )
    payer = forms.ChoiceField(label="Payer (primary coverage)", required=False, choices=[])

    def __init__(self, data: Any, *, clinic: Clinic) -> None:
        super().__init__(data)
        self.clinic = clinic
        fields: Any = self.fields
        fields["track"].queryset = Track.objects.filter(clinic=clinic).order_by("name")
        fields["site"].queryset = Site.objects.filter(clinic=clinic).order_by("name")
        limit_to_staff(fields["therapist"], clinic, CLINICIANS)
        payers = (
            Coverage.objects.filter(clinic=clinic, is_active=True)
            .values_list("payer", flat=True)
            .order_by("payer")
            .distinct()
        )
        fields["payer"].choices = [("", "All payers"), *((p, p) for p in payers)]

    def default_range(self) -> tuple[datetime.date, datetime.date]:
        """The last twelve whole weeks, this one included."""
        today = clock.today(self.clinic)
        return clock.week_start(today) - datetime.timedelta(weeks=11), today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = self.default_range()
        start, end = data.get("start") or first, data.get("end") or last
        if "start" in self.errors or "end" in self.errors:
            return data
        if end < start:
            self.add_error("end", "The end must be on or after the start.")
        elif (end - start).days >= LONGEST_DAYS:
            self.add_error("end", f"Choose a range of at most {LONGEST_DAYS} days.")
        data["start"], data["end"] = start, end
        return data

    def report_filter(self) -> ReportFilter:
        """The filters asked for; the default range when the form is not valid (the page shows
        the errors beside the fields and the report for the defaults)."""
        if not self.is_valid():
            first, last = self.default_range()
            return ReportFilter(start=first, end=last)
        data = self.cleaned_data
        return ReportFilter(
            start=data["start"],
            end=data["end"],
            track_id=data["track"].pk if data.get("track") else None,
            site_id=data["site"].pk if data.get("site") else None,
            level_of_care=data.get("level_of_care") or "",
            therapist_id=data["therapist"].pk if data.get("therapist") else None,
            payer=data.get("payer") or "",
        )

    def names(self) -> dict[str, str]:
        """The chosen track, site and therapist by name, to print with the report."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        out = {}
        for key in ("track", "site"):
            if data.get(key):
                out[key] = data[key].name
        if data.get("therapist"):
            out["therapist"] = data["therapist"].user.display_name
        return out


class ReportSettingsForm(forms.ModelForm):
    class Meta:
        model = ReportSettings
        fields = ["completion_counts_transfers", "early_dropout_days", "measure_window_days"]
