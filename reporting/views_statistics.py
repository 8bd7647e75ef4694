"""Statistics tables: the index (pick a table, a time span, a grouping and a region)
and the HTML preview of any table of the registry.

Bureau staff, inspectors and administrators only; school staff and users without a
scope get 404."""

from itertools import islice
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.forms import BootstrapMixin
from core.scope import scope_of, visible
from pairings import periods
from pairings.models import Programme, Region

from .models import ReportingPeriod
from .statistics import registry
from .statistics.base import Spec

SPAN_CHOICES = [
    ("school_year", _("school year")),
    ("calendar_year", _("calendar year")),
    ("semester", _("semester")),
    ("cycle", _("programme cycle")),
    ("range", _("date range")),
]
GROUP_CHOICES = [
    ("region", _("by region")),
    ("supporting_school", _("by supporting school")),
    ("pairing", _("by pairing")),
]


class StatisticsForm(BootstrapMixin, forms.Form):
    span = forms.ChoiceField(label=_("time span"), choices=SPAN_CHOICES)
    year = forms.IntegerField(
        label=_("year"), min_value=2000, max_value=2100, required=False
    )
    semester = forms.ModelChoiceField(
        ReportingPeriod.objects.order_by("-start"),
        label=_("semester"),
        required=False,
    )
    programme = forms.ModelChoiceField(
        Programme.objects.none(), label=_("programme"), required=False
    )
    start = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group = forms.ChoiceField(label=_("rows"), choices=GROUP_CHOICES)
    region = forms.ModelChoiceField(
        Region.objects.none(), label=_("region"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = visible(Programme.objects.all(), user)
        self.fields["region"].queryset = visible(
            Region.objects.filter(level__lte=3), user
        )

    def clean(self):
        data = super().clean()
        span = data.get("span")
        needs = {
            "school_year": ["year"],
            "calendar_year": ["year"],
            "semester": ["semester"],
            "cycle": ["programme"],
            "range": ["start", "end"],
        }.get(span, [])
        for name in needs:
            if not data.get(name):
                self.add_error(name, _("Required for this time span."))
        start, end = data.get("start"), data.get("end")
        if span == "range" and start and end and end < start:
            self.add_error("end", _("The end cannot be before the start."))
        return data

    def spec(self) -> Spec:
        data = self.cleaned_data
        span = data["span"]
        return Spec(
            span=span,
            year=data.get("year") if span in ("school_year", "calendar_year") else None,
            semester=data["semester"].pk if span == "semester" else None,
            programme=data["programme"].pk if span == "cycle" else None,
            start=data["start"].isoformat() if span == "range" else None,
            end=data["end"].isoformat() if span == "range" else None,
            group=data["group"],
            region=data["region"].pk if data.get("region") else None,
        )


def defaults() -> dict:
    return {
        "span": "school_year",
        "year": periods.school_year_of(timezone.localdate()),
        "group": "region",
    }


class StatisticsMixin(LoginRequiredMixin):
    """Regions' staff and administrators only."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            scope = scope_of(request.user)
            if not (scope.is_admin or scope.region_paths):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form(self):
        data = {**defaults(), **self.request.GET.dict()}
        return StatisticsForm(data, user=self.request.user)


class StatisticsIndex(StatisticsMixin, TemplateView):
    template_name = "reporting/statistics_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form(),
            tables=registry.available().items(),
            query=urlencode({**defaults(), **self.request.GET.dict()}),
            **kwargs,
        )


PREVIEW_ROWS = 500


class StatisticsTable(StatisticsMixin, TemplateView):
    template_name = "reporting/statistics_table.html"

    def get_context_data(self, **kwargs):
        code = self.kwargs["code"]
        if code not in registry.available():
            raise Http404
        form = self.form()
        context = {"form": form, "table": None}
        if form.is_valid():
            table = registry.build(code, user=self.request.user, spec=form.spec())
            # Row-per-record tables (the roster: 30,000 rows for a province) are
            # previewed in part; the workbook has every row.
            rows = list(islice(table.rows, PREVIEW_ROWS + 1))
            context["truncated"] = len(rows) > PREVIEW_ROWS
            rows = rows[:PREVIEW_ROWS]
            context.update(
                table=table,
                rows=[_cells(table, row) for row in rows],
                export_fields=form.spec().as_dict(),
                table_code=code,
                yearly=registry.YEARLY,
            )
        return super().get_context_data(**context, **kwargs)


def _cells(table, row) -> dict:
    """A row ready for the template: its kind, indentation and cells."""
    cells = []
    for column in table.columns:
        value = row.values.get(column.key)
        cells.append(
            {
                "value": "—" if value is None else value,
                "kind": column.kind,
                "approximate": column.key in row.approximate,
            }
        )
    return {"kind": row.kind, "level": row.level, "cells": cells}
