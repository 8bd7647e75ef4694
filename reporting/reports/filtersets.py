import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import ScopedFilterSet
from pairings.models import School
from reporting.models import ReportAttachment, ReportingPeriod, SemesterReport


class ReportingPeriodFilterSet(ScopedFilterSet):
    # Periods are the same for every region, and have no text to search.
    region = None
    q = None

    class Meta:
        model = ReportingPeriod
        fields = ["school_year", "semester"]


# The review queue's order, also the API's default: newest period first, then by
# region and school name.
REPORT_ORDER = ("-period__start", "school__region__path", "school__name")


class SemesterReportFilterSet(ScopedFilterSet):
    """The review queue's filters (page and API): period, school, status, late,
    region, search."""

    search_fields = ("school__name", "school__code")
    region_lookups = ("school",)
    period = django_filters.ModelChoiceFilter(
        queryset=ReportingPeriod.objects.all(), label=_("reporting period")
    )
    school = django_filters.ModelChoiceFilter(
        queryset=School.objects.all(), label=_("school")
    )

    class Meta:
        model = SemesterReport
        fields = ["period", "school", "status", "is_late"]


class ReportAttachmentFilterSet(ScopedFilterSet):
    """Attachments of a report, a school or a region's reports."""

    search_fields = ("original_name",)
    region_lookups = ("report__school",)
    report = django_filters.ModelChoiceFilter(
        queryset=SemesterReport.objects.all(), label=_("report")
    )
    school = django_filters.ModelChoiceFilter(
        field_name="report__school", queryset=School.objects.all(), label=_("school")
    )
    period = django_filters.ModelChoiceFilter(
        field_name="report__period",
        queryset=ReportingPeriod.objects.all(),
        label=_("reporting period"),
    )

    class Meta:
        model = ReportAttachment
        fields = ["report", "school", "period", "content_type"]
