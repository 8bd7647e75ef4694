from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Excel import")
    audited = False  # the rows it writes are audited by their own apps

    def menu(self, scope):
        from django.utils.translation import gettext

        from core.navigation import item

        if scope.is_empty:
            return []
        return [
            {
                "title": gettext("Data entry"),
                "items": [item(gettext("Excel import"), "imports:index")],
            }
        ]
