from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")
    audited = True  # channels and reminders; deliveries are their own log

    def ready(self):
        from django.db.models.signals import post_save

        from core import audit
        from reporting.board.selectors import reminded
        from reporting.models import ReportEvent

        from . import services

        # A channel's robot address and signing secret let anyone post to the
        # group: the audit trail says that they changed, never what they are.
        audit.SECRET_FIELDS.update({"secret", "webhook_url"})
        audit.NOT_AUDITED.add("reminders.Delivery")
        reminded.connect(services.board_reminded, dispatch_uid="reminders.board")
        post_save.connect(
            services.report_event_saved,
            sender=ReportEvent,
            dispatch_uid="reminders.report_submitted",
        )

    def menu(self, scope):
        from django.utils.translation import gettext

        from core.navigation import item

        items = []
        if scope.is_admin or scope.bureau_paths:
            items.append(item(gettext("Reminder channels"), "reminders:channel_list"))
        if not scope.is_empty:
            items.append(item(gettext("Reminders sent"), "reminders:reminder_list"))
        return [{"title": gettext("Reminders"), "items": items}] if items else []
