"""The region filters every app's admin shares: rows under a chosen city or county."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.scope import under

from .choices import RegionLevel
from .models import Region


class RegionAncestorFilter(admin.SimpleListFilter):
    """Rows whose region lies under a chosen city or county: one ``startswith`` on
    the indexed region path, whatever the depth below."""

    level: int
    region_field: str  # lookup from the listed model to its Region, e.g. "region"

    def lookups(self, request, model_admin):
        return Region.objects.filter(level=self.level).values_list("pk", "name")

    def queryset(self, request, queryset):
        value = self.value() or ""
        if not value.isdigit():
            return queryset
        pk = int(value)
        path = Region.objects.filter(pk=pk).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return queryset.filter(under([path], self.region_field))


def region_filters(region_field: str) -> list[type[admin.SimpleListFilter]]:
    """A city filter and a county filter; the county list shows the chosen city's
    counties only, so neither list loads every region of the country. Admins using
    them turn facets off: a count per city is not cheap on a large table."""

    class CityFilter(RegionAncestorFilter):
        title = _("city / prefecture")
        parameter_name = "city"
        level = RegionLevel.CITY

        def choices(self, changelist):
            # Choosing another city clears the county chosen under the old one.
            yield {
                "selected": self.value() is None,
                "query_string": changelist.get_query_string(
                    remove=[self.parameter_name, "county"]
                ),
                "display": _("All"),
            }
            for pk, name in self.lookup_choices:
                yield {
                    "selected": self.value() == str(pk),
                    "query_string": changelist.get_query_string(
                        {self.parameter_name: pk}, ["county"]
                    ),
                    "display": name,
                }

    class CountyFilter(RegionAncestorFilter):
        title = _("county / district")
        parameter_name = "county"
        level = RegionLevel.COUNTY

        def lookups(self, request, model_admin):
            city = request.GET.get("city", "")
            if not city.isdigit():
                return []
            return super().lookups(request, model_admin).filter(parent_id=int(city))

    CityFilter.region_field = CountyFilter.region_field = region_field
    return [CityFilter, CountyFilter]
