from django import forms

from core.forms import BootstrapMixin, ScopedModelForm, VersionedForm
from pairings.forms import DateInput

from .models import AidProject, Donation, FundingLine


class AidProjectForm(ScopedModelForm):
    class Meta:
        model = AidProject
        fields = [
            "pairing",
            "receiving_school",
            "name",
            "category",
            "approval_document",
            "total_investment",
            "aid_amount",
            "phase",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "description",
        ]
        widgets = {
            name: DateInput()
            for name in ("planned_start", "planned_end", "actual_start", "actual_end")
        }


class ProjectFundingLineForm(VersionedForm, BootstrapMixin, forms.ModelForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    class Meta:
        model = FundingLine
        fields = [
            "source",
            "year",
            "kind",
            "amount",
            "amount_approximation",
            "date",
            "note",
        ]
        widgets = {"date": DateInput()}


FundingLineFormSet = forms.inlineformset_factory(
    AidProject, FundingLine, form=ProjectFundingLineForm, extra=2, can_delete=True
)


class FundingLineForm(ScopedModelForm):
    class Meta:
        model = FundingLine
        fields = [
            "pairing",
            "project",
            "source",
            "year",
            "kind",
            "amount",
            "amount_approximation",
            "currency",
            "original_amount",
            "date",
            "note",
        ]
        widgets = {"date": DateInput()}


class DonationForm(ScopedModelForm):
    class Meta:
        model = Donation
        fields = [
            "pairing",
            "donor_kind",
            "donor_name",
            "donor_school",
            "recipient_school",
            "recipient_pupil",
            "date",
            "form",
            "category",
            "description",
            "quantity",
            "unit",
            "amount",
            "amount_approximation",
            "currency",
            "original_amount",
        ]
        widgets = {"date": DateInput()}
