from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairingsConfig(AppConfig):
    name = "pairings"
    verbose_name = _("Pairings")
    audited = True  # every write to its models is in the audit log
    api = "pairings.api.views"  # its ROUTES under /api/v1/

    def menu(self, scope):
        from django.utils.translation import gettext

        from core.navigation import item

        return [
            {
                "title": gettext("Pairings"),
                "items": [
                    item(gettext("Pairings"), "pairings:pairing_list"),
                    item(gettext("Agreements"), "pairings:agreement_list"),
                    item(gettext("Programmes"), "pairings:programme_list"),
                    item(gettext("Schools"), "pairings:school_list"),
                ],
            }
        ]
