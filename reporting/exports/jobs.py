"""Export jobs: asked for in the browser or the API, built by the Celery worker.

A job stores the table and the filters (never a list of row ids), so a retry rebuilds
the same file. The worker writes in a working folder of its own on the local disk and
hands the file to the "exports" storage (``core.storage``) only when complete: a
crashed worker never leaves a half file to download. The storage is the local file
system (the file is moved into place) or a bucket every web and worker host shares.

Nothing is lost between the job and the queue. The job row is the truth; the queue
only carries a wake-up call:
- a job is committed first, then queued; a broker that cannot be reached leaves it
  waiting with no queue time, and the request answers normally;
- a worker takes a job with one conditional UPDATE (its claim): of two deliveries of
  the same job (a redelivery, a second wake-up call) one builds, the other skips;
- the build renews its heartbeat through every phase (each SQL statement of the
  table computation, every 1,000 rows written); a heartbeat that does not come back
  means the job was taken from this build, which stops;
- the sweeper (a beat task, every minute) queues waiting jobs that no worker took,
  marks a running job whose heartbeat stopped interrupted and queues it once more by
  itself, fails it after that, and removes working folders no build owns;
- asking again for an export that waits or was lost queues it again.

Every way in (the statistics page, the API, a retry, the worker itself) checks the
table and filters through ``reporting.statistics.forms``: nothing here repeats the
rule. A user sees and downloads only their own jobs (``jobs_of``), administrators
included."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files import File
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import audit, resilience, storage
from reporting.choices import ExportStatus
from reporting.models import ExportJob, ReportingPeriod
from reporting.statistics import base, checks, registry
from reporting.statistics.base import Spec
from reporting.statistics.forms import stored_spec
from reporting.statistics.previews import rows_closed

logger = logging.getLogger(__name__)

# Not finished: an identical request joins such a job or queues it again.
ACTIVE = [ExportStatus.PENDING, ExportStatus.RUNNING, ExportStatus.INTERRUPTED]
# A worker may claim these.
WAITING = [ExportStatus.PENDING, ExportStatus.INTERRUPTED]
# The first build and one automatic retry after an interruption.
AUTOMATIC_BUILDS = 2
# A job just created is queued by its own request; the sweeper leaves it alone
# for this long.
GRACE = dt.timedelta(seconds=5)
# A working folder no running build owns is removed once it is this old.
LEFTOVER_AGE = dt.timedelta(seconds=10)
WORK_FOLDER = ".work"


class Outcome:
    """What asking for an export, or 重试, did: said to the user truthfully."""

    STARTED = "started"  # a new job
    JOINED = "joined"  # the same export is being built: shown
    QUEUED_AGAIN = "queued_again"  # a waiting or lost job queued again
    RESTARTED = "restarted"  # a failed, interrupted or expired job started again
    RUNNING = "running"  # 重试 on a job being built: nothing done
    DONE = "done"  # 重试 on a finished job: nothing done
    REFUSED = "refused"  # the filters no longer hold: the job failed, saying why


class Superseded(Exception):
    """The job was taken from this build (interrupted by the sweeper and claimed
    by another delivery, or started again): stop without touching it."""


def heartbeat_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=settings.DUIKOU_EXPORT_HEARTBEAT_TIMEOUT)


def jobs_of(user):
    """The export jobs a user sees, in the pages and the API: their own. An
    administrator's data scope is everything, but a job is a person's request and
    its file: no one else's (the admin site lists all jobs, without files)."""
    return ExportJob.objects.filter(user=user)


def export_request(*, user, table: str, spec: Spec) -> tuple[ExportJob, str]:
    """Ask for an export; returns (job, outcome). Joins an identical job being built;
    one that waits or was lost is queued again. ``table`` and ``spec`` come from a
    valid ``ExportForm`` of this user."""
    filters = spec.as_dict()
    with transaction.atomic():
        found = (
            ExportJob.objects.select_for_update()
            .filter(user=user, table=table, filters=filters, status__in=ACTIVE)
            .order_by("-created_at")
            .first()
        )
        if found is not None and is_alive(found):
            return found, Outcome.JOINED
        if found is not None:
            _queue_again(found)
            return found, Outcome.QUEUED_AGAIN
        job = ExportJob.objects.create(user=user, table=table, filters=filters)
        transaction.on_commit(lambda: enqueue(job.pk))
    return job, Outcome.STARTED


