from core.filters import ScopedFilterSet
from core.scope import under

from .models import Channel, Reminder


class PlacedFilterSet(ScopedFilterSet):
    """A region filter for rows placed by a region or a school of their own."""

    def in_region(self, queryset, name, value):
        paths = [value.path]
        return queryset.filter(under(paths) | under(paths, "school__region"))


class ChannelFilterSet(PlacedFilterSet):
    search_fields = ("name", "school__name", "region__name")

    class Meta:
        model = Channel
        fields = ["kind", "enabled"]


class ReminderFilterSet(PlacedFilterSet):
    search_fields = ("subject", "school__name", "region__name")

    class Meta:
        model = Reminder
        fields = ["kind"]
