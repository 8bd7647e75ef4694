"""Statistics previews, computed by the worker and never inside a web request.

Table 1 for a province takes some twenty seconds to aggregate. The page asks the
cache for the finished preview; on a miss it queues one task (a lock in the cache
keeps concurrent requests from queueing it twice) and shows a waiting page that
reloads until the worker has stored the result. The key holds the data version
(``core.freshness``, renewed by every committed write), the scope, the table, the
spec and the language, so a preview is never older than the last write and never
shown to a scope it was not computed for. The cache must be one the web processes
and the worker share (Redis, or a folder in the embedded set-up)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import islice

from celery import current_app
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from core import freshness
from core.scope import scope_digest, scope_of
from reporting.statistics.base import Spec, Table

from . import registry

# Row-per-record tables (the roster: 30,000 rows for a province) are previewed in
# part; the workbook has every row.
PREVIEW_ROWS = 500
CACHE_SECONDS = 60 * 60
# Longer than any preview takes; a worker lost on the way frees it after this.
LOCK_SECONDS = 5 * 60
# A failure is said for a while, then the next visit asks again.
FAILURE_SECONDS = 60


@dataclass
class Preview:
    """A table ready to render: at most PREVIEW_ROWS rows, as a list; or why it
    could not be computed."""

    table: Table | None = None
    truncated: bool = False
    error: str = ""


# The layout of the stored (pickled) tables: a preview stored by an earlier
# release is not read by one whose ``Table`` or ``Row`` differs (``Row`` became
# slotted in format 2).
FORMAT = 2


def key(*, user, code: str, spec: Spec, language: str | None = None) -> str:
    """The cache key of one preview. The date is part of it: some figures (reports
    overdue, people on post) move with the day."""
    filters = json.dumps(spec.as_dict(), sort_keys=True)
    parts = (
        freshness.current(),
        scope_digest(scope_of(user)),
        code,
        hashlib.sha1(filters.encode()).hexdigest(),
        language or get_language(),
        timezone.localdate().isoformat(),
    )
    return f"statistics-preview:{FORMAT}:" + ":".join(parts)


def preview(*, user, code: str, spec: Spec, again: bool = False) -> Preview | None:
    """The stored preview, or None after asking the worker for it (once for all
    the requests that wait on the same key). ``again`` forgets a failure."""
    preview_key = key(user=user, code=code, spec=spec)
    found = cache.get(preview_key)
    if found is not None and not (again and found.error):
        return found
    if again:
        cache.delete(preview_key)
    if cache.add(f"{preview_key}:lock", True, LOCK_SECONDS):
        enqueue(
            user_id=user.pk,
            code=code,
            filters=spec.as_dict(),
            language=get_language(),
            key=preview_key,
        )
    return None


def enqueue(**kwargs) -> None:
    """Queue the preview by the task's name (``reporting.tasks`` imports this
    module, not the other way round)."""
    current_app.send_task("reporting.build_preview", kwargs=kwargs)


def build(*, user, code: str, spec: Spec) -> Preview:
    """Compute one preview (in the worker): the table with its first rows."""
    table = registry.build(code, user=user, spec=spec)
    with rows_closed([table]):
        rows = list(islice(table.rows, PREVIEW_ROWS + 1))
    return Preview(
        table=replace(table, rows=rows[:PREVIEW_ROWS]),
        truncated=len(rows) > PREVIEW_ROWS,
    )


def store(preview_key: str, result: Preview) -> None:
    timeout = FAILURE_SECONDS if result.error else CACHE_SECONDS
    cache.set(preview_key, result, timeout)
    cache.delete(f"{preview_key}:lock")


@contextlib.contextmanager
def rows_closed(tables: list[Table]) -> Iterator[None]:
    """Close the streamed rows of ``tables`` (as the list holds them on the way
    out: it may grow inside the block), read to the end or not. A row iterator
    left half read holds a server-side cursor; finalised later, during another
    query on the same connection, it once deadlocked the process."""
    try:
        yield
    finally:
        for table in tables:
            close = getattr(table.rows, "close", None)
            if close is not None:
                close()
