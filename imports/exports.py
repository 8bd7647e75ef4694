"""List exports: every list page of an importable record type exports its filtered
rows to Excel in the template's columns, so that the file can be edited and imported
back (the id column finds each record again). A short list is written in the
request; a long one (more than DUIKOU_LIST_EXPORT_INLINE_ROWS rows) by the worker,
with a page that shows when it is ready. The rows are those of the list page: the
same FilterSet over the same scoped queryset."""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import collector, resilience
from core.generic import filtered
from reporting.exports.jobs import heartbeat_timeout

from . import workbooks
from .models import ListExport
from .types import REGISTRY

logger = logging.getLogger(__name__)


def exports_of(user):
    return ListExport.objects.filter(user=user)


def listed(cls, user, query: QueryDict):
    """The records the list page shows for this query (its FilterSet, its scope);
    an invalid filter lists nothing, as on the page."""
    queryset = cls.queryset(user)
    if cls.filterset is None:
        return queryset.order_by("pk")

    class Request:  # what a FilterSet reads of a request
        GET = query

        def __init__(self):
            self.user = user

    _filterset, rows = filtered(cls.filterset, Request(), queryset)
    return rows.order_by("pk")


def write(cls, records, path: Path) -> None:
    """The records in the template, read a chunk at a time (with what each chunk
    prefetches), written through the row writer."""
    with translation.override("zh-hans"):
        workbooks.template(cls, records.iterator(chunk_size=2000)).save(path)


def export_file_name(cls) -> str:
    return f"{cls.title}_{timezone.localdate():%Y%m%d}.xlsx"


def request_export(*, user, slug: str, query: QueryDict) -> ListExport:
    job = ListExport.objects.create(
        user=user, record_type=slug, query=query.urlencode()
    )
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> bool:
    return resilience.wake("imports.list_export", job_id)


def build(job: ListExport) -> None:
    """The worker's part: claim, write the file, store it."""
    claim = uuid.uuid4().hex
    stale = timezone.now() - heartbeat_timeout()
    taken = ListExport.objects.filter(
        Q(status=ListExport.Status.PENDING)
        | Q(status=ListExport.Status.RUNNING, heartbeat_at__lt=stale),
        pk=job.pk,
    ).update(status=ListExport.Status.RUNNING, claim=claim, heartbeat_at=timezone.now())
    if not taken:
        return
    cls = REGISTRY[job.record_type]
    folder = Path(tempfile.mkdtemp(prefix=f"list-export-{job.pk}-"))
    path = folder / "list.xlsx"
    try:
        records = listed(cls, job.user, QueryDict(job.query))
        rows = records.count()
        with collector.long_job():
            write(cls, records, path)
        with open(path, "rb") as handle:
            name = default_storage.save(
                f"imports/lists/{uuid.uuid4().hex}.xlsx", File(handle)
            )
        ListExport.objects.filter(pk=job.pk, claim=claim).update(
            status=ListExport.Status.DONE,
            file=name,
            rows=rows,
            finished_at=timezone.now(),
        )
    except Exception:
        logger.exception("list export %s failed", job.pk)
        ListExport.objects.filter(pk=job.pk, claim=claim).update(
            status=ListExport.Status.FAILED,
            error=_(
                "The server met an error and could not finish; it has been "
                "logged. Try again later, or tell the administrator."
            ),
            finished_at=timezone.now(),
        )
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()


def sweep() -> int:
    """Queue again the list exports no worker finished (a broker that was down, a
    worker that died)."""
    stale = timezone.now() - heartbeat_timeout()
    lost = ListExport.objects.filter(
        Q(status=ListExport.Status.PENDING, created_at__lt=stale)
        | Q(status=ListExport.Status.RUNNING, heartbeat_at__lt=stale)
    )
    count = 0
    for job_id in lost.values_list("pk", flat=True):
        enqueue(job_id)
        count += 1
    return count


def inline_rows() -> int:
    return settings.DUIKOU_LIST_EXPORT_INLINE_ROWS
