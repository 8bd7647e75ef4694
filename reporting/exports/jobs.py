"""Export jobs: asked for in the browser, built by the Celery worker.

A job stores the table and the filters (never a list of row ids), so a retry rebuilds
the same file. The worker writes to a temporary name and moves the file into place
only when complete: a crashed worker never leaves a half file to download. Asking
again for the same export while one is waiting or running joins that job.

Every way in (the statistics page, the API, a retry, the worker itself) checks the
table and filters through ``reporting.statistics.forms``: nothing here repeats the
rule."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reporting.choices import ExportStatus
from reporting.models import ExportJob
from reporting.statistics import base, checks, registry
from reporting.statistics.base import Spec
from reporting.statistics.forms import stored_spec
from reporting.statistics.previews import rows_closed

ACTIVE = [ExportStatus.PENDING, ExportStatus.RUNNING]
# A running job with no progress for this long is taken as lost with its worker.
STALE_AFTER = dt.timedelta(minutes=15)


def export_request(*, user, table: str, spec: Spec) -> tuple[ExportJob, bool]:
    """Ask for an export; returns (job, created). Joins an identical job in flight.
    ``table`` and ``spec`` come from a valid ``ExportForm`` of this user."""
    filters = spec.as_dict()
    with transaction.atomic():
        running = (
            ExportJob.objects.select_for_update()
            .filter(user=user, table=table, filters=filters, status__in=ACTIVE)
            .order_by("-created_at")
            .first()
        )
        if running is not None and not is_stale(running):
            return running, False
        job = ExportJob.objects.create(user=user, table=table, filters=filters)
        transaction.on_commit(lambda: enqueue(job.pk))
    return job, True


def enqueue(job_id: int) -> None:
    """Queue the build by the task's name (``reporting.tasks`` imports this module,
    not the other way round)."""
    current_app.send_task("reporting.build_export", args=[job_id])


def is_stale(job: ExportJob, now=None) -> bool:
    now = now or timezone.now()
    return job.status == ExportStatus.RUNNING and job.updated_at < now - STALE_AFTER


def export_retry(*, job: ExportJob) -> ExportJob:
    """Run a failed, expired or lost job again with the same filters, checked again
    as the job's user: filters that no longer hold fail the job at once, saying
    why."""
    if job.status in ACTIVE and not is_stale(job):
        return job
    try:
        stored_spec(user=job.user, table=job.table, filters=job.filters)
    except ValidationError as exc:
        job.status = ExportStatus.FAILED
        job.progress = 0
        job.stage = ""
        job.error = "；".join(exc.messages)
        job.finished_at = timezone.now()
        job.save()
        return job
    job.status = ExportStatus.PENDING
    job.progress = 0
    job.stage = ""
    job.error = ""
    job.save()
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def file_path(job: ExportJob) -> Path:
    return Path(settings.EXPORT_ROOT) / job.file


def final_name(job: ExportJob) -> str:
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d")
    return f"{job.pk}-{job.table}-{stamp}.xlsx"


def download_name(job: ExportJob) -> str:
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d")
    return f"{job.get_table_display()}-{stamp}.xlsx"


def progress(job_id: int, percent: int, stage: str) -> None:
    ExportJob.objects.filter(pk=job_id).update(
        progress=max(0, min(100, percent)), stage=stage[:100], updated_at=timezone.now()
    )


COMPUTED = (5, 30)  # the progress while the tables are computed, in percent


def build(job: ExportJob) -> Path:
    """Build the job's workbook: tables in the user's scope, written to a temporary
    name, then moved into place. Raises ValidationError (said to the user) when the
    filters no longer hold or a table's checks fail: no workbook is shipped then."""
    spec = stored_spec(user=job.user, table=job.table, filters=job.filters)
    titles = registry.available()
    codes = list(titles) if job.table == registry.YEARLY else [job.table]
    tables: list[base.Table] = []
    with rows_closed(tables), base.shared_evaluations():
        low, high = COMPUTED
        for done, code in enumerate(codes):
            # One update per table: a long job keeps showing it is alive (a job
            # without progress for STALE_AFTER is taken as lost and run again).
            progress(
                job.pk,
                low + (high - low) * done // len(codes),
                _("Computing: %(table)s") % {"table": titles[code]},
            )
            tables.append(registry.build(code, user=job.user, spec=spec))
        checks.reconcile(tables)  # the checks between tables (yearly workbook)
        failed = base.failed_checks(tables)
        if failed:
            raise ValidationError(
                _("Checks failed: %(checks)s. The workbook was not made.")
                % {"checks": "；".join(check.label for check in failed)}
            )
        return _write(job, tables)


def _write(job: ExportJob, tables: list[base.Table]) -> Path:
    from reporting.statistics.excel import build_workbook

    root = Path(settings.EXPORT_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    final = root / final_name(job)
    partial = root / f".{final.name}.{uuid.uuid4().hex}.partial"
    throttle = settings.DUIKOU_EXPORT_THROTTLE_SECONDS

    def rows_written(done):
        progress(job.pk, min(95, 30 + done // 1000), _("Writing the workbook"))
        if throttle:  # only set by the crash tests, to kill a worker mid-way
            time.sleep(throttle)

    rows_written(0)
    try:
        build_workbook(tables, partial, progress=rows_written, created=job.created_at)
        os.replace(partial, final)  # atomic on one file system
    finally:
        partial.unlink(missing_ok=True)
    return final
