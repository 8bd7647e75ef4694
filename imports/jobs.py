"""Import jobs: uploaded in the browser, the API or from the command line, checked
and applied by the Celery worker; the same code for every way in.

1. ``import_upload`` stores the workbook and creates the job; the worker checks
   every row (a dry run: each row goes through its form and services inside a
   transaction that is rolled back), counts new, updated, unchanged and refused
   rows, lists every error with row and column, and writes the marked workbook.
2. ``import_confirm`` lets the worker apply it: the valid rows, or all rows only
   if none has an error. Rows are applied in chunks, each chunk one transaction
   that also moves the job's ``applied_rows``: a worker killed mid-chunk loses that
   chunk's writes and the next delivery resumes after the last whole one, without
   a duplicate. Rows find their stored record by a key (or the id column), so a
   file imported twice changes nothing the second time.
3. Every write is audited under the change set ``import-<id>``; ``import_undo``
   removes what the import created and restores what it updated, while none of
   those records has been changed since.

The job row is the truth and the queue only a wake-up call, as for exports: a job
is claimed with one conditional UPDATE, renews its heartbeat while it runs, and the
sweeper queues again a job whose worker stopped."""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import audit, bulk, collector, resilience, savepoints
from core.models import AuditEntry
from core.scope import can_write_model, scope_of
from reporting.exports.jobs import heartbeat_timeout

from . import reader, workbooks
from .choices import ImportMode, ImportStatus
from .lookups import Lookups
from .models import ImportChange, ImportJob
from .records import Outcome, Refused, Row, WriteNow
from .types import REGISTRY, record_type

logger = logging.getLogger(__name__)

RUNNING = [ImportStatus.CHECKING, ImportStatus.APPLYING]
AUTOMATIC_RUNS = 3
PROGRESS_EVERY = 200
COUNTS = (Outcome.NEW, Outcome.UPDATED, Outcome.UNCHANGED, Outcome.ERROR)


def max_bytes() -> int:
    return settings.DUIKOU_IMPORT_MAX_BYTES


def jobs_of(user):
    """The imports a user sees: their own (as exports)."""
    return ImportJob.objects.filter(user=user)


def may_import(user, slug: str) -> bool:
    """Whether the user's role may write this kind of record at all (each row is
    still checked against the scope)."""
    cls = REGISTRY.get(slug)
    return cls is not None and can_write_model(user, cls.model)


def import_upload(*, user, record_type: str, upload, file_name: str = "") -> ImportJob:
    """Store the uploaded workbook and start checking it. Refuses (ValidationError)
    a type the user may not write, and a file over the size limit; a file that is
    not a workbook fails the job with the reason (the worker reads it)."""
    if record_type not in REGISTRY:
        raise ValidationError({"record_type": _("Choose what the file holds.")})
    if not may_import(user, record_type):
        raise PermissionDenied(_("You may not import records of this kind."))
    name = (file_name or getattr(upload, "name", "") or "import.xlsx")[-255:]
    if upload.size > max_bytes():
        raise ValidationError(
            {
                "file": _("The file is larger than %(limit)s MB.")
                % {"limit": max_bytes() // (1024 * 1024)}
            }
        )
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}.xlsx", upload)
    job = ImportJob.objects.create(
        user=user, record_type=record_type, file_name=Path(name).name, file=stored
    )
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def import_confirm(*, job: ImportJob, mode: str) -> ImportJob:
    """Apply a checked import (in the background)."""
    if mode not in ImportMode.values:
        raise ValidationError(_("Choose what to import."))
    if mode == ImportMode.ALL_OR_NOTHING and job.counts.get(Outcome.ERROR):
        raise ValidationError(
            _(
                "%(count)s rows have errors: fix them and upload the file again, or "
                "import the rows without errors."
            )
            % {"count": job.counts[Outcome.ERROR]}
        )
    if not _move(
        job,
        Q(status=ImportStatus.CHECKED),
        status=ImportStatus.APPLYING,
        mode=mode,
        progress=0,
        stage="",
        claim="",
        attempts=0,
    ):
        raise ValidationError(_("This import is not waiting for confirmation."))
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def import_cancel(*, job: ImportJob) -> None:
    if not _move(job, Q(status=ImportStatus.CHECKED), status=ImportStatus.CANCELLED):
        raise ValidationError(_("This import is not waiting for confirmation."))


