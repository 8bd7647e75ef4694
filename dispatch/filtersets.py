import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import DateInput, ScopedFilterSet, date_filter
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
    # On post during the range: one stint overlapping it (two separate joins
    # would match a stint ending after the start and another starting before the
    # end, with none inside). A semi-join lists each secondment once.
    on_post_from = django_filters.DateFilter(
        method="on_post", label=_("on post from"), widget=DateInput()
    )
    on_post_to = django_filters.DateFilter(
        method="on_post", label=_("on post until"), widget=DateInput()
    )

    class Meta:
        model = Secondment
        fields = ["pairing", "direction", "kind", "status", "batch", "subject"]

    def on_post(self, queryset, name, value):
        start = self.form.cleaned_data.get("on_post_from")
        end = self.form.cleaned_data.get("on_post_to")
        if name == "on_post_to" and start is not None:
            return queryset  # applied with on_post_from, on the same stint
        stints = Stint.objects.all()
        if start is not None:
            stints = stints.filter(end__gte=start)
        if end is not None:
            stints = stints.filter(start__lte=end)
        return queryset.filter(pk__in=stints.values("secondment_id"))


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
