from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting and statistics")
    audited = True  # every write to its models is in the audit log
    api = "reporting.api.views"  # its ROUTES under /api/v1/

    def ready(self):
        from celery import signals
        from django.db.models.signals import post_delete

        from pairings import panels, periods

        from .compliance.views import pairing_panel
        from .exports.jobs import clean_this_host, forget_file
        from .models import ExportJob
        from .reports.semesters import semesters_between

        panels.register(pairing_panel)
        periods.register_semesters(semesters_between)
        post_delete.connect(forget_file, sender=ExportJob)
        signals.worker_ready.connect(clean_this_host, weak=False)

    def menu(self, scope):
        from django.utils.translation import gettext

        from core.navigation import item

        # The compliance list belongs to the pairings a clerk looks after: it is
        # shown in their section (sections of one title are merged).
        pairings = {
            "title": gettext("Pairings"),
            "items": [item(gettext("Compliance"), "reporting:compliance")],
        }
        reports = []
        if scope.school_ids:
            reports.append(item(gettext("My reports"), "reporting:my_reports"))
        if scope.is_admin or scope.region_paths:
            reports.append(item(gettext("Review queue"), "reporting:review"))
            reports.append(item(gettext("Report completeness"), "reporting:board"))
        reports.append(
            item(gettext("Reporting periods"), "reporting:reportingperiod_list")
        )
        sections = [pairings, {"title": gettext("Semester reports"), "items": reports}]
        if scope.is_admin or scope.region_paths:
            sections.append(
                {
                    "title": gettext("Statistics"),
                    "items": [
                        item(gettext("Statistics tables"), "reporting:statistics"),
                        item(gettext("My exports"), "reporting:exports"),
                    ],
                }
            )
        return sections