def enqueue(job_id: int) -> bool:
    """A wake-up call for the worker; a broker that cannot be reached is logged and
    the sweeper queues the job when it is back."""
    return resilience.wake("imports.run", job_id)


def _move(job: ImportJob, condition: Q, **values) -> bool:
    moved = ImportJob.objects.filter(condition, pk=job.pk).update(
        updated_at=timezone.now(), **values
    )
    if moved:
        job.refresh_from_db()
    return bool(moved)


# The worker's side ----------------------------------------------------------------


def claim(job: ImportJob, *, redelivered: bool = False) -> bool:
    """Take a checking or applying job for this delivery: when nobody has it, when
    its worker's heartbeat stopped, or at once on a redelivery (its worker died)."""
    now = timezone.now()
    free = Q(claim="")
    lost = Q(attempts__lt=AUTOMATIC_RUNS)
    if not redelivered:
        lost &= Q(heartbeat_at__lt=now - heartbeat_timeout())
    return _move(
        job,
        Q(status__in=RUNNING) & (free | lost),
        claim=uuid.uuid4().hex,
        attempts=F("attempts") + 1,
        heartbeat_at=now,
    )


def run(job: ImportJob) -> str:
    """Check or apply the job, whichever its status asks."""
    with translation.override("zh-hans"), collector.long_job():
        try:
            if job.status == ImportStatus.CHECKING:
                check(job)
            elif job.status == ImportStatus.APPLYING:
                apply(job)
        except reader.BadFile as problem:
            _fail(job, str(problem))
            return "refused"
        except ValidationError as problem:
            _fail(job, "；".join(problem.messages))
            return "refused"
        except Exception:
            logger.exception("import job %s failed", job.pk)
            _fail(
                job,
                _(
                    "The server met an error and could not finish; it has been "
                    "logged. Try again later, or tell the administrator."
                ),
            )
            return "failed"
    return job.status


def _fail(job: ImportJob, message: str) -> None:
    _move(
        job,
        Q(status__in=RUNNING, claim=job.claim),
        status=ImportStatus.FAILED,
        error=message,
        claim="",
    )


def _beat(job: ImportJob, done: int, total: int, stage: str) -> None:
    """The job's progress and heartbeat. The dry run writes them inside its own
    transaction, which the page and the sweeper do not see until it ends: the
    page reads the progress from the cache (``progress_of``), and the sweeper
    leaves alone a job whose row the dry run holds (``check``, ``sweep``)."""
    percent = min(99, int(100 * done / total)) if total else 0
    ImportJob.objects.filter(pk=job.pk).update(
        progress=percent, stage=stage, heartbeat_at=timezone.now()
    )
    cache.set(
        _progress_key(job),
        (percent, stage),
        timeout=5 * heartbeat_timeout().total_seconds(),
    )


def _progress_key(job: ImportJob) -> str:
    """The progress of this run of the job (a check, an apply, a retry: each
    claims the job anew), so that an apply does not start at its check's."""
    return f"imports:progress:{job.pk}:{job.claim}"


def progress_of(job: ImportJob) -> tuple[int, str]:
    """(percent, stage) of a running job as its worker last told, which for a
    dry run is only in the cache; the stored ones without a cache."""
    if job.status in RUNNING:
        told = cache.get(_progress_key(job))
        if told is not None and told[0] >= job.progress:
            return told
    return job.progress, job.stage


def _local_copy(job: ImportJob) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"import-{job.pk}-"))
    path = folder / "upload.xlsx"
    with default_storage.open(job.file, "rb") as source, open(path, "wb") as target:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            target.write(chunk)
    return path


def _read(job: ImportJob, path: Path):
    cls = record_type(job.record_type)
    return cls, reader.read(path, cls.all_columns())


def _problem(sheet, row: Row, column: str, message: str) -> dict:
    header = next((c.header for c in sheet.columns.values() if c.name == column), "")
    return {
        "row": row.number,
        "column": sheet.letter(column),
        "header": header,
        "message": message,
    }


