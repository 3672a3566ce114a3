import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from iop.forms import DateInput, StaffChoiceField, limit_to_staff
from iop.models import Clinic, Membership, Patient
from iop.roles import Role
from scheduling.models import Room, Session

from . import services
from .models import DisclosureMethod, FamilyMember, ParticipantStatus, ShareCategory


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: Any = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MemberForm(forms.ModelForm):
    class Meta:
        model = FamilyMember
        fields = list(services.MEMBER_FIELDS)


class ConsentForm(forms.Form):
    """The §2.31 elements the patient fills in; who discloses (the clinic), to whom (the
    family member) and the patient's name are shown, not typed."""

    categories = forms.MultipleChoiceField(
        choices=ShareCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What may be shared",
        help_text="Only what the patient ticks. Anything else stays private.",
    )
    purpose = forms.CharField(
        max_length=300,
        label="Purpose of the disclosure",
        help_text="E.g. “to support the patient's recovery and take part in family sessions”.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expires_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Expires on",
        help_text="Give a date, or an event below (or both: whichever comes first).",
    )
    expiry_event = forms.CharField(
        max_length=200,
        required=False,
        label="Or expires on this event",
        help_text="E.g. “discharge from the program”. When it happens, revoke the consent.",
    )
    patient_signature = forms.CharField(
        max_length=170,
        label="Patient's signature",
        help_text="The patient types their full name.",
    )
    authorized_signature = forms.CharField(
        max_length=170,
        required=False,
        label="Signature of a parent or other authorized person",
        help_text="Required when the patient is under 18 on the signing date (42 CFR §2.14): "
        "they type their full name.",
    )
    authorized_signer_relationship = forms.CharField(
        max_length=80,
        required=False,
        label="Their relationship to the patient",
        help_text="E.g. “mother” or “legal guardian”.",
    )
    signed_on = forms.DateField(widget=DateInput(), label="Date signed")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("expires_on") and not data.get("expiry_event") and not self.errors:
            self.add_error("expires_on", "Give an expiry date or an expiry event.")
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        required=False,
        label="Reason",
        help_text="E.g. “revoked by the patient in session” or the expiry event that happened.",
    )


class ShareForm(forms.Form):
    category = forms.ChoiceField(
        choices=ShareCategory.choices, label="What you are sharing", widget=forms.RadioSelect
    )
    method = forms.ChoiceField(choices=DisclosureMethod.choices, label="How")
    summary = forms.CharField(
        max_length=300,
        required=False,
        label="What was shared, in a line",
        help_text="Stays in the chart's disclosure log.",
    )


class MemberChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: FamilyMember) -> str:
        return f"{obj.name} ({obj.get_relationship_display()})"


class FamilySessionForm(forms.Form):
    starts_at = forms.DateTimeField(label="Starts", widget=DateTimeInput())
    minutes = forms.TypedChoiceField(
        choices=[(50, "50 minutes"), (60, "1 hour"), (90, "1½ hours"), (120, "2 hours")],
        coerce=int,
        initial=60,
        label="Length",
    )
    lead = StaffChoiceField(queryset=Membership.objects.none(), label="Therapist")
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False)
    members = MemberChoices(
        queryset=FamilyMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Family members attending",
    )

    def __init__(self, *args: Any, patient: Patient, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_to_staff(self.fields["lead"], clinic, (Role.THERAPIST,))
        rooms = Room.objects.filter(clinic=clinic, is_active=True)
        cast(forms.ModelChoiceField, self.fields["room"]).queryset = rooms
        members = FamilyMember.objects.filter(clinic=clinic, patient=patient, is_active=True)
        cast(forms.ModelChoiceField, self.fields["members"]).queryset = members

    def clean_starts_at(self) -> datetime.datetime:
        value: datetime.datetime = self.cleaned_data["starts_at"]
        if not 2000 <= value.year <= 2100:
            raise forms.ValidationError("Choose a date between 2000 and 2100.")
        return value


class SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Session) -> str:
        topic = f": {obj.topic.name}" if obj.topic_id and obj.topic else ""
        start = timezone.localtime(obj.starts_at)
        return f"{start:%a %b %-d, %-I:%M %p} · {obj.group_type}{topic}"


class EducationForm(forms.Form):
    session = SessionChoice(queryset=Session.objects.none(), label="Family education group")

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["session"]).queryset = sessions


class MarkForm(forms.Form):
    status = forms.ChoiceField(choices=ParticipantStatus.choices)
