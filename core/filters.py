"""The base FilterSet: one per model, shared by the HTML lists and the REST API.

It searches a few text fields with ``q``, filters by region (the subtree of the
chosen region, through the same school lookups the data scope uses) and offers only
in-scope rows in its choice filters."""

import django_filters
from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .autocomplete import spec_of
from .models import Membership
from .scope import Rule, region_model, region_q, rule_of, visible


@extend_schema_field(OpenApiTypes.INT)
class RegionFilter(django_filters.ModelChoiceFilter):
    """A region id: rows placed in that region or below it."""


class ScopedFilterSet(django_filters.FilterSet):
    search_fields: tuple[str, ...] = ()
    # Lookups from the model to the schools whose region places it; default: the
    # data scope's lookups ("" when the model itself has a ``region``).
    region_lookups: tuple[str, ...] | None = None

    q = django_filters.CharFilter(method="search", label=_("Search"))
    # Any region the user sees, whatever its depth (searched as the user types);
    # the queryset is set per request.
    region = RegionFilter(
        queryset=Membership.objects.none(), method="in_region", label=_("region")
    )

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        for filter_ in self.filters.values():
            field_queryset = getattr(filter_, "queryset", None)
            if field_queryset is not None and hasattr(field_queryset, "model"):
                filter_.queryset = visible(
                    field_queryset.model._default_manager.all(), user
                )
        if "region" in self.filters:
            self.filters["region"].queryset = visible(
                region_model().objects.all(), user
            )
        for name, field in self.form.fields.items():
            make_searchable(field, self.form[name].value())
            if isinstance(field, forms.NullBooleanField):
                # "Unknown" reads as a value; an empty choice means "any".
                field.widget.choices = [
                    ("unknown", _("all")),
                    ("true", _("Yes")),
                    ("false", _("No")),
                ]
            widget = field.widget
            if isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-control form-control-sm")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        q = Q()
        for field in self.search_fields:
            q |= Q(**{f"{field}__icontains": value})
        return queryset.filter(q)

    def in_region(self, queryset, name, value):
        rule = rule_of(queryset.model)
        via = rule.via if isinstance(rule, Rule) else ("",)
        lookups = self.region_lookups or via
        return queryset.filter(region_q(queryset.model, lookups, (value.path,)))


def make_searchable(field, value) -> None:
    """Large tables cannot be a plain select: render only the chosen row and let the
    browser ask the scoped autocomplete endpoint as the user types."""
    queryset = getattr(field, "queryset", None)
    if queryset is None:
        return
    spec = spec_of(queryset.model)
    if spec is None:
        return
    field.widget.attrs["data-autocomplete-url"] = reverse(
        "autocomplete", args=[spec.kind]
    )
    choices = [("", "---------")]
    if value not in (None, "", []):
        chosen = queryset.filter(pk=value).first() if str(value).isdigit() else None
        if chosen is not None:
            choices.append((chosen.pk, field.label_from_instance(chosen)))
    field.widget.choices = choices


class DateInput(forms.DateInput):
    input_type = "date"


def date_filter(field_name, lookup, label):
    return django_filters.DateFilter(
        field_name=field_name, lookup_expr=lookup, label=label, widget=DateInput()
    )
