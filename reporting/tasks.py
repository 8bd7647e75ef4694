import logging

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_context

from . import exports, services
from .choices import ExportStatus
from .models import ExportJob

logger = logging.getLogger(__name__)


@shared_task(name="reporting.expire_exports")
def expire_exports() -> int:
    """Beat task: delete export files older than the retention period."""
    with audit_context(source="task"):
        return services.export_jobs_expire()


@shared_task(name="reporting.build_export", acks_late=True)
def build_export(job_id: int) -> str:
    """Build one export job's file, in the scope of the user who asked."""
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status == ExportStatus.DONE:
        return "skipped"
    with audit_context(user=job.user, source="task"):
        job.status = ExportStatus.RUNNING
        job.started_at = timezone.now()
        job.error = ""
        job.save(update_fields=["status", "started_at", "error", "updated_at"])
        try:
            path = exports.build(job)
        except Exception as exc:  # the user sees a message, the log keeps the trace
            logger.exception("export job %s failed", job_id)
            job.status = ExportStatus.FAILED
            job.error = _("The export failed: %(error)s") % {"error": exc}
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at", "updated_at"])
            return "failed"
        job.file = path.name
        job.file_size = path.stat().st_size
        job.status = ExportStatus.DONE
        job.progress = 100
        job.stage = _("Done")
        job.finished_at = timezone.now()
        job.save()
    return "done"