def export_retry(*, job: ExportJob) -> tuple[ExportJob, str]:
    """重试: start a job that is not done again, with the same filters checked
    again as the job's user: filters that no longer hold fail the job at once,
    saying why. A job being built, or done, is left as it is."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ExportStatus.DONE:
            return job, Outcome.DONE
        if job.status == ExportStatus.RUNNING and not is_stale(job):
            return job, Outcome.RUNNING
        try:
            stored_spec(user=job.user, table=job.table, filters=job.filters)
        except ValidationError as exc:
            _move(
                job,
                Q(),
                status=ExportStatus.FAILED,
                claim="",
                progress=0,
                stage="",
                error="；".join(exc.messages),
                finished_at=timezone.now(),
            )
            return job, Outcome.REFUSED
        waiting = job.status in ACTIVE
        _queue_again(job, attempts=0)
    return job, Outcome.QUEUED_AGAIN if waiting else Outcome.RESTARTED


def outcome_message(job: ExportJob, outcome: str) -> str:
    """The words for the user after a request or a 重试, the same on the page and
    in the API."""
    said = {
        Outcome.STARTED: "",
        Outcome.JOINED: _("The same export is already being built: showing it."),
        Outcome.QUEUED_AGAIN: _(
            "This export had not started or had stopped: it was queued again."
        ),
        Outcome.RESTARTED: _("The export was started again."),
        Outcome.RUNNING: _("The export is being built: there is nothing to retry."),
        Outcome.DONE: _("The export is already done: download it."),
        Outcome.REFUSED: job.error,
    }[outcome]
    if outcome in (Outcome.STARTED, Outcome.QUEUED_AGAIN, Outcome.RESTARTED):
        job.refresh_from_db(fields=["enqueued_at", "status"])
        if job.status in WAITING and job.enqueued_at is None:
            said = " ".join(filter(None, [said, str(_queue_down_note())]))
    return said


def _queue_down_note():
    return _(
        "The task queue cannot be reached at the moment: the export is saved and "
        "will start by itself when the queue is back; there is no need to ask again."
    )


def note(job: ExportJob) -> str:
    """A line on the job's state beyond its status, for the page and the API."""
    if job.status == ExportStatus.INTERRUPTED:
        return _("The build stopped; it will start again by itself.")
    if job.status in WAITING and job.enqueued_at is None:
        return str(_queue_down_note())
    if is_stale(job):
        return _(
            "No sign of progress for over a minute: it will be started again by "
            "itself, or click Retry."
        )
    return ""


def can_retry(job: ExportJob) -> bool:
    """Every job that is not done, except one being built, shows 重试."""
    if job.status == ExportStatus.DONE:
        return False
    return job.status != ExportStatus.RUNNING or is_stale(job)


def is_alive(job: ExportJob, now=None) -> bool:
    """A job worth joining: being built with a recent heartbeat, or waiting in
    the queue since recently."""
    now = now or timezone.now()
    if job.status == ExportStatus.RUNNING:
        return not is_stale(job, now)
    if job.status == ExportStatus.PENDING and job.enqueued_at is not None:
        return job.enqueued_at >= now - requeue_after()
    # Just asked for: its request is queueing it.
    return job.status == ExportStatus.PENDING and job.updated_at >= now - GRACE


def is_stale(job: ExportJob, now=None) -> bool:
    """A running job whose heartbeat stopped: its worker is taken as lost."""
    now = now or timezone.now()
    last = job.heartbeat_at or job.updated_at
    return job.status == ExportStatus.RUNNING and last < now - heartbeat_timeout()


def requeue_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.DUIKOU_EXPORT_REQUEUE_SECONDS)


def _queue_again(job: ExportJob, **values) -> None:
    """Back to waiting (inside the caller's transaction), queued on commit. A build
    still running on it loses its claim and stops at its next heartbeat."""
    _move(
        job,
        Q(),
        status=ExportStatus.PENDING,
        claim="",
        enqueued_at=None,
        progress=0,
        stage="",
        error="",
        finished_at=None,
        **values,
    )
    transaction.on_commit(lambda: enqueue(job.pk))


def enqueue(job_id: int) -> bool:
    """Put a wake-up call for the job in the queue, by the task's name
    (``reporting.tasks`` imports this module, not the other way round). A broker
    that cannot be reached is logged, not raised: the job waits without a queue
    time and the sweeper queues it when the broker is back."""
    if not resilience.wake("reporting.build_export", job_id):
        return False
    ExportJob.objects.filter(pk=job_id, status__in=WAITING).update(
        enqueued_at=timezone.now()
    )
    return True


# The worker's side ----------------------------------------------------------------


