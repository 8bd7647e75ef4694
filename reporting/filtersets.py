from core.filters import ScopedFilterSet

from .models import ReportingPeriod


class ReportingPeriodFilterSet(ScopedFilterSet):
    region_lookups = ()

    class Meta:
        model = ReportingPeriod
        fields = ["school_year", "semester"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Periods are the same for every region.
        self.filters.pop("region", None)
        self.filters.pop("q", None)