def check(job: ImportJob) -> None:
    """The dry run: every row through its form and services, all rolled back."""
    path = _local_copy(job)
    try:
        cls, sheet = _read(job, path)
        importer = cls(job.user, Lookups(job.user), units=sheet.units)
        counts, problems = Counter(), []
        with transaction.atomic():
            # The job's row is held while the check's transaction lasts: the
            # sweeper takes a job whose heartbeat it does not see only once a
            # dead worker's transaction has let the row go.
            ImportJob.objects.select_for_update().filter(pk=job.pk).first()
            with audit.audit_context(
                user=job.user, source="import", request_id=job.change_set
            ):
                for done, row in process_rows(importer, sheet.rows, dry_run=True):
                    counts[row.outcome.status] += 1
                    for column, message in row.errors.items():
                        problems.append(_problem(sheet, row, column, message))
                    row.forget()
                    if done % PROGRESS_EVERY == 0:
                        _beat(job, done, len(sheet.rows), _("checking rows"))
            transaction.set_rollback(True)
        error_file = ""
        if problems:
            error_file = workbooks.store_marked(job, path, sheet, problems)
        _move(
            job,
            Q(status=ImportStatus.CHECKING, claim=job.claim),
            status=ImportStatus.CHECKED,
            rows=len(sheet.rows),
            counts={k: counts.get(k, 0) for k in COUNTS},
            problems=problems,
            warnings=sheet.warnings,
            error_file=error_file,
            progress=100,
            stage="",
            claim="",
            checked_at=timezone.now(),
        )
    finally:
        _remove(path)


def process_rows(importer, rows: list[Row], *, dry_run: bool = False):
    """(rows done, row) for each row, its ``outcome`` set, a chunk at a time: the
    chunk's rows are read, what they name is found in a few queries, each row is
    processed (its new records queued and inserted together at the chunk's end,
    where the type allows, ``records.Inserts``; otherwise in its savepoint), their
    audit entries are written together, and the scope of what they saved is
    checked in one query per model. A chunk that saved something outside the
    scope, or whose queued inserts the database refused (rare cases), is rolled
    back and processed again row by row, each row checked and saved at once, so
    that only the rows at fault are refused. In a dry run (every write rolled
    back) no audit entry is made."""
    chunk = settings.DUIKOU_IMPORT_CHUNK_ROWS
    keep = not dry_run
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        point = transaction.savepoint()
        learned = importer.lookups.checkpoint()
        try:
            with audit.deferred(keep=keep):
                _chunk(importer, part)
                importer.flush()
                strays = importer.outside_scope()
        except Refused:
            strays = True
        if strays:
            transaction.savepoint_rollback(point)
            importer.lookups.rollback_to(learned)
            importer.inserts.clear()
            importer.saved = []
            part[:] = [Row(row.number, row.cells) for row in part]
            importer.careful = True
            try:
                with audit.deferred(keep=keep):
                    _chunk(importer, part)
            finally:
                importer.careful = False
        transaction.savepoint_commit(point)
        importer.settle()
        rows[start : start + chunk] = part
        yield from enumerate(part, start=start + 1)


def _chunk(importer, part: list[Row]) -> None:
    importer.read_chunk(part)
    importer.prepare([row for row in part if not row.errors])
    for row in part:
        row.outcome = _process(importer, row)


def _process(importer, row: Row) -> Outcome:
    """One row: queued while its type queues (nothing written, so nothing to roll
    back but what it queued), else in its savepoint, rolled back when the row
    fails (its writes need none of their own, ``core.savepoints``). A queued row
    that must write at once (``WriteNow``) goes the second way, after the rows
    before it are inserted."""
    if not importer.queueing:
        return _process_at_once(importer, row)
    written, queued = audit.mark(), importer.inserts.mark()
    saved, learned = len(importer.saved), importer.lookups.checkpoint()
    errors = dict(row.errors)
    try:
        outcome = importer.process(row)
    except WriteNow:
        outcome = None
    if outcome is not None and outcome.status != Outcome.ERROR:
        return outcome
    audit.drop_since(written)
    importer.inserts.drop_since(queued)
    del importer.saved[saved:]
    importer.lookups.rollback_to(learned)
    if outcome is not None:
        return outcome
    row.errors = errors
    importer.flush()
    importer.at_once = True
    try:
        return _process_at_once(importer, row)
    finally:
        importer.at_once = False


def _process_at_once(importer, row: Row) -> Outcome:
    point = transaction.savepoint()
    written = audit.mark()
    saved = len(importer.saved)
    learned = importer.lookups.checkpoint()
    try:
        with savepoints.covering():
            outcome = importer.process(row)
    except Exception:
        _roll_back(point)
        raise
    if outcome.status == Outcome.ERROR:
        _roll_back(point)
        audit.drop_since(written)
        del importer.saved[saved:]
        importer.lookups.rollback_to(learned)
    else:
        transaction.savepoint_commit(point)
    return outcome


