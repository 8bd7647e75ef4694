import copy

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.choices import Side
from core.filters import make_searchable
from core.forms import BootstrapMixin, ScopedModelForm, VersionedForm
from core.generic import errors_to_form
from core.scope import may_review, scope_of

from . import services
from .models import (
    Agreement,
    AgreementTarget,
    Pairing,
    PairingAssessment,
    Programme,
    School,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class SchoolForm(ScopedModelForm):
    class Meta:
        model = School
        fields = [
            "code",
            "name",
            "region",
            "stage",
            "ownership",
            "locality",
            "is_weak",
            "is_poor_village",
            "is_model",
            "address",
        ]

    def save(self, commit=True):
        """A school moved to another region keeps its former one, dated today."""
        former = None
        if self.instance.pk and "region" in self.changed_data:
            former = School.objects.get(pk=self.instance.pk).region
        school = super().save(commit=commit)
        if commit:
            services.school_region_moved(school=school, former_region=former)
        return school


class ProgrammeRules:
    """A programme form's check across rows (the page's and the admin's)."""

    def clean(self):
        data = super().clean()
        if self.instance.pk and data.get("cycle_start") and data.get("cycle_end"):
            programme = copy.copy(self.instance)
            programme.cycle_start = data["cycle_start"]
            programme.cycle_end = data["cycle_end"]
            try:
                services.programme_check_cycle(programme=programme)
            except ValidationError as exc:
                errors_to_form(self, exc)
        return data


class PairingRules:
    """A pairing form's check of its dates against the programme's cycle (the
    page's and the admin's; the page's save runs it again inside the service)."""

    def clean(self):
        data = super().clean()
        if data.get("programme") and data.get("start_date") and data.get("end_date"):
            try:
                services.pairing_check_dates(
                    programme=data["programme"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                )
            except ValidationError as exc:
                errors_to_form(self, exc)
        return data


class ProgrammeForm(ProgrammeRules, ScopedModelForm):
    class Meta:
        model = Programme
        exclude = ["created_at", "updated_at"]
        widgets = {"cycle_start": DateInput(), "cycle_end": DateInput()}


class SchoolsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class PairingForm(PairingRules, ScopedModelForm):
    """A pairing with one or more supporting and receiving schools."""

    # Not required at field level: the pairing rules say what is missing, in words.
    supporting = SchoolsField(
        School.objects.all(), label=_("supporting schools"), required=False
    )
    receiving = SchoolsField(
        School.objects.all(), label=_("receiving schools"), required=False
    )
    lead = forms.ModelChoiceField(
        School.objects.all(),
        label=_("lead unit"),
        required=False,
        help_text=_("When several schools support, one leads; default: the first."),
    )

    class Meta:
        model = Pairing
        fields = [
            "programme",
            "name",
            "mode",
            "status",
            "start_date",
            "end_date",
            "aid_teaching",
            "aid_management",
            "aid_funding",
            "note",
        ]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None and instance.pk:
            # The parties are the form's initial values before the base form reads
            # its fields (it caches what each field shows): a partial API update
            # and the edit page both start from the pairing's schools.
            parties = list(instance.parties.all())
            kwargs["initial"] = {
                "supporting": [
                    p.school_id for p in parties if p.side == Side.SUPPORTING
                ],
                "receiving": [p.school_id for p in parties if p.side == Side.RECEIVING],
                "lead": next((p.school_id for p in parties if p.is_lead), None),
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
        self.fields["mode"].required = False
        self.fields["mode"].help_text = _(
            "Left empty, it follows the number of schools."
        )
        for name in ("supporting", "receiving"):
            field = self.fields[name]
            make_searchable(field, None)
            chosen = self[name].value() or []
            chosen = [c for c in chosen if str(c).isdigit()]
            field.widget.choices = [
                (s.pk, field.label_from_instance(s))
                for s in field.queryset.filter(pk__in=chosen)
            ]
            field.widget.attrs["multiple"] = True

    def clean(self):
        data = super().clean()
        supporting, receiving = data.get("supporting"), data.get("receiving")
        if supporting is not None and receiving is not None:
            try:
                services.validate_parties(
                    supporting=list(supporting),
                    receiving=list(receiving),
                    lead=data.get("lead"),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            scope = scope_of(self.user)
            schools = [*supporting, *receiving]
            if not scope.is_admin and not any(
                may_review(self.user, s.region.path, scope=scope) for s in schools
            ):
                self.add_error(
                    None, _("At least one of the schools must lie in your region.")
                )
        return data

    def save(self, commit=True):
        data = self.cleaned_data
        fields = {name: data[name] for name in self.Meta.fields}
        schools = {
            "supporting": list(data["supporting"]),
            "receiving": list(data["receiving"]),
            "lead": data.get("lead"),
        }
        if self.instance.pk:
            if not fields["mode"]:
                fields["mode"] = services._default_mode(
                    len(schools["supporting"]), len(schools["receiving"])
                )
            return services.pairing_update(pairing=self.instance, **schools, **fields)
        fields["mode"] = fields["mode"] or None
        return services.pairing_create(**schools, **fields)


class AgreementForm(ScopedModelForm):
    class Meta:
        model = Agreement
        fields = ["pairing", "kind", "title", "signed_on", "document", "overall_goal"]
        widgets = {"signed_on": DateInput()}


class AgreementTargetForm(VersionedForm, BootstrapMixin, forms.ModelForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    class Meta:
        model = AgreementTarget
        fields = ["year", "metric", "planned"]


AgreementTargetFormSet = forms.inlineformset_factory(
    Agreement, AgreementTarget, form=AgreementTargetForm, extra=1, can_delete=True
)


class PairingAssessmentForm(ScopedModelForm):
    class Meta:
        model = PairingAssessment
        fields = ["pairing", "assessed_on", "assessor", "result", "score", "comment"]
        widgets = {"assessed_on": DateInput()}
