import logging

from celery import shared_task

from core.audit import audit_context

from . import exports, jobs
from .models import ImportJob, ListExport

logger = logging.getLogger(__name__)


@shared_task(name="imports.run", bind=True, acks_late=True, reject_on_worker_lost=True)
def run(self, job_id: int) -> str:
    """Check or apply one import job, as the user who uploaded it. Of several
    deliveries of the same job one runs it; a redelivery (its worker died) takes
    it over and resumes after the last applied chunk."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None:
        return "skipped"
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    with audit_context(user=job.user, source="import", request_id=job.change_set):
        if not jobs.claim(job, redelivered=redelivered):
            return "skipped"
        return jobs.run(job)


@shared_task(name="imports.sweep")
def sweep() -> dict:
    """Beat task: queue again the imports and list exports whose worker stopped."""
    with audit_context(source="task"):
        return {**jobs.sweep(), "list_exports": exports.sweep()}


@shared_task(name="imports.list_export", acks_late=True, reject_on_worker_lost=True)
def list_export(job_id: int) -> str:
    """Write a long list's workbook, in the scope of the user who asked."""
    job = ListExport.objects.select_related("user").filter(pk=job_id).first()
    if job is None:
        return "skipped"
    with audit_context(user=job.user, source="task"):
        exports.build(job)
    return "done"
