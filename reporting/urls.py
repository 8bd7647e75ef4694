"""The reporting namespace: one URL module per concern."""

from django.urls import include, path

from .compliance.views import ComplianceList

app_name = "reporting"

urlpatterns = [
    path("compliance/", ComplianceList.as_view(), name="compliance"),
    path("", include("reporting.reports.urls")),
    path("", include("reporting.board.urls")),
    path("", include("reporting.exports.urls")),
    path("", include("reporting.statistics.urls")),
]
