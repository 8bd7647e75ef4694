"""Writes of the reporting app."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .choices import ExportStatus
from .models import ExportJob


def export_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Mark finished jobs older than the retention period expired and delete their
    files. Returns how many jobs expired."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    expired = 0
    for job in ExportJob.objects.filter(
        status__in=[ExportStatus.DONE, ExportStatus.FAILED], finished_at__lt=cutoff
    ).iterator():
        with transaction.atomic():
            if job.file:
                Path(settings.EXPORT_ROOT, job.file).unlink(missing_ok=True)
            job.status = ExportStatus.EXPIRED
            job.file = ""
            job.save(update_fields=["status", "file", "updated_at"])
        expired += 1
    return expired
