import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import ScopedFilterSet, date_filter
from pairings.models import Pairing, School

from .models import Activity, Appraisal, Person, Secondment, Stint


class PersonFilterSet(ScopedFilterSet):
    search_fields = ("name",)
    region_lookups = ("home_school",)
    home_school = django_filters.ModelChoiceFilter(
        queryset=School.objects.all(), label=_("home school")
    )

    class Meta:
        model = Person
        fields = ["home_school", "role", "subject", "title", "is_backbone", "gender"]


class SecondmentFilterSet(ScopedFilterSet):
    search_fields = ("person__name", "pairing__name", "host_school__name")
    pairing = django_filters.ModelChoiceFilter(
        queryset=Pairing.objects.all(), label=_("pairing")
    )
    on_post_from = date_filter("stints__end", "gte", _("on post from"))
    on_post_to = date_filter("stints__start", "lte", _("on post until"))

    class Meta:
        model = Secondment
        fields = ["pairing", "direction", "kind", "status", "batch", "subject"]

    @property
    def qs(self):
        # The stint filters join to-many rows: list each secondment once.
        queryset = super().qs
        data = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        if data.get("on_post_from") or data.get("on_post_to"):
            queryset = queryset.distinct()
        return queryset


class ActivityFilterSet(ScopedFilterSet):
    search_fields = ("title", "presenter", "place")
    pairing = django_filters.ModelChoiceFilter(
        queryset=Pairing.objects.all(), label=_("pairing")
    )
    date_from = date_filter("date", "gte", _("from"))
    date_to = date_filter("date", "lte", _("to"))

    class Meta:
        model = Activity
        fields = ["pairing", "kind", "host_side", "direction", "training_level"]


class StintFilterSet(ScopedFilterSet):
    secondment = django_filters.ModelChoiceFilter(
        queryset=Secondment.objects.all(), label=_("secondment")
    )
    on_post_from = date_filter("end", "gte", _("on post from"))
    on_post_to = date_filter("start", "lte", _("on post until"))

    class Meta:
        model = Stint
        fields = ["secondment"]


class AppraisalFilterSet(ScopedFilterSet):
    search_fields = ("secondment__person__name",)
    secondment = django_filters.ModelChoiceFilter(
        queryset=Secondment.objects.all(), label=_("secondment")
    )

    class Meta:
        model = Appraisal
        fields = ["secondment", "year", "result"]
