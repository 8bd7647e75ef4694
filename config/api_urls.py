"""The REST API: /api/v1/ (every endpoint), /api/schema/ (OpenAPI 3), /api/docs/
(Swagger UI) and /api/redoc/ (Redoc), both served from local static files."""

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import DefaultRouter

from core.api import views as core
from dispatch.api import views as dispatch
from pairings.api import views as pairings
from projects.api import views as projects
from reporting.api import views as reporting

router = DefaultRouter()
router.register("regions", pairings.RegionViewSet, basename="region")
router.register("schools", pairings.SchoolViewSet, basename="school")
router.register(
    "school-profiles", pairings.SchoolYearProfileViewSet, basename="schoolyearprofile"
)
router.register("programmes", pairings.ProgrammeViewSet, basename="programme")
router.register("pairings", pairings.PairingViewSet, basename="pairing")
router.register("agreements", pairings.AgreementViewSet, basename="agreement")
router.register("people", dispatch.PersonViewSet, basename="person")
router.register("secondments", dispatch.SecondmentViewSet, basename="secondment")
router.register("stints", dispatch.StintViewSet, basename="stint")
router.register("appraisals", dispatch.AppraisalViewSet, basename="appraisal")
router.register("activities", dispatch.ActivityViewSet, basename="activity")
router.register("projects", projects.AidProjectViewSet, basename="aidproject")
router.register("funding-lines", projects.FundingLineViewSet, basename="fundingline")
router.register("donations", projects.DonationViewSet, basename="donation")
router.register(
    "reporting-periods", reporting.ReportingPeriodViewSet, basename="reportingperiod"
)
router.register("reports", reporting.SemesterReportViewSet, basename="semesterreport")
router.register(
    "report-attachments",
    reporting.ReportAttachmentViewSet,
    basename="reportattachment",
)
router.register("compliance", reporting.ComplianceViewSet, basename="compliance")
router.register("statistics", reporting.StatisticsViewSet, basename="statistics")
router.register("exports", reporting.ExportJobViewSet, basename="exportjob")
router.register("audit", core.AuditEntryViewSet, basename="auditentry")
router.register("notifications", core.NotificationViewSet, basename="notification")

app_name = "api"

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
