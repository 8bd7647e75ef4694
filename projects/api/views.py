"""Aid projects (funding lines nested), funding lines and donations."""

from django.db.models import Prefetch

from core.api.viewsets import ScopedViewSet
from projects import views
from projects.models import AidProject, Donation, FundingLine

from . import serializers


class AidProjectViewSet(ScopedViewSet):
    """援建项目 Aid projects with their funding lines (nested: send
    ``funding_lines`` to replace them; items with an ``id`` are kept or changed)."""

    model = AidProject
    list_view = views.AidProjectList
    edit_view = views.AidProjectEdit
    serializer_class = serializers.AidProjectSerializer

    @staticmethod
    def queryset_extra(queryset):
        return queryset.prefetch_related(
            Prefetch("funding_lines", queryset=FundingLine.objects.order_by("pk"))
        )


class FundingLineViewSet(ScopedViewSet):
    """资金 Funding lines: money by source, year and kind, in yuan."""

    model = FundingLine
    list_view = views.FundingLineList
    edit_view = views.FundingLineEdit
    serializer_class = serializers.FundingLineSerializer


class DonationViewSet(ScopedViewSet):
    """捐赠物资 Donations of goods, with their estimated value in yuan."""

    model = Donation
    list_view = views.DonationList
    edit_view = views.DonationEdit
    serializer_class = serializers.DonationSerializer


# The endpoints this app adds under /api/v1/ (prefix, viewset, basename); read by
# config/api_urls.py through the AppConfig's ``api`` attribute.
ROUTES = [
    ("projects", AidProjectViewSet, "aidproject"),
    ("funding-lines", FundingLineViewSet, "fundingline"),
    ("donations", DonationViewSet, "donation"),
]
