import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import DateInput, ScopedFilterSet, date_filter
from pairings.models import Pairing, School

from .models import AidProject, Donation, FundingLine
from .selectors import funding_from, funding_until


class AidProjectFilterSet(ScopedFilterSet):
    search_fields = ("name", "approval_document", "receiving_school__name")
    region_lookups = ("receiving_school",)
    pairing = django_filters.ModelChoiceFilter(
        queryset=Pairing.objects.all(), label=_("pairing")
    )
    receiving_school = django_filters.ModelChoiceFilter(
        queryset=School.objects.all(), label=_("receiving school")
    )

    class Meta:
        model = AidProject
        fields = ["category", "phase", "pairing", "receiving_school"]


class FundingLineFilterSet(ScopedFilterSet):
    search_fields = ("note", "project__name", "pairing__name")
    pairing = django_filters.ModelChoiceFilter(
        queryset=Pairing.objects.all(), label=_("pairing")
    )
    project = django_filters.ModelChoiceFilter(
        queryset=AidProject.objects.all(), label=_("aid project")
    )
    # An undated line counts on 31 December of its year, as the dashboard and the
    # statistics tables place it.
    date_from = django_filters.DateFilter(
        method="dated_from", label=_("from"), widget=DateInput()
    )
    date_to = django_filters.DateFilter(
        method="dated_to", label=_("to"), widget=DateInput()
    )

    class Meta:
        model = FundingLine
        fields = ["source", "kind", "year", "pairing", "project", "currency"]

    def dated_from(self, queryset, name, value):
        return queryset.filter(funding_from(value))

    def dated_to(self, queryset, name, value):
        return queryset.filter(funding_until(value))


class DonationFilterSet(ScopedFilterSet):
    search_fields = ("donor_name", "description", "recipient_school__name")
    region_lookups = ("recipient_school",)
    date_from = date_filter("date", "gte", _("from"))
    date_to = date_filter("date", "lte", _("to"))
    recipient_school = django_filters.ModelChoiceFilter(
        queryset=School.objects.all(), label=_("recipient school")
    )

    class Meta:
        model = Donation
        fields = ["form", "category", "donor_kind", "recipient_school"]
