from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapMixin, ScopedModelForm
from pairings.forms import DateInput
from reporting.models import ReportingPeriod, SemesterReport
from reporting.reports.prefill import FIGURES, MONEY
from reporting.reports.services import NARRATIVE


class ReportingPeriodForm(ScopedModelForm):
    class Meta:
        model = ReportingPeriod
        fields = [
            "school_year",
            "semester",
            "start",
            "end",
            "deadline",
            "lock_date",
            "second_level_review",
        ]
        widgets = {f: DateInput() for f in ("start", "end", "deadline", "lock_date")}


class ReportForm(BootstrapMixin, forms.Form):
    """The school's figures (each beside the figure from the records, with an
    explanation when they differ) and the narrative."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, report: SemesterReport, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        for name in FIGURES:
            model_field = SemesterReport._meta.get_field(name)
            if name in MONEY:
                field = forms.DecimalField(
                    label=model_field.verbose_name,
                    min_value=0,
                    decimal_places=2,
                    max_digits=14,
                )
            else:
                field = forms.IntegerField(label=model_field.verbose_name, min_value=0)
            self.fields[name] = field
            self.fields[f"explain_{name}"] = forms.CharField(
                label=_("explanation"), required=False, max_length=500
            )
            self.initial.setdefault(name, getattr(report, name))
            self.initial.setdefault(
                f"explain_{name}", report.explanations.get(name, "")
            )
        for name in NARRATIVE:
            self.fields[name] = forms.CharField(
                label=SemesterReport._meta.get_field(name).verbose_name,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
            self.initial.setdefault(name, getattr(report, name))
        self.initial.setdefault("version", report.version)
        # The fields above were added after the mixin styled the form.
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def rows(self):
        """(label, records value, figure field, explanation field) for the template."""
        prefilled = self.report.prefilled or {}
        return [
            (
                self[name].label,
                prefilled.get(name, "—"),
                self[name],
                self[f"explain_{name}"],
            )
            for name in FIGURES
        ]

    def narrative_fields(self):
        return [self[name] for name in NARRATIVE]

    def split(self):
        data = self.cleaned_data
        return (
            {name: data[name] for name in FIGURES},
            {name: data[f"explain_{name}"] for name in FIGURES},
            {name: data[name] for name in NARRATIVE},
        )
