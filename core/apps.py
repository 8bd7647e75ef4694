from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("System")
    audited = True  # every write to its models is in the audit log
    api = "core.api.views"  # its ROUTES under /api/v1/

    def ready(self):
        from . import audit, logins, users

        audit.connect()
        logins.connect()
        users.connect()
