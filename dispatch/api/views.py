"""People, secondments (stints nested), stints, appraisals and activities."""

from django.db.models import Prefetch

from core.api.viewsets import ScopedViewSet
from dispatch import views
from dispatch.filtersets import AppraisalFilterSet, StintFilterSet
from dispatch.models import Activity, Appraisal, Person, Secondment, Stint

from . import serializers


class PersonViewSet(ScopedViewSet):
    """人员 People: teachers and managers who are seconded or trained. The ID
    number is never returned."""

    model = Person
    list_view = views.PersonList
    edit_view = views.PersonEdit
    serializer_class = serializers.PersonSerializer


class SecondmentViewSet(ScopedViewSet):
    """派遣（人次） Secondments, each with its stints on post (nested: send
    ``stints`` to replace them; items with an ``id`` are kept or changed)."""

    model = Secondment
    list_view = views.SecondmentList
    edit_view = views.SecondmentEdit
    serializer_class = serializers.SecondmentSerializer

    @staticmethod
    def queryset_extra(queryset):
        return queryset.prefetch_related(
            Prefetch("stints", queryset=Stint.objects.order_by("start"))
        )


class StintViewSet(ScopedViewSet):
    """在岗时段 Stints: continuous periods on post of a secondment."""

    model = Stint
    edit_view = views.StintEdit
    filterset_class = StintFilterSet
    serializer_class = serializers.StintSerializer

    @classmethod
    def configure(cls):
        super().configure()
        cls.ordering_fields = ["start", "end"]

    def default_ordering(self):
        return ("-start",)


class AppraisalViewSet(ScopedViewSet):
    """年度考核 Yearly appraisals of seconded staff by the host school."""

    model = Appraisal
    edit_view = views.AppraisalEdit
    filterset_class = AppraisalFilterSet
    serializer_class = serializers.AppraisalSerializer

    @classmethod
    def configure(cls):
        super().configure()
        cls.ordering_fields = ["year"]

    def default_ordering(self):
        return ("-year",)


class ActivityViewSet(ScopedViewSet):
    """活动与培训 Activities and trainings with their trainees."""

    model = Activity
    list_view = views.ActivityList
    edit_view = views.ActivityEdit
    serializer_class = serializers.ActivitySerializer

    @staticmethod
    def queryset_extra(queryset):
        return queryset.prefetch_related("participations")


# The endpoints this app adds under /api/v1/ (prefix, viewset, basename); read by
# config/api_urls.py through the AppConfig's ``api`` attribute.
ROUTES = [
    ("people", PersonViewSet, "person"),
    ("secondments", SecondmentViewSet, "secondment"),
    ("stints", StintViewSet, "stint"),
    ("appraisals", AppraisalViewSet, "appraisal"),
    ("activities", ActivityViewSet, "activity"),
]
