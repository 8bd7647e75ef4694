import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from core.audit import audit_context
from reporting.statistics.forms import stored_spec

from .exports import jobs as exports
from .models import ExportJob
from .reports import services
from .statistics import previews

logger = logging.getLogger(__name__)


@shared_task(name="reporting.expire_exports")
def expire_exports() -> int:
    """Beat task: delete export files older than the retention period."""
    with audit_context(source="task"):
        return services.export_jobs_expire()


@shared_task(name="reporting.sweep_exports")
def sweep_exports() -> dict:
    """Beat task, every minute: reconcile export jobs with the queue (waiting jobs
    no worker took are queued again, silent ones interrupted and built once more,
    leftover working folders removed); see ``reporting.exports.jobs``."""
    with audit_context(source="task"):
        return exports.sweep()


@shared_task(
    name="reporting.build_export",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def build_export(self, job_id: int) -> str:
    """Build one export job's file, in the scope of the user who asked. Any number
    of deliveries of the same job build it once: the first to claim it; a
    redelivery (its worker process died) takes the job over and starts afresh."""
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None:
        return "skipped"
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    with audit_context(user=job.user, source="task"):
        if not exports.claim(job, redelivered=redelivered):
            return "skipped"
        try:
            exports.finish(job, exports.build(job))
        except exports.Superseded:
            logger.warning("export job %s was taken from this build", job_id)
            return "superseded"
        except Exception as exc:
            exports.fail(job, failure_message(exc, f"export job {job_id}"))
            return "failed"
    return "done"


def failure_message(exc: Exception, what: str) -> str:
    """What the user is told when a task fails: a refusal (a ValidationError, e.g.
    filters no longer valid or checks that do not hold) in its own words; anything
    else in general words, never Python's text, with the trace in the log."""
    if isinstance(exc, ValidationError):
        logger.info("%s refused: %s", what, exc.messages)
        return "；".join(exc.messages)
    logger.error("%s failed", what, exc_info=exc)
    return _(
        "The server met an error and could not finish; it has been logged. Try "
        "again later, or tell the administrator if it fails again."
    )


@shared_task(name="reporting.build_preview")
def build_preview(*, user_id: int, code: str, filters: dict, language: str, key: str):
    """Compute one statistics preview for the page that waits on it (see
    ``reporting.statistics.previews``), in the scope and language of the user who
    asked."""
    if cache.get(key) is not None:  # another task got there first
        return "cached"
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    with translation.override(language), audit_context(user=user, source="task"):
        try:
            if user is None:
                raise ValidationError(_("Your account can no longer see statistics."))
            spec = stored_spec(user=user, table=code, filters=filters)
            result = previews.build(user=user, code=code, spec=spec)
        except Exception as exc:
            result = previews.Preview(
                error=failure_message(exc, f"preview {code} {filters}")
            )
        previews.store(key, result)
    return "failed" if result.error else "done"
