import datetime
from typing import Any, cast

from django import forms

from iop.forms import DateInput, StaffChoiceField, limit_to_staff
from iop.models import Clinic, Membership, Site, Track
from iop.models.tracks import WEEKDAYS
from iop.roles import Role
from scheduling.models import GroupType

from .models import BlockKind, Closure, Room


class TimeInput(forms.TimeInput):
    input_type = "time"


class TrackForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text="IOP tracks meet 3 to 5 days a week.",
    )  # fmt: skip

    class Meta:
        model = Track
        fields = [
            "name", "slot", "site", "weekdays", "starts_at", "ends_at", "capacity",
            "active_from", "active_until",
        ]  # fmt: skip
        widgets = {
            "starts_at": TimeInput(),
            "ends_at": TimeInput(),
            "active_from": DateInput(),
            "active_until": DateInput(),
        }

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = Site.objects.filter(
            clinic=clinic, is_active=True
        )

    def validate_unique(self) -> None:
        """The service checks names within the clinic."""


class TrackEditForm(TrackForm):
    class Meta(TrackForm.Meta):
        fields = [*TrackForm.Meta.fields, "is_active"]
        labels = {"is_active": "Active (uncheck to stop generating sessions)"}


class BlockForm(forms.Form):
    # A blank first choice: the empty rows of the template table stay unchanged, and skipped.
    weekday = forms.TypedChoiceField(choices=[("", "—"), *WEEKDAYS], coerce=int)
    starts_at = forms.TimeField(widget=TimeInput(), label="Starts")
    ends_at = forms.TimeField(widget=TimeInput(), label="Ends")
    kind = forms.ChoiceField(choices=BlockKind.choices, initial=BlockKind.GROUP)
    group_type = forms.ModelChoiceField(queryset=GroupType.objects.none(), required=False)
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False)
    lead = StaffChoiceField(queryset=Membership.objects.none(), required=False)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["group_type"]).queryset = GroupType.objects.filter(
            clinic=clinic, is_active=True
        )
        cast(forms.ModelChoiceField, self.fields["room"]).queryset = Room.objects.filter(
            clinic=clinic, is_active=True
        )
        limit_to_staff(self.fields["lead"], clinic, (Role.THERAPIST, Role.CASE_MANAGER, Role.ADMIN))


BlockFormSet = forms.formset_factory(BlockForm, extra=5, max_num=35)
BlockEditFormSet = forms.formset_factory(BlockForm, extra=3, max_num=35, can_delete=True)


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "capacity"]

    def validate_unique(self) -> None:
        """The service checks names within the clinic."""


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["date", "name"]
        widgets = {"date": DateInput()}
        labels = {"name": "Reason (shown on the roster)"}

    def validate_unique(self) -> None:
        """The service checks the day within the clinic."""


class AttendanceTimesForm(forms.Form):
    """Arrival and departure typed on the roster, as clock times on the session's day."""

    arrived_at = forms.TimeField(required=False, widget=TimeInput(), label="Arrived")
    left_at = forms.TimeField(required=False, widget=TimeInput(), label="Left")

    def moments(self, day: datetime.date, tz: datetime.tzinfo) -> dict[str, Any]:
        return {
            name: datetime.datetime.combine(day, value, tzinfo=tz) if value else None
            for name, value in self.cleaned_data.items()
        }


class WalkInForm(forms.Form):
    """A patient who came without being on the list, found by record number."""

    record_number = forms.CharField(max_length=40, label="Record number")
