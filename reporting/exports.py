"""Export jobs: asked for in the browser, built by the Celery worker.

A job stores the table and the filters (never a list of row ids), so a retry rebuilds
the same file. The worker writes to a temporary name and moves the file into place
only when complete: a crashed worker never leaves a half file to download. Asking
again for the same export while one is waiting or running joins that job."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import ExportStatus
from .models import ExportJob
from .statistics import registry
from .statistics.base import Spec

ACTIVE = [ExportStatus.PENDING, ExportStatus.RUNNING]
# A running job with no progress for this long is taken as lost with its worker.
STALE_AFTER = dt.timedelta(minutes=15)


def export_request(*, user, table: str, spec: Spec) -> tuple[ExportJob, bool]:
    """Ask for an export; returns (job, created). Joins an identical job in flight."""
    if table != registry.YEARLY and table not in registry.available():
        raise ValueError(f"unknown table {table!r}")
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
    from .tasks import build_export

    build_export.delay(job_id)


def is_stale(job: ExportJob, now=None) -> bool:
    now = now or timezone.now()
    return job.status == ExportStatus.RUNNING and job.updated_at < now - STALE_AFTER


def export_retry(*, job: ExportJob) -> ExportJob:
    """Run a failed, expired or lost job again with the same filters."""
    if job.status in ACTIVE and not is_stale(job):
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


def build(job: ExportJob) -> Path:
    """Build the job's workbook: tables in the user's scope, written to a temporary
    name, then moved into place."""
    from .statistics.excel import build_workbook

    spec = Spec.from_dict(job.filters)
    codes = list(registry.available()) if job.table == registry.YEARLY else [job.table]
    progress(job.pk, 5, _("Computing the tables"))
    tables = registry.build_all(codes, user=job.user, spec=spec)
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
