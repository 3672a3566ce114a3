from typing import Any

from django import forms

from iop.models import Clinic, Site

from .models import BillingProvider, Payer


class PayerForm(forms.ModelForm):
    class Meta:
        model = Payer
        fields = [
            "name", "payer_id", "claim_format", "program_code", "revenue_code",
            "place_of_service", "bill_type", "rate_per_unit", "authorization_required",
            "timely_filing_days", "is_active",
        ]  # fmt: skip

    def validate_unique(self) -> None:
        """The service checks the clinic's constraints and reports them."""


class ProviderForm(forms.ModelForm):
    class Meta:
        model = BillingProvider
        fields = ["site", "name", "npi", "tax_id", "taxonomy", "address", "city", "state",
                  "zip_code"]  # fmt: skip

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = self.fields["site"]
        site.queryset = Site.objects.filter(clinic=clinic, is_active=True)  # type: ignore[attr-defined]
        site.empty_label = "The whole clinic"  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        """The service checks the clinic's constraints and reports them."""


class WorklistFilter(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    payer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=())
    track = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=())
    blocker = forms.ChoiceField(required=False, choices=())

    def __init__(self, *args: Any, payers: list[Any], tracks: list[Any], blockers: dict[str, str],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["payer"].choices = [("", "All payers"), *((p.pk, p.name) for p in payers)]  # type: ignore[attr-defined]
        self.fields["track"].choices = [("", "All tracks"), *((t.pk, t.name) for t in tracks)]  # type: ignore[attr-defined]
        self.fields["blocker"].choices = [("", "Every day"), ("ready", "Ready to bill"),  # type: ignore[attr-defined]
                                          *blockers.items()]  # fmt: skip


class RemittanceUploadForm(forms.Form):
    file = forms.FileField(
        label="835 remittance file",
        help_text="The X12 835 (005010X221A1) file from the payer or clearinghouse.",
    )


class DenialFilter(forms.Form):
    payer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=())
    reason = forms.ChoiceField(required=False, choices=())

    def __init__(self, *args: Any, payers: list[Any], reasons: list[tuple[str, str]],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["payer"].choices = [("", "All payers"), *((p.pk, p.name) for p in payers)]  # type: ignore[attr-defined]
        self.fields["reason"].choices = [("", "Every reason"), *reasons]  # type: ignore[attr-defined]