def _roll_back(point) -> None:
    """Back to the row's savepoint: the transaction is sound again, whatever
    failed inside. A write without a savepoint of its own that failed marked the
    whole block for rollback; the mark is lifted first (it would refuse the
    rollback to the savepoint too), as the savepoint undoes the failure."""
    transaction.set_rollback(False)
    transaction.savepoint_rollback(point)


def apply(job: ImportJob) -> None:
    """Write the rows, chunk by chunk, resuming after ``applied_rows``."""
    path = _local_copy(job)
    try:
        cls, sheet = _read(job, path)
        importer = cls(job.user, Lookups(job.user), units=sheet.units)
        rows = sheet.rows
        if job.mode == ImportMode.ALL_OR_NOTHING:
            _apply_all(job, importer, sheet)
        else:
            chunk = settings.DUIKOU_IMPORT_CHUNK_ROWS
            start = job.applied_rows
            while start < len(rows):
                _apply_chunk(job, importer, sheet, start, rows[start : start + chunk])
                start += chunk
                _beat(job, start, len(rows), _("importing rows"))
                if settings.DUIKOU_IMPORT_THROTTLE_SECONDS:
                    time.sleep(settings.DUIKOU_IMPORT_THROTTLE_SECONDS)
        _finish(job, len(rows))
    finally:
        _remove(path)


def _apply_chunk(job, importer, sheet, start: int, rows: list[Row]) -> None:
    with (
        transaction.atomic(),
        audit.audit_context(user=job.user, source="import", request_id=job.change_set),
    ):
        # The chunk is ours only while we hold the job: a sweeper or another
        # delivery that took it over stops this one here.
        held = ImportJob.objects.select_for_update().filter(
            pk=job.pk, claim=job.claim, status=ImportStatus.APPLYING
        )
        current = held.first()
        if current is None:
            raise ValidationError(_("The import was taken over by another run."))
        if current.applied_rows > start:
            return  # applied by a run before this one
        counts = Counter(current.counts.get("applied", {}))
        kept = []
        for _done, row in process_rows(importer, rows):
            counts[row.outcome.status] += 1
            kept += _kept(job, row, row.outcome)
            row.forget()
        bulk.insert(ImportChange, kept)
        held.update(
            applied_rows=start + len(rows),
            counts={**current.counts, "applied": dict(counts)},
            heartbeat_at=timezone.now(),
        )


def _apply_all(job, importer, sheet) -> None:
    with (
        transaction.atomic(),
        audit.audit_context(user=job.user, source="import", request_id=job.change_set),
    ):
        counts = Counter()
        kept = []
        for done, row in process_rows(importer, sheet.rows):
            outcome = row.outcome
            counts[outcome.status] += 1
            if outcome.status == Outcome.ERROR:
                raise ValidationError(
                    _(
                        "Row %(row)s has an error now (the data changed since the "
                        "check): nothing was imported. Check the file again."
                    )
                    % {"row": row.number}
                )
            kept += _kept(job, row, outcome)
            row.forget()
            if done % PROGRESS_EVERY == 0:
                _beat(job, done, len(sheet.rows), _("importing rows"))
        bulk.insert(ImportChange, kept)
        ImportJob.objects.filter(pk=job.pk).update(
            applied_rows=len(sheet.rows),
            counts={**job.counts, "applied": dict(counts)},
        )


def _kept(job: ImportJob, row: Row, outcome: Outcome) -> list[ImportChange]:
    """What the row wrote, kept for undo."""
    return [
        ImportChange(
            job_id=job.pk,
            row=row.number,
            content_type_id=ContentType.objects.get_for_model(type(obj)).pk,
            object_id=obj.pk,
            action=action,
            before=before,
        )
        for obj, action, before in outcome.written
    ]


