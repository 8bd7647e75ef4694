from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.filters import make_searchable
from core.forms import BootstrapMixin, ScopedModelForm, VersionedForm
from core.generic import errors_to_form
from core.scope import scope_of, visible
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


class SecondmentRules:
    """A secondment form's check of the rules across rows (``services``): the page's
    form and the admin's."""

    def clean(self):
        data = super().clean()
        needed = ("pairing", "direction", "sending_school", "host_school")
        if not self._errors_on(needed) and all(data.get(f) for f in needed):
            try:
                services.secondment_check(secondment=self.instance_with(data))
            except ValidationError as exc:
                errors_to_form(self, exc)
        return data

    def _errors_on(self, names) -> bool:
        return any(name in self.errors for name in names)

    def instance_with(self, data) -> Secondment:
        fields = (
            "pairing",
            "person",
            "direction",
            "sending_school",
            "host_school",
            "planned_start",
            "planned_end",
        )
        return Secondment(pk=self.instance.pk, **{f: data.get(f) for f in fields})


class SecondmentForm(SecondmentRules, ScopedModelForm):
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


class StintForm(VersionedForm, BootstrapMixin, forms.ModelForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    class Meta:
        model = Stint
        fields = ["start", "end", "note"]
        widgets = {"start": DateInput(), "end": DateInput()}


class StintRulesFormSet(forms.BaseInlineFormSet):
    """All the stints of one secondment (the page's and the admin's inline): the
    stint rule of ``services`` over the stints as they will be; deletions are saved
    first, so a stint may take over a deleted one's dates. Each stint saved is
    marked as recorded by the acting user (``user``, else the forms' ``user``; the
    admin sets it), so it waits for the host school when it should."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user or self.form_kwargs.get("user")

    def clean(self):
        super().clean()
        kept = [
            f
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("start")
            and f.cleaned_data.get("end")
        ]
        spans = [
            services.Span(f.cleaned_data["start"], f.cleaned_data["end"], f.instance.pk)
            for f in kept
        ]
        errors = services.stint_errors(
            secondment=self.instance, spans=spans, whole=True
        )
        for index, message in errors.items():
            kept[index].add_error("start", message)

    def save(self, commit=True):
        deleted = [f.instance for f in self.deleted_forms if f.instance.pk]
        for stint in deleted:
            stint.delete()
        saved = super().save(commit)
        self.deleted_objects = deleted + self.deleted_objects
        return saved

    def save_new(self, form, commit=True):
        setattr(form.instance, self.fk.name, self.instance)
        services.stint_mark_recorded(form.instance, self.user)
        return super().save_new(form, commit)

    def save_existing(self, form, obj, commit=True):
        services.stint_mark_recorded(form.instance, self.user)
        return super().save_existing(form, obj, commit)


StintFormSet = forms.inlineformset_factory(
    Secondment,
    Stint,
    form=StintForm,
    formset=StintRulesFormSet,
    extra=2,
    can_delete=True,
)


class StintRules:
    """A form for one stint (the page's and the admin's): the stint rule of
    ``services`` against the secondment's and the person's stored stints."""

    def clean(self):
        data = super().clean()
        if data.get("secondment") and data.get("start") and data.get("end"):
            try:
                services.stint_check(
                    secondment=data["secondment"],
                    start=data["start"],
                    end=data["end"],
                    pk=self.instance.pk,
                )
            except ValidationError as exc:
                errors_to_form(self, exc)
        return data


class StintSingleForm(StintRules, ScopedModelForm):
    """One stint recorded on its own (school staff record stints for their pairings).
    Saved as recorded by the user: the sending school's wait for the host school."""

    class Meta:
        model = Stint
        fields = ["secondment", "start", "end", "note"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def save(self, commit=True):
        services.stint_mark_recorded(self.instance, self.user)
        return super().save(commit)


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
        instance = kwargs.get("instance")
        if instance is not None and instance.pk:
            # Before the base form reads its fields (it caches what each shows):
            # the edit page and a partial API update keep the trainees.
            kwargs["initial"] = {
                "trainees": list(
                    instance.participations.values_list("person_id", flat=True)
                ),
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
        field = self.fields["trainees"]
        field.queryset = visible(Person.objects.all(), self.user)
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
    """The host school's yearly appraisal: school staff choose among the
    secondments their school hosts (a bureau among all it sees)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_of(self.user)
        if not (scope.is_admin or scope.bureau_paths):
            field = self.fields["secondment"]
            field.queryset = field.queryset.filter(
                host_school_id__in=sorted(scope.school_ids)
            )

    class Meta:
        model = Appraisal
        fields = [
            "secondment",
            "year",
            "result",
            "self_appraisal",
            "sending_school_opinion",
        ]