def claim(job: ExportJob, *, redelivered: bool = False) -> bool:
    """Take the job for this delivery of the task; False when there is nothing to
    build (done, failed, or being built by a live worker). One conditional UPDATE:
    of two deliveries of the same job only one wins. A running job is taken over,
    while it has automatic builds left, when its heartbeat stopped, or at once by a
    redelivery: the broker gives a message again when the worker process that had
    it died (``reject_on_worker_lost``; a killed pool process is redelivered within
    a second, its heartbeat still fresh) or after its visibility timeout (an hour,
    longer than any build)."""
    now = timezone.now()
    lost = Q(status=ExportStatus.RUNNING, attempts__lt=AUTOMATIC_BUILDS)
    if not redelivered:
        lost &= Q(heartbeat_at__lt=now - heartbeat_timeout())
    takeable = Q(status__in=WAITING) | lost
    return _move(
        job,
        takeable,
        status=ExportStatus.RUNNING,
        claim=uuid.uuid4().hex,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        stage="",
        error="",
        finished_at=None,
    )


def finish(job: ExportJob, name: str) -> None:
    """The job is done, with its file ``name`` in the exports storage. A build the
    job was taken from meanwhile removes the file it stored and stops."""
    files = storage.exports()
    if not _move(
        job,
        Q(status=ExportStatus.RUNNING, claim=job.claim),
        status=ExportStatus.DONE,
        file=name,
        file_size=files.size(name),
        progress=100,
        stage=_("Done"),
        finished_at=timezone.now(),
    ):
        files.delete(name)
        raise Superseded


def forget_file(sender, instance: ExportJob, **kwargs) -> None:
    """A deleted job (its user deleted, or by hand in the shell) takes its stored
    workbook with it once the deletion is committed; a file already gone is no
    error."""
    if instance.file:
        name = instance.file
        transaction.on_commit(lambda: storage.exports().delete(name))


def fail(job: ExportJob, message: str) -> None:
    _move(
        job,
        Q(status=ExportStatus.RUNNING, claim=job.claim),
        status=ExportStatus.FAILED,
        error=message,
        finished_at=timezone.now(),
    )


def heartbeat(job: ExportJob, **values) -> None:
    """A sign of life (and progress, if given) from the build that holds the job;
    Superseded when it no longer does."""
    now = timezone.now()
    alive = ExportJob.objects.filter(
        pk=job.pk, status=ExportStatus.RUNNING, claim=job.claim
    ).update(heartbeat_at=now, updated_at=now, **values)
    if not alive:
        raise Superseded


def progress(job: ExportJob, percent: int, stage: str) -> None:
    heartbeat(job, progress=max(0, min(100, percent)), stage=stage[:100])


def _move(job: ExportJob, condition: Q, **values) -> bool:
    """Change ``job`` with one UPDATE that holds only under ``condition``; whether
    it held. ``job`` is read again, and a change of its status, error or file goes
    to the audit trail (a queryset update sends no signal)."""
    values["updated_at"] = timezone.now()
    if not ExportJob.objects.filter(condition, pk=job.pk).update(**values):
        return False
    before = audit.snapshot(job)
    job.refresh_from_db()
    after = audit.snapshot(job)
    changes = {
        name: [before[name], after[name]]
        for name in ("status", "error", "file", "file_size")
        if before[name] != after[name]
    }
    if changes:
        audit.record(job, "update", changes, region_paths="")
    return True


# The sweeper ----------------------------------------------------------------------


def sweep(*, now: dt.datetime | None = None) -> dict:
    """Reconcile jobs with the queue (the beat task ``reporting.sweep_exports``):
    a running job whose heartbeat stopped is interrupted and queued once more by
    itself (failed after that, with 重试); a waiting job the queue does not hold
    (never queued, or queued long ago and never claimed) is queued again; working
    folders that no running build owns are removed. Returns what it did."""
    now = now or timezone.now()
    done = {"interrupted": 0, "failed": 0, "queued": 0, "removed": 0}
    cutoff = now - heartbeat_timeout()
    silent = ExportJob.objects.filter(status=ExportStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff)
    )
    for job in silent.iterator():
        held = Q(status=ExportStatus.RUNNING, claim=job.claim)
        if job.attempts < AUTOMATIC_BUILDS:
            if _move(
                job, held, status=ExportStatus.INTERRUPTED, claim="", enqueued_at=None
            ):
                done["interrupted"] += 1
                done["queued"] += enqueue(job.pk)
        elif _move(
            job,
            held,
            status=ExportStatus.FAILED,
            claim="",
            error=_(
                "The build stopped twice before it was finished (the server may have "
                "restarted). Click Retry to build it again."
            ),
            finished_at=now,
        ):
            done["failed"] += 1
    orphans = ExportJob.objects.filter(status__in=WAITING).filter(
        Q(enqueued_at__isnull=True, updated_at__lt=now - GRACE)
        | Q(enqueued_at__lt=now - requeue_after())
    )
    for job_id in orphans.values_list("pk", flat=True):
        done["queued"] += enqueue(job_id)
    done["removed"] = remove_leftovers()
    return done


