from celery import shared_task

from core.audit import audit_context

from . import services


@shared_task(name="reporting.expire_exports")
def expire_exports() -> int:
    """Beat task: delete export files older than the retention period."""
    with audit_context(source="task"):
        return services.export_jobs_expire()
