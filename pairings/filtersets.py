import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import DateInput, ScopedFilterSet
from core.scope import under

from .models import (
    Agreement,
    Pairing,
    PairingParty,
    Programme,
    Region,
    School,
    SchoolYearProfile,
)
from .selectors import in_force


class SchoolFilterSet(ScopedFilterSet):
    search_fields = ("name", "code", "former_names__former_name")
    region_lookups = ("",)

    class Meta:
        model = School
        fields = [
            "stage",
            "ownership",
            "locality",
            "is_weak",
            "is_poor_village",
            "is_model",
        ]


class ProgrammeFilterSet(ScopedFilterSet):
    search_fields = ("name", "document_number", "issuing_body")
    region_lookups = ("",)

    class Meta:
        model = Programme
        fields = ["kind"]


class PairingFilterSet(ScopedFilterSet):
    search_fields = ("name",)
    school = django_filters.ModelChoiceFilter(
        queryset=School.objects.all(), field_name="parties__school", label=_("school")
    )
    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.all(), label=_("programme")
    )
    active_on = django_filters.DateFilter(
        method="active_on_date", label=_("active on"), widget=DateInput()
    )
    # In force at some day of the range, whatever the status since (an ended or
    # terminated pairing counts for the years it ran): the dashboard's figure.
    in_force_from = django_filters.DateFilter(
        method="in_force", label=_("in force from"), widget=DateInput()
    )
    in_force_to = django_filters.DateFilter(
        method="in_force", label=_("in force until"), widget=DateInput()
    )

    class Meta:
        model = Pairing
        fields = ["programme", "status", "mode"]

    def search(self, queryset, name, value):
        # School names through a semi-join on the parties, so that a pairing is not
        # repeated once per matching school (no DISTINCT over the whole list).
        value = value.strip()
        if not value:
            return queryset
        parties = PairingParty.objects.filter(school__name__icontains=value)
        return queryset.filter(
            Q(name__icontains=value) | Q(pk__in=parties.values("pairing_id"))
        )

    def active_on_date(self, queryset, name, value):
        return queryset.filter(start_date__lte=value, end_date__gte=value)

    def in_force(self, queryset, name, value):
        if name == "in_force_from":
            return queryset.filter(in_force(start=value))
        return queryset.filter(in_force(end=value))


class AgreementFilterSet(ScopedFilterSet):
    search_fields = ("title", "pairing__name")
    pairing = django_filters.ModelChoiceFilter(
        queryset=Pairing.objects.all(), label=_("pairing")
    )
    signed_year = django_filters.NumberFilter(
        field_name="signed_on",
        lookup_expr="year",
        label=_("year signed"),
        min_value=1949,
        max_value=2100,
        decimal_places=0,
    )

    class Meta:
        model = Agreement
        fields = ["kind", "pairing"]


class RegionFilterSet(ScopedFilterSet):
    """Regions: by level and parent (the API's region tree)."""

    search_fields = ("name", "code")
    region_lookups = ("",)
    parent = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), label=_("parent region")
    )

    class Meta:
        model = Region
        fields = ["level", "parent"]

    def in_region(self, queryset, name, value):
        return queryset.filter(under([value.path], ""))


class SchoolYearProfileFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "school__code")
    school = django_filters.ModelChoiceFilter(
        queryset=School.objects.all(), label=_("school")
    )

    class Meta:
        model = SchoolYearProfile
        fields = ["school", "school_year"]
