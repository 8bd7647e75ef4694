from django.contrib import admin
from django.urls import include, path

from core.views import healthz
from reporting.dashboard.views import home

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", include("pairings.urls")),
    path("", include("dispatch.urls")),
    path("", include("projects.urls")),
    path("", include("reporting.urls")),
    path("", include("imports.urls")),
    path("", include("reminders.urls")),
    path("", include("inbox.urls")),
    path("", include("core.urls_notifications")),
    path("", include("core.urls")),
]

handler404 = "core.api.errors.not_found"
handler500 = "core.api.errors.server_error"
