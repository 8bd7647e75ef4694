from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = _("To-do inbox")
    audited = False  # it reads; the records it lists are audited by their own apps
