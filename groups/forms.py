from typing import Any, cast

from django import forms

from iop.models import Clinic
from scheduling.models import GroupType, Topic


class GroupTypeForm(forms.ModelForm):
    class Meta:
        model = GroupType
        fields = ["name", "kind", "is_active"]
        labels = {"is_active": "Offered for new sessions"}

    def validate_unique(self) -> None:
        """The service checks names within the clinic and reports it on the field."""


class TopicForm(forms.ModelForm):
    order = forms.IntegerField(
        required=False, min_value=0, max_value=999, help_text="Leave empty to put it last."
    )

    class Meta:
        model = Topic
        fields = ["group_type", "name", "order", "is_active"]
        labels = {"is_active": "Offered for new sessions"}

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["group_type"]).queryset = GroupType.objects.filter(
            clinic=clinic
        )

    def validate_unique(self) -> None:
        """The service checks names within the group type and reports it on the field."""