def remove_leftovers() -> int:
    """Remove working folders no running build owns (a worker killed mid-way):
    the half-written workbook and openpyxl's temporary files in it. A folder made
    in the last ``LEFTOVER_AGE`` is left alone: its build may have claimed its job
    after the running builds were read. Each host cleans its own disk: the
    sweeper's host every minute, every worker's host when the worker starts."""
    work = work_root()
    if not work.is_dir():
        return 0
    running = {
        f"{pk}-{claim}"
        for pk, claim in ExportJob.objects.filter(
            status=ExportStatus.RUNNING
        ).values_list("pk", "claim")
    }
    settled = time.time() - LEFTOVER_AGE.total_seconds()
    removed = 0
    for folder in work.iterdir():
        if folder.name in running:
            continue
        try:
            if folder.stat().st_mtime > settled:
                continue
        except FileNotFoundError:  # removed meanwhile by its own build
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def clean_this_host(**_signal) -> None:
    """At a worker's start (Celery's ``worker_ready``): the folders a killed worker
    left on this host, which the sweeper, running on another host, cannot see."""
    try:
        removed = remove_leftovers()
    except Exception:  # noqa: BLE001 - never keep a worker from starting
        logger.exception("removing leftover export folders failed")
        return
    if removed:
        logger.info("removed %s leftover export working folder(s)", removed)


# The build ------------------------------------------------------------------------


def work_root() -> Path:
    """Where builds write, on this host's disk whatever the exports storage: under
    ``EXPORT_ROOT``, so that the local storage takes a finished file with a rename."""
    return Path(settings.EXPORT_ROOT) / WORK_FOLDER


def final_name(job: ExportJob) -> str:
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d")
    return f"{job.pk}-{job.table}-{stamp}.xlsx"


def describe(jobs) -> None:
    """Give each job its ``period_label`` and ``region_label``, what its workbook
    covers, as the download centre lists them: one query per kind of object the
    jobs name, whatever their number."""
    from pairings.models import Programme, Region

    specs = {job.pk: Spec.from_dict(job.filters) for job in jobs}
    wanted = {
        ReportingPeriod: {s.semester for s in specs.values() if s.span == "semester"},
        Programme: {s.programme for s in specs.values() if s.span == "cycle"},
        Region: {s.region for s in specs.values()},
    }
    known = {}
    for model, ids in wanted.items():
        ids = {int(i) for i in ids if str(i or "").isdigit()}
        for pk, obj in model.objects.in_bulk(ids).items() if ids else ():
            known[(model, pk)] = obj
    for job in jobs:
        spec = specs[job.pk]
        try:
            job.period_label = base.period_of(spec, known).label
        except (ObjectDoesNotExist, TypeError, ValueError):
            job.period_label = _("no longer available")
        region = known.get((Region, int(spec.region))) if spec.region else None
        job.region_label = region.name if region else _("your whole data scope")


def download_name(job: ExportJob) -> str:
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d")
    return f"{job.get_table_display()}-{stamp}.xlsx"


COMPUTED = (5, 30)  # the progress while the tables are computed, in percent
# Threads computing a workbook's tables beside its writing: at national scale a
# second one gained nothing (47.5 against 48.6 s) and held 150 MB more.
BUILDERS = 1


def build(job: ExportJob) -> str:
    """Build the claimed job's workbook: tables in the user's scope, written in a
    working folder, then stored; returns its name in the exports storage. Raises
    ValidationError (said to the user) when the filters no longer hold or a table's
    checks fail: no workbook is shipped then; Superseded when the job was taken
    from this build."""
    spec = stored_spec(user=job.user, table=job.table, filters=job.filters)
    titles = registry.available()
    codes = list(titles) if job.table == registry.YEARLY else [job.table]
    tables: list[base.Table] = []
    with (
        _heartbeat_per_statement(job),
        rows_closed(tables),
        base.shared_evaluations(),
    ):
        if len(codes) > 1 and not connection.in_atomic_block:
            return _write(job, _beside(job, codes, spec, titles, tables), codes)
        # One table, or inside a transaction (tests): one after the other, on
        # this connection, checked before anything is written.
        low, high = COMPUTED
        for done, code in enumerate(codes):
            progress(
                job,
                low + (high - low) * done // len(codes),
                _("Computing: %(table)s") % {"table": titles[code]},
            )
            tables.append(registry.build(code, user=job.user, spec=spec))
        _checked(tables)
        return _write(job, tables, codes)


