from django.urls import path

from reporting.exports import views

urlpatterns = [
    path("exports/", views.ExportList.as_view(), name="exports"),
    path("exports/request/", views.ExportRequest.as_view(), name="export_request"),
    path("exports/<int:pk>/", views.ExportDetail.as_view(), name="export_detail"),
    path(
        "exports/<int:pk>/status/",
        views.ExportStatusView.as_view(),
        name="export_status",
    ),
    path(
        "exports/<int:pk>/download/",
        views.ExportDownload.as_view(),
        name="export_download",
    ),
    path("exports/<int:pk>/retry/", views.ExportRetry.as_view(), name="export_retry"),
]
