"""The navigation bar, by subject, showing each user only what their role can open."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .scope import scope_of


def _item(title, url_name):
    return {"title": title, "url": reverse(url_name)}


def sections(request) -> list[dict]:
    scope = scope_of(request.user)
    result = []
    system = []
    if scope.is_admin or scope.manager_paths:
        system.append(_item(_("Users"), "users"))
        system.append(_item(_("Login log"), "login_log"))
    if scope.is_admin or scope.bureau_paths:
        system.append(_item(_("Audit log"), "audit_log"))
    if scope.is_admin:
        system.append(_item(_("Django admin"), "admin:index"))
    if system:
        result.append({"title": _("System"), "items": system})
    return result


def scope_label(request) -> str:
    user = request.user
    labels = [
        f"{m.get_role_display()} · {m.school or m.region or ''}".rstrip(" ·")
        for m in user.memberships.select_related("school", "region")
    ]
    return "；".join(labels) or _("No role assigned")


def context(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "nav_sections": sections(request),
        "user_scope_label": scope_label(request),
    }