def _beside(job, codes, spec, titles, kept: list) -> Iterator[base.Table]:
    """The job's tables in the order they can be written, each kept in ``kept``
    (whose streamed rows are closed at the end), computed in another thread, on
    its own database connection, while this one writes: a streamed table (the
    roster, the ledger, the pairing list: rows read as they are written) is
    written as soon as it is built, while the aggregated tables are computed
    beside it — the database and Python work at the same time. The aggregated
    tables follow once every table is built and the checks between them hold
    (a failed check stops the build before the file is stored);
    ``build_workbook`` puts the sheets back in table order."""
    low, high = COMPUTED
    language = translation.get_language()

    def run(code):
        try:
            with translation.override(language), _heartbeat_per_statement(job):
                return registry.build(code, user=job.user, spec=spec)
        finally:
            connections.close_all()  # this thread's connection

    progress(job, low, _("Computing: %(table)s") % {"table": titles[codes[0]]})
    pool = ThreadPoolExecutor(max_workers=BUILDERS)
    try:
        futures = {
            pool.submit(contextvars.copy_context().run, run, code): code
            for code in codes
        }
        built: dict[str, base.Table] = {}
        writing = False
        for future in as_completed(futures):
            table = built[futures[future]] = future.result()
            kept.append(table)
            if table.streamed:
                writing = True
                yield table
            elif not writing:
                left = [titles[c] for c in codes if c not in built]
                if left:
                    progress(
                        job,
                        low + (high - low) * len(built) // len(codes),
                        _("Computing: %(table)s") % {"table": left[0]},
                    )
    finally:
        pool.shutdown(cancel_futures=True)
    ordered = [built[code] for code in codes]
    _checked(ordered)
    yield from (table for table in ordered if not table.streamed)


def _checked(tables: list[base.Table]) -> None:
    """The checks between the tables (yearly workbook); none may fail."""
    checks.reconcile(tables)
    failed = base.failed_checks(tables)
    if failed:
        raise ValidationError(
            _("Checks failed: %(checks)s. The workbook was not made.")
            % {"checks": "；".join(check.label for check in failed)}
        )


@contextlib.contextmanager
def _heartbeat_per_statement(job: ExportJob):
    """Renew the heartbeat from inside the table computation: before an SQL
    statement of the build's connection, when the last one is older than a sixth
    of the timeout (a table of a large scope runs for minutes, one statement for
    seconds)."""
    every = settings.DUIKOU_EXPORT_HEARTBEAT_TIMEOUT / 6
    last = time.monotonic()
    beating = False

    def beat(execute, sql, params, many, context):
        nonlocal last, beating
        if not beating and time.monotonic() - last >= every:
            beating = True
            try:
                heartbeat(job)
            finally:
                beating = False
                last = time.monotonic()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(beat):
        yield


@contextlib.contextmanager
def _work_folder(job: ExportJob):
    """A folder of this build's own for the partial workbook and openpyxl's
    temporary files (Python's temporary folder points there while it builds),
    removed whatever happens; the sweeper removes one a killed worker left."""
    folder = work_root() / f"{job.pk}-{job.claim}"
    folder.mkdir(parents=True, exist_ok=True)
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)


class _Workbook(File):
    """A finished workbook in a working folder, handed to the exports storage: the
    file system storage moves it into place (one rename, never half a file under
    its name), an object store uploads it."""

    def temporary_file_path(self) -> str:
        return self.file.name


def _write(job: ExportJob, tables: Iterable[base.Table], order: list[str]) -> str:
    from reporting.statistics.excel import build_workbook

    name = final_name(job)
    throttle = settings.DUIKOU_EXPORT_THROTTLE_SECONDS

    def rows_written(done):
        progress(job, min(95, 30 + done // 1000), _("Writing the workbook"))
        if throttle:  # only set by the crash tests, to kill a worker mid-way
            time.sleep(throttle)

    with _work_folder(job) as work:
        rows_written(0)
        partial = work / f"{name}.partial"
        build_workbook(
            tables,
            partial,
            progress=rows_written,
            created=job.created_at,
            order=order,
        )
        heartbeat(job)  # still this build's: only then is the file stored
        files = storage.exports()
        files.delete(name)  # an earlier build's, killed before it finished the job
        with partial.open("rb") as handle:
            return files.save(name, _Workbook(handle))