def _finish(job: ImportJob, rows: int) -> None:
    job.refresh_from_db()
    applied = job.counts.get("applied", {})
    with audit.audit_context(user=job.user, source="import", request_id=job.change_set):
        if _move(
            job,
            Q(status=ImportStatus.APPLYING, claim=job.claim),
            status=ImportStatus.APPLIED,
            progress=100,
            stage="",
            claim="",
            applied_at=timezone.now(),
        ):
            audit.record(
                job,
                "create",
                {
                    "file_name": [None, job.file_name],
                    "record_type": [None, str(REGISTRY[job.record_type].title)],
                    "rows": [None, rows],
                    **{f"count_{k}": [None, applied.get(k, 0)] for k in COUNTS},
                },
                # Seen in the audit log by the bureaus of the importing user.
                region_paths="".join(
                    f" {p}" for p in sorted(scope_of(job.user).bureau_paths)
                ),
            )


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
        path.parent.rmdir()
    except OSError:  # pragma: no cover - a leftover temp folder is harmless
        logger.warning("could not remove %s", path.parent)


# Undo -----------------------------------------------------------------------------


def changed_since(job: ImportJob) -> int:
    """How many of the records this import wrote were changed by anything else
    after it wrote them (the audit log says)."""
    mine = AuditEntry.objects.filter(request_id=job.change_set)
    last = {}
    for ct, oid, pk in mine.values_list("content_type_id", "object_id", "pk"):
        last[(ct, oid)] = max(pk, last.get((ct, oid), 0))
    if not last:
        return 0
    first = min(last.values())
    later = (
        AuditEntry.objects.filter(pk__gt=first)
        .exclude(request_id=job.change_set)
        .filter(
            content_type_id__in={ct for ct, _ in last},
            object_id__in={oid for _, oid in last},
        )
        .values_list("content_type_id", "object_id", "pk")
    )
    return len({(ct, oid) for ct, oid, pk in later if pk > last.get((ct, oid), pk)})


def import_undo(*, job: ImportJob) -> int:
    """Remove what the import created and put back what it updated; refused once
    any of its records has been changed since. Returns the records touched."""
    if job.status != ImportStatus.APPLIED:
        raise ValidationError(_("Only a finished import can be undone."))
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportStatus.APPLIED:
            raise ValidationError(_("Only a finished import can be undone."))
        count = changed_since(job)
        if count:
            raise ValidationError(
                _(
                    "%(count)s of the imported records have been changed since, so "
                    "the import can no longer be undone."
                )
                % {"count": count}
            )
        touched = 0
        with audit.audit_context(
            user=job.user, source="import", request_id=f"{job.change_set}-undo"
        ):
            for change in job.changes.select_related("content_type").order_by("-id"):
                model = change.content_type.model_class()
                obj = model._base_manager.filter(pk=change.object_id).first()
                if obj is None:
                    continue
                if change.action == "create":
                    obj.delete()
                else:
                    _restore(obj, change.before or {})
                touched += 1
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.UNDONE, undone_at=timezone.now()
        )
    job.refresh_from_db()
    return touched


def _restore(obj, before: dict) -> None:
    for f in obj._meta.concrete_fields:
        if f.attname in before and f.attname not in ("version", "updated_at"):
            raw = before[f.attname]
            setattr(obj, f.attname, None if raw is None else f.to_python(raw))
    obj.save()


# The sweeper ------------------------------------------------------------------------


def sweep(*, now=None) -> dict:
    """Queue again the checking or applying jobs whose worker stopped (a heartbeat
    older than the timeout, or never claimed); fail them after three runs."""
    now = now or timezone.now()
    done = Counter()
    with transaction.atomic():
        # A job whose row is held is being checked by a live worker (``check``).
        silent = (
            ImportJob.objects.filter(status__in=RUNNING)
            .filter(
                Q(heartbeat_at__lt=now - heartbeat_timeout())
                | Q(heartbeat_at__isnull=True, created_at__lt=now - heartbeat_timeout())
            )
            .select_for_update(skip_locked=True)
        )
        for job in silent:
            done[_sweep_one(job)] += 1
    return {"queued": done["queued"], "failed": done["failed"]}


def _sweep_one(job: ImportJob) -> str:
    """Queue the silent job again, or fail it after its automatic runs."""
    if job.attempts >= AUTOMATIC_RUNS:
        _move(
            job,
            Q(status__in=RUNNING),
            status=ImportStatus.FAILED,
            claim="",
            error=_(
                "The worker stopped several times on this file; it was not "
                "finished. Try again, or tell the administrator."
            ),
        )
        return "failed"
    ImportJob.objects.filter(pk=job.pk).update(claim="")
    transaction.on_commit(lambda: enqueue(job.pk))
    return "queued"
