from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.ImportIndex.as_view(), name="index"),
    path(
        "imports/template/<slug:slug>/",
        views.TemplateDownload.as_view(),
        name="template",
    ),
    path(
        "imports/list/<slug:slug>/", views.ListExportView.as_view(), name="list_export"
    ),
    path(
        "imports/lists/<int:pk>/", views.ListExportDetail.as_view(), name="list_detail"
    ),
    path(
        "imports/lists/<int:pk>/download/",
        views.ListExportDownload.as_view(),
        name="list_download",
    ),
    path(
        "pairings/<int:pk>/secondments/batch/",
        views.BatchSecondments.as_view(),
        name="batch_secondments",
    ),
    path("imports/<int:pk>/", views.ImportDetail.as_view(), name="detail"),
    path("imports/<int:pk>/status/", views.ImportStatusView.as_view(), name="status"),
    path("imports/<int:pk>/marked/", views.MarkedDownload.as_view(), name="marked"),
    path(
        "imports/<int:pk>/confirm/",
        views.ImportAction.as_view(action="confirm"),
        name="confirm",
    ),
    path(
        "imports/<int:pk>/cancel/",
        views.ImportAction.as_view(action="cancel"),
        name="cancel",
    ),
    path(
        "imports/<int:pk>/undo/", views.ImportAction.as_view(action="undo"), name="undo"
    ),
]
