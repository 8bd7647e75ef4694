"""The navigation bar, by subject, showing each user only what their role can open.
Each app contributes its sections from its AppConfig (``menu``)."""

from dataclasses import replace

from django.apps import apps
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .scope import memberships_of, scope_of


def item(title, url_name) -> dict:
    return {"title": title, "url": reverse(url_name)}


# The menus built so far, by what they depend on: the role flags of a scope (not
# who holds it), the language and the URL prefix. A few dozen in a deployment.
_menus: dict[tuple, tuple[dict, ...]] = {}
_MENUS_KEPT = 1000


def sections(request) -> tuple[dict, ...]:
    """Each app's sections (its AppConfig's ``menu(scope)``, in the order of
    INSTALLED_APPS), then the system's own. Built once per kind of scope and
    language in each process: the menus are the same for every request."""
    scope = scope_of(request.user)
    if scope.is_empty and not scope.teacher:
        return ()
    key = (replace(scope, user_id=None), get_language(), get_script_prefix())
    menu = _menus.get(key)
    if menu is None:
        if len(_menus) >= _MENUS_KEPT:
            _menus.clear()
        menu = _menus[key] = _build(scope)
    return menu


def _build(scope) -> tuple[dict, ...]:
    result: list[dict] = []
    # A seconded teacher and nothing else meets only the apps that offer pages of
    # one's own records (``own_menu``), never the clerks' sections; staff who are
    # also seconded teachers get both.
    if scope.only_own_records:
        hooks = ("own_menu",)
    elif scope.teacher:
        hooks = ("menu", "own_menu")
    else:
        hooks = ("menu",)
    for config in apps.get_app_configs():
        for hook in hooks:
            menu = getattr(config, hook, None)
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
    return tuple({**s, "items": tuple(s["items"])} for s in result)


def scope_label(request) -> str:
    labels = [m.label for m in memberships_of(request.user)]
    return "；".join(labels) or _("No role assigned")


def context(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "nav_sections": sections(request),
        "user_scope_label": scope_label(request),
        # A seconded teacher has no API tokens or clerks' to-do list to offer.
        "own_records_only": scope_of(request.user).only_own_records,
    }
