"""The REST API: /api/v1/ (every endpoint), /api/schema/ (OpenAPI 3), /api/docs/
(Swagger UI) and /api/redoc/ (Redoc), both served from local static files."""

from django.apps import apps
from django.urls import include, path
from django.utils.module_loading import import_string
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from core.security import csp_update

router = DefaultRouter()
# Each app lists its endpoints (``ROUTES``) in the module its AppConfig names as
# ``api``; an import error there is an error here, never a missing endpoint.
# The domain apps' endpoints first, in the order of INSTALLED_APPS; core's last.
for config in sorted(apps.get_app_configs(), key=lambda c: c.name == "core"):
    module = getattr(config, "api", None)
    if module:
        for prefix, viewset, basename in import_string(f"{module}.ROUTES"):
            router.register(prefix, viewset, basename=basename)

app_name = "api"
DOCS_POLICY = csp_update(style_src="'self' 'unsafe-inline'", worker_src="'self' blob:")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's start-up script is served from its own URL (?script), not
    # inline; both bundles write their styles at run time and Redoc searches in a
    # worker made from a blob, so these two pages allow inline styles and that.
    path(
        "docs/",
        DOCS_POLICY(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path(
        "redoc/",
        DOCS_POLICY(SpectacularRedocView.as_view(url_name="api:schema")),
        name="redoc",
    ),
]
