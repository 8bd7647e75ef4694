"""The navigation bar, by subject, showing each user only what their role can open.
Each app contributes its sections from its AppConfig (``menu``)."""

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext as _

from .scope import scope_of


def item(title, url_name) -> dict:
    return {"title": title, "url": reverse(url_name)}


def sections(request) -> list[dict]:
    """Each app's sections (its AppConfig's ``menu(scope)``, in the order of
    INSTALLED_APPS), then the system's own."""
    scope = scope_of(request.user)
    if scope.is_empty:
        return []
    result: list[dict] = []
    for config in apps.get_app_configs():
        menu = getattr(config, "menu", None)
        for section in menu(scope) if menu is not None else []:
            same = next((s for s in result if s["title"] == section["title"]), None)
            if same is None:
                result.append({**section, "items": list(section["items"])})
            else:
                same["items"] += section["items"]
    system = []
    if scope.is_admin or scope.manager_paths:
        system.append(item(_("Users"), "users"))
        system.append(item(_("Login log"), "login_log"))
    if scope.is_admin or scope.bureau_paths:
        system.append(item(_("Audit log"), "audit_log"))
    if scope.is_admin:
        system.append(item(_("Django admin"), "admin:index"))
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
