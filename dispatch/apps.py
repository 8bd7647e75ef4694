from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Staff exchange and activities")
    audited = True  # every write to its models is in the audit log
    api = "dispatch.api.views"  # its ROUTES under /api/v1/

    def ready(self):
        from pairings import panels

        from .views import pairing_panel

        panels.register(pairing_panel)

    def own_menu(self, scope):
        """A seconded teacher's only menu: their own secondments (``/me/``)."""
        from django.utils.translation import gettext

        from core.navigation import item

        title = gettext("My secondment")
        return [{"title": title, "items": [item(title, "dispatch:teacher:home")]}]

    def menu(self, scope):
        from django.utils.translation import gettext

        from core.navigation import item

        return [
            {
                "title": gettext("Staff exchange"),
                "items": [
                    item(gettext("Secondments"), "dispatch:secondment_list"),
                    item(gettext("People"), "dispatch:person_list"),
                    item(gettext("Activities"), "dispatch:activity_list"),
                    *(
                        [item(gettext("Stints to confirm"), "dispatch:stint_pending")]
                        if scope.is_admin or scope.bureau_paths or scope.school_ids
                        else []
                    ),
                ],
            }
        ]
