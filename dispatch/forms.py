from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.filters import make_searchable
from core.forms import BootstrapMixin, ScopedModelForm
from core.scope import visible
from pairings.forms import DateInput

from . import services
from .models import (
    Activity,
    Appraisal,
    Person,
    Secondment,
    Stint,
    TrainingParticipation,
)


class PersonForm(ScopedModelForm):
    class Meta:
        model = Person
        fields = [
            "name",
            "gender",
            "home_school",
            "role",
            "subject",
            "stage",
            "title",
            "is_backbone",
            "honours",
            "id_number",
            "phone",
        ]


class SecondmentForm(ScopedModelForm):
    class Meta:
        model = Secondment
        fields = [
            "pairing",
            "person",
            "direction",
            "kind",
            "sending_school",
            "host_school",
            "batch",
            "planned_start",
            "planned_end",
            "subject",
            "weekly_periods",
            "duties",
            "status",
            "note",
        ]
        widgets = {"planned_start": DateInput(), "planned_end": DateInput()}

    def clean(self):
        data = super().clean()
        if all(
            data.get(f)
            for f in ("pairing", "direction", "sending_school", "host_school")
        ):
            try:
                services.secondment_check_sides(self.instance_with(data))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data

    def instance_with(self, data):
        return Secondment(
            pairing=data["pairing"],
            direction=data["direction"],
            sending_school=data["sending_school"],
            host_school=data["host_school"],
        )


class StintForm(BootstrapMixin, forms.ModelForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    class Meta:
        model = Stint
        fields = ["start", "end", "note"]
        widgets = {"start": DateInput(), "end": DateInput()}


class StintFormSetBase(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            f
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("start")
        ]
        intervals = [(f.cleaned_data["start"], f.cleaned_data["end"]) for f in kept]
        for i, j in services.overlapping_pairs(intervals):
            kept[j].add_error(
                "start",
                _("This stint overlaps the stint from %(start)s to %(end)s.")
                % {
                    "start": intervals[i][0].isoformat(),
                    "end": intervals[i][1].isoformat(),
                },
            )

    def save(self, commit=True):
        # Deletions first, so a stint may take over a deleted one's dates.
        for form in self.deleted_forms:
            if form.instance.pk:
                form.instance.delete()
        self.deleted_objects = []
        saved = []
        for form in self.forms:
            if form in self.deleted_forms or not form.has_changed():
                continue
            if not form.cleaned_data:
                continue
            stint = form.save(commit=False)
            stint.secondment = self.instance
            stint.save()
            saved.append(stint)
        return saved


StintFormSet = forms.inlineformset_factory(
    Secondment,
    Stint,
    form=StintForm,
    formset=StintFormSetBase,
    extra=2,
    can_delete=True,
)


class StintSingleForm(ScopedModelForm):
    """One stint recorded on its own (school staff record stints for their pairings)."""

    class Meta:
        model = Stint
        fields = ["secondment", "start", "end", "note"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def clean(self):
        data = super().clean()
        if data.get("secondment") and data.get("start") and data.get("end"):
            error = services.stint_overlap_error(
                secondment=data["secondment"],
                start=data["start"],
                end=data["end"],
                exclude_pk=self.instance.pk,
            )
            if error:
                self.add_error("start", error)
        return data


class ActivityForm(ScopedModelForm):
    trainees = forms.ModelMultipleChoiceField(
        Person.objects.all(),
        label=gettext_lazy("receiving-school teachers trained"),
        required=False,
    )

    class Meta:
        model = Activity
        fields = [
            "pairing",
            "kind",
            "title",
            "date",
            "place",
            "host_side",
            "direction",
            "presenter",
            "subject",
            "lessons",
            "sessions",
            "training_level",
            "teacher_participants",
            "student_participants",
            "evidence",
            "description",
        ]
        widgets = {"date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["trainees"]
        field.queryset = visible(Person.objects.all(), self.user)
        if self.instance.pk and not self.is_bound:
            self.initial["trainees"] = list(
                self.instance.participations.values_list("person_id", flat=True)
            )
        make_searchable(field, None)
        chosen = [c for c in (self["trainees"].value() or []) if str(c).isdigit()]
        field.widget.choices = [
            (p.pk, str(p)) for p in field.queryset.filter(pk__in=chosen)
        ]

    def clean(self):
        data = super().clean()
        if data.get("trainees") and data.get("kind") != "training":
            self.add_error("trainees", _("Only a training has trainees."))
        trainees = data.get("trainees") or []
        participants = data.get("teacher_participants")
        if participants is not None and participants < len(trainees):
            self.add_error(
                "teacher_participants",
                _("Fewer participants than trainees listed (%(n)s).")
                % {"n": len(trainees)},
            )
        return data

    def save(self, commit=True):
        activity = super().save(commit=True)
        wanted = {p.pk for p in self.cleaned_data.get("trainees") or []}
        current = set(activity.participations.values_list("person_id", flat=True))
        for participation in activity.participations.filter(
            person_id__in=current - wanted
        ):
            participation.delete()
        for person_id in wanted - current:
            TrainingParticipation.objects.create(activity=activity, person_id=person_id)
        return activity


class AppraisalForm(ScopedModelForm):
    class Meta:
        model = Appraisal
        fields = [
            "secondment",
            "year",
            "result",
            "self_appraisal",
            "sending_school_opinion",
        ]
