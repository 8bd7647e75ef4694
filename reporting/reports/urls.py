"""Semester reports, their attachments and the reporting periods (included in
the "reporting" namespace)."""

from django.urls import path

from core.generic import crud_urls

from ..models import ReportingPeriod
from . import views, views_attachments

urlpatterns = [
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
    path(
        "reports/<int:pk>/attachments/",
        views_attachments.AttachmentUploadView.as_view(),
        name="attachment_upload",
    ),
    path(
        "attachments/<int:pk>/",
        views_attachments.AttachmentDownloadView.as_view(),
        name="attachment_download",
    ),
    path(
        "attachments/<int:pk>/delete/",
        views_attachments.AttachmentDeleteView.as_view(),
        name="attachment_delete",
    ),
]
