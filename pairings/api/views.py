"""Regions, schools and their yearly profiles, programmes, pairings and agreements."""

from django.db.models import Prefetch

from core.api.viewsets import ScopedReadViewSet, ScopedViewSet
from pairings import views
from pairings.filtersets import RegionFilterSet, SchoolYearProfileFilterSet
from pairings.models import (
    Agreement,
    AgreementTarget,
    Pairing,
    Programme,
    Region,
    School,
    SchoolYearProfile,
)

from . import serializers


class RegionViewSet(ScopedReadViewSet):
    """行政区划 Regions: the user's regions, everything below them and the regions
    above them (read only)."""

    model = Region
    serializer_class = serializers.RegionSerializer
    filterset_class = RegionFilterSet

    @classmethod
    def configure(cls):
        cls.ordering_fields = ["code", "name", "level", "path"]

    def default_ordering(self):
        return ("path",)


class SchoolViewSet(ScopedViewSet):
    """学校 Schools in scope: the user's region, or the user's school and its
    partners."""

    model = School
    list_view = views.SchoolList
    edit_view = views.SchoolEdit
    serializer_class = serializers.SchoolSerializer


class SchoolYearProfileViewSet(ScopedReadViewSet):
    """学校年度概况 Yearly profiles of schools (classes, students, teachers); read
    only, as in the browser."""

    model = SchoolYearProfile
    filterset_class = SchoolYearProfileFilterSet
    serializer_class = serializers.SchoolYearProfileSerializer

    @classmethod
    def configure(cls):
        cls.ordering_fields = ["school_year", "school"]

    def default_ordering(self):
        return ("-school_year", "school")


class ProgrammeViewSet(ScopedViewSet):
    """帮扶项目（批次） Programmes: the policy frame with cycle and thresholds."""

    model = Programme
    list_view = views.ProgrammeList
    edit_view = views.ProgrammeEdit
    serializer_class = serializers.ProgrammeSerializer


class PairingViewSet(ScopedViewSet):
    """结对关系 Pairings with their supporting and receiving schools."""

    model = Pairing
    list_view = views.PairingList
    edit_view = views.PairingEdit
    serializer_class = serializers.PairingSerializer


class AgreementViewSet(ScopedViewSet):
    """帮扶协议 Agreements with their yearly targets (nested, written with the
    agreement)."""

    model = Agreement
    list_view = views.AgreementList
    edit_view = views.AgreementEdit
    serializer_class = serializers.AgreementSerializer

    @staticmethod
    def queryset_extra(queryset):
        return queryset.prefetch_related(
            Prefetch("targets", queryset=AgreementTarget.objects.order_by("year", "pk"))
        )


# The endpoints this app adds under /api/v1/ (prefix, viewset, basename); read by
# config/api_urls.py through the AppConfig's ``api`` attribute.
ROUTES = [
    ("regions", RegionViewSet, "region"),
    ("schools", SchoolViewSet, "school"),
    ("school-profiles", SchoolYearProfileViewSet, "schoolyearprofile"),
    ("programmes", ProgrammeViewSet, "programme"),
    ("pairings", PairingViewSet, "pairing"),
    ("agreements", AgreementViewSet, "agreement"),
]
