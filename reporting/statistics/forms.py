"""The one form every way of asking for a statistics table goes through: the
preview page, the export button, the download centre's retry, the API's tables and
its export jobs, and the worker before it builds anything.

It checks the values (each refusal a message on its field, in the user's language)
and the data scope: a programme the user cannot see, or a region that is not at or
below the user's own regions, is *out of scope*. Callers answer that with 404 and
create nothing, so a table never names what the user may not see."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import BootstrapMixin
from core.scope import Scope, scope_of, under, visible
from pairings import periods
from pairings.choices import RegionLevel
from pairings.models import Programme, Region
from reporting.models import ReportingPeriod

from . import registry
from .base import Spec

SPAN_CHOICES = [
    ("school_year", gettext_lazy("school year")),
    ("calendar_year", gettext_lazy("calendar year")),
    ("semester", gettext_lazy("semester")),
    ("cycle", gettext_lazy("programme cycle")),
    ("range", gettext_lazy("date range")),
]
GROUP_CHOICES = [
    ("region", gettext_lazy("by region")),
    ("supporting_school", gettext_lazy("by supporting school")),
    ("pairing", gettext_lazy("by pairing")),
]
# What each time span needs besides itself.
SPAN_NEEDS = {
    "school_year": ["year"],
    "calendar_year": ["year"],
    "semester": ["semester"],
    "cycle": ["programme"],
    "range": ["start", "end"],
}
OUT_OF_SCOPE = "out_of_scope"
# Ids are 64-bit: a larger number names no row.
MAX_ID = 2**63 - 1


class ScopedChoiceField(forms.ModelChoiceField):
    """A choice among the rows the user may name. A number that names none of them
    (another county's programme, a region above the user's, or no row at all: the
    answer must not tell which) is out of scope; anything else not a number is a
    malformed value."""

    default_error_messages = {
        "invalid": gettext_lazy("Enter a whole number."),
        OUT_OF_SCOPE: gettext_lazy("Not in your data scope."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            key = int(str(value).strip())
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from None
        row = self.queryset.filter(pk=key).first() if 0 < key <= MAX_ID else None
        if row is None:
            raise ValidationError(self.error_messages[OUT_OF_SCOPE], code=OUT_OF_SCOPE)
        return row


def regions_to_name(scope: Scope):
    """The regions a user may put at the top of a table: administrators any,
    everyone else their own regions and those below (not the city above a county,
    although the county's staff see its name)."""
    regions = visible(
        Region.objects.filter(level__lte=RegionLevel.COUNTY), scope=scope
    ).order_by("path")
    if scope.is_admin or scope.covers_all_regions:
        return regions
    return regions.filter(under(scope.region_paths, ""))


class StatisticsForm(BootstrapMixin, forms.Form):
    span = forms.ChoiceField(label=gettext_lazy("time span"), choices=SPAN_CHOICES)
    year = forms.IntegerField(
        label=gettext_lazy("year"), min_value=2000, max_value=2100, required=False
    )
    semester = forms.ModelChoiceField(
        ReportingPeriod.objects.order_by("-start"),
        label=gettext_lazy("semester"),
        required=False,
    )
    programme = ScopedChoiceField(
        Programme.objects.none(), label=gettext_lazy("programme"), required=False
    )
    start = forms.DateField(
        label=gettext_lazy("from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    group = forms.ChoiceField(label=gettext_lazy("rows"), choices=GROUP_CHOICES)
    region = ScopedChoiceField(
        Region.objects.none(), label=gettext_lazy("region"), required=False
    )
    compare_previous = forms.BooleanField(
        label=gettext_lazy("same period last year and change"), required=False
    )
    compare_cycle = forms.BooleanField(
        label=gettext_lazy("cycle to date (choose the programme)"), required=False
    )
    unconfirmed = forms.BooleanField(
        label=gettext_lazy("include unconfirmed stints"),
        help_text=gettext_lazy(
            "Count stints on post the host school has not yet confirmed; the table "
            "then says so in its title and footnote."
        ),
        required=False,
    )
    scoped_fields = ("programme", "region")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_of(user)
        self.fields["programme"].queryset = visible(Programme.objects.all(), user)
        self.fields["region"].queryset = regions_to_name(scope)

    def clean(self):
        data = super().clean()
        span = data.get("span")
        for name in SPAN_NEEDS.get(span, []):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Required for this time span."))
        start, end = data.get("start"), data.get("end")
        if span == "range" and start and end and end < start:
            self.add_error("end", _("The end cannot be before the start."))
        cycle_without_programme = data.get("compare_cycle") and not data.get(
            "programme"
        )
        if cycle_without_programme and "programme" not in self.errors:
            self.add_error(
                "programme", _("Choose the programme whose cycle to add up.")
            )
        return data

    def out_of_scope(self) -> bool:
        """Whether the form names a programme or region the user may not."""
        return any(self.has_error(name, OUT_OF_SCOPE) for name in self.scoped_fields)

    def spec(self) -> Spec:
        data = self.cleaned_data
        span = data["span"]
        return Spec(
            span=span,
            year=data.get("year") if span in ("school_year", "calendar_year") else None,
            semester=data["semester"].pk if span == "semester" else None,
            programme=data["programme"].pk
            if span == "cycle" or data.get("compare_cycle")
            else None,
            start=data["start"].isoformat() if span == "range" else None,
            end=data["end"].isoformat() if span == "range" else None,
            group=data["group"],
            region=data["region"].pk if data.get("region") else None,
            compare_previous=True if data.get("compare_previous") else None,
            compare_cycle=True if data.get("compare_cycle") else None,
            unconfirmed=True if data.get("unconfirmed") else None,
        )


class ExportForm(StatisticsForm):
    """A table (or the yearly workbook) and its spec, for an export job."""

    table = forms.ChoiceField(label=gettext_lazy("table"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["table"].choices = [
            (registry.YEARLY, gettext_lazy("yearly statistics workbook")),
            *registry.available().items(),
        ]


def defaults() -> dict:
    """What a request leaves out: the current school year, by region."""
    return {
        "span": "school_year",
        "year": periods.school_year_of(timezone.localdate()),
        "group": "region",
    }


def valid_or_404(form: StatisticsForm) -> bool:
    """Whether the form is valid. Out of scope is 404: the caller shows nothing and
    creates nothing (Django's and DRF's 404 both)."""
    valid = form.is_valid()
    if not valid and form.out_of_scope():
        raise Http404
    return valid


def errors_text(form: forms.Form) -> str:
    """The form's errors in one line, a clause per field, without the final stop
    ("年度：确保该值大于或等于2000；至：结束日期不能早于开始日期")."""
    parts = []
    for name, errors in form.errors.items():
        text = "".join(str(e) for e in errors).rstrip("。.")
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}：{text}" if label else text)
    return "；".join(parts)


def stored_spec(*, user, table: str, filters: dict) -> Spec:
    """Stored filters (an export job's, a queued preview's) checked again through
    the form as their user: the scope or the data may have changed since.
    Raises ValidationError with a message for the user."""
    form = ExportForm({**(filters or {}), "table": table}, user=user)
    if form.is_valid():
        return form.spec()
    if form.out_of_scope():
        raise ValidationError(
            _(
                "The filters name a programme or region outside your data scope; "
                "choose them again on the statistics page."
            ),
            code=OUT_OF_SCOPE,
        )
    raise ValidationError(
        _(
            "The filters are no longer valid (%(errors)s); choose them again on the "
            "statistics page."
        )
        % {"errors": errors_text(form)},
        code="invalid",
    )
