from django.urls import include, path

from core.generic import crud_urls

from . import views
from .models import ReportingPeriod
from .views_compliance import ComplianceList

app_name = "reporting"

urlpatterns = [
    path("compliance/", ComplianceList.as_view(), name="compliance"),
    path("reports/mine/", views.MyReports.as_view(), name="my_reports"),
    path("reports/review/", views.ReviewQueue.as_view(), name="review"),
    path(
        "reports/start/<int:school>/<int:period>/",
        views.ReportStart.as_view(),
        name="report_start",
    ),
    path("reports/<int:pk>/", views.ReportDetail.as_view(), name="report_detail"),
    path("reports/<int:pk>/edit/", views.ReportEdit.as_view(), name="report_edit"),
    path("reports/<int:pk>/act/", views.ReportAct.as_view(), name="report_act"),
    *crud_urls(
        "periods",
        ReportingPeriod,
        list_view=views.PeriodList,
        detail_view=views.PeriodDetail,
        edit_view=views.PeriodEdit,
    ),
    path("", include("reporting.urls_board")),
    path("", include("reporting.urls_exports")),
    path("", include("reporting.urls_statistics")),
    path("", include("reporting.urls_attachments")),
]
