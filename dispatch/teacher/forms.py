"""The forms of a seconded teacher's pages: plain forms that the services check
(the stint rule, the scope); each carries a key made in the browser, so that a
form queued offline and sent twice is taken once."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import BootstrapMixin
from pairings.forms import DateInput

from ..choices import WorkLogKind
from .photos import MAX_PHOTOS


class SecondmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, secondment):
        return f"{secondment.host_school.name}（{secondment.planned_start:%Y年%-m月}）"


class TeacherForm(BootstrapMixin, forms.Form):
    # Made by the page's script (offline.js) for each form filled in.
    client_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, secondments, **kwargs):
        super().__init__(*args, **kwargs)
        if "secondment" in self.fields:
            field = self.fields["secondment"]
            field.queryset = secondments.select_related("host_school")
            if len(field.queryset) == 1:
                field.initial = field.queryset[0].pk
                field.empty_label = None


class StintForm(TeacherForm):
    secondment = SecondmentChoice(
        label=_("secondment"), queryset=None, empty_label=None
    )
    start = forms.DateField(label=_("arrival date"), widget=DateInput())
    end = forms.DateField(
        label=_("departure date"),
        widget=DateInput(),
        required=False,
        help_text=_(
            "Leave empty while you are still on post: the record then covers the "
            "arrival day only, and you add the departure date when you leave."
        ),
    )
    note = forms.CharField(
        label=_("note"), max_length=200, required=False, widget=forms.TextInput
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The departure cannot be before the arrival."))
        return data


class StintEditForm(StintForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["secondment"]


class MultiplePhotoInput(forms.ClearableFileInput):
    """Several photos at once, picked through a large button in the page's words
    (the browser's own control speaks the browser's language, and is small): the
    file input lies invisible over the button, so a tap on it opens the phone's
    camera or gallery; ``static/js/photo_picker.js`` says how many were chosen."""

    allow_multiple_selected = True

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="photo-picker" data-chosen-text="{}">'
            '<span class="photo-button">{}'
            '<span class="btn btn-outline-primary" aria-hidden="true">'
            '<i class="bi bi-camera"></i> {}</span></span>'
            ' <span class="photo-chosen" data-photo-chosen aria-live="polite">'
            "</span></div>",
            _("Photos chosen: {count}"),
            field,
            _("Choose photos"),
        )


class MultiplePhotoField(forms.FileField):
    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                _("At most %(count)s photos per entry.") % {"count": MAX_PHOTOS}
            )
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class WorkLogForm(TeacherForm):
    secondment = SecondmentChoice(
        label=_("secondment"), queryset=None, empty_label=None
    )
    date = forms.DateField(label=_("date"), widget=DateInput())
    kind = forms.ChoiceField(
        label=pgettext_lazy("work log", "covers"),
        choices=WorkLogKind.choices,
        initial=WorkLogKind.DAILY,
    )
    taught = forms.CharField(
        label=_("what was taught"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    activities = forms.CharField(
        label=_("activities joined"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )
    photos = MultiplePhotoField(
        label=_("photos"),
        required=False,
        help_text=_("JPEG or PNG, up to 6 photos."),
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class SelfAppraisalForm(TeacherForm):
    secondment = SecondmentChoice(
        label=_("secondment"), queryset=None, empty_label=None
    )
    year = forms.TypedChoiceField(label=_("year"), coerce=int)
    text = forms.CharField(
        label=_("self-appraisal"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=10000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = dt.date.today().year
        years = range(this_year, this_year - 6, -1)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["year"].initial = this_year


class AccountForm(BootstrapMixin, forms.Form):
    username = forms.CharField(
        label=_("username"),
        max_length=150,
        required=False,
        help_text=_("What the teacher types to sign in, e.g. the phone number."),
    )
