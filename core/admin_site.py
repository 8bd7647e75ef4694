"""The Django admin is the system administrators' tool. Everyone else works in the
browser workspace, which applies their data scope; for them the admin does not exist
(404), so it cannot become a way around the scope."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404

from .scope import scope_of


class DuikouAdminSite(admin.AdminSite):
    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_staff and scope_of(user).is_admin

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        return guarded


class DuikouAdminConfig(AdminConfig):
    default_site = "core.admin_site.DuikouAdminSite"
