from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Aid projects, funds and goods")
    audited = True  # every write to its models is in the audit log
    api = "projects.api.views"  # its ROUTES under /api/v1/

    def ready(self):
        from pairings import panels

        from .views import pairing_panel

        panels.register(pairing_panel)

    def menu(self, scope):
        from django.utils.translation import gettext

        from core.navigation import item

        return [
            {
                "title": gettext("Projects and funds"),
                "items": [
                    item(gettext("Aid projects"), "projects:aidproject_list"),
                    item(gettext("Funding lines"), "projects:fundingline_list"),
                    item(gettext("Donations"), "projects:donation_list"),
                ],
            }
        ]
