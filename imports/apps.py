from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Excel import")
    audited = False  # the rows it writes are audited by their own apps
    api = "imports.api.views"  # its ROUTES under /api/v1/

    def ready(self):
        from core.generic import LIST_EXPORTS
        from pairings import panels

        from .types import REGISTRY

        for slug, cls in REGISTRY.items():
            if cls.filterset is not None:
                LIST_EXPORTS[cls.model] = ("imports:list_export", (slug,))
        panels.register(pairing_panel)

    def menu(self, scope):
        from django.utils.translation import gettext

        from core.navigation import item
        from core.scope import can_write_model

        from .types import REGISTRY

        if not any(
            can_write_model(None, t.model, scope=scope) for t in REGISTRY.values()
        ):
            return []
        return [
            {
                "title": gettext("Data entry"),
                "items": [item(gettext("Excel import"), "imports:index")],
            }
        ]


def pairing_panel(request, pairing) -> dict:
    """The pairing page's link to entering several secondments at once."""
    from django.urls import reverse

    from .jobs import may_import

    if not may_import(request.user, "secondments"):
        return {}
    return {
        "batch_secondments_url": reverse("imports:batch_secondments", args=[pairing.pk])
    }
