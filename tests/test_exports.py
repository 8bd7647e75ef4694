"""Exports built by the worker: the job, its file, failures, retry and expiry; the job
and its queue reconciled (a broker that cannot be reached, a job no worker took, a
build whose heartbeat stopped); who sees a job. The same with a real worker, Redis
stopped and a worker killed: ``tests/reliability/test_jobs.py``."""

import datetime as dt
import errno
import io
import os
import time
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError
from openpyxl import load_workbook

from core.models import AuditEntry
from core.storage import ExportFileStorage
from reporting.choices import ExportStatus
from reporting.exports import jobs as exports
from reporting.models import ExportJob
from reporting.statistics import registry
from reporting.statistics.base import Spec
from reporting.tasks import build_export, expire_exports, sweep_exports

SPEC = Spec(span="calendar_year", year=2024, group="region")
TABLE = "partner_assistance"
LOGGED = (
    "The server met an error and could not finish; it has been logged. Try again "
    "later, or tell the administrator if it fails again."
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    """A folder of this test's own, shared with the worker processes it starts."""
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


@pytest.fixture
def queue(monkeypatch):
    """The broker, recorded: the job ids sent, or a broker that cannot be reached
    (``queue.down = True``)."""

    class Queue:
        down = False
        sent: list[int] = []

    recorded = Queue()
    recorded.sent = []

    def send_task(name, args=(), connection=None, **kwargs):
        if recorded.down:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379.")
        assert name == "reporting.build_export"
        recorded.sent.append(args[0])

    monkeypatch.setattr(current_app, "send_task", send_task)
    return recorded


@pytest.fixture
def at_commit(monkeypatch):
    """On-commit work runs at once, as it does outside a test's transaction when
    ``export_request`` or ``export_retry`` commits (before the view words its
    message); inside the test's transaction it would wait for the end."""
    monkeypatch.setattr(exports.transaction, "on_commit", lambda func, **kw: func())


def all_files():
    """Every file under the export folder, working folders included."""
    root = Path(settings.EXPORT_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def open_download(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def ask(user) -> ExportJob:
    return exports.export_request(user=user, table=TABLE, spec=SPEC)[0]


def aged(job, seconds: float, **values):
    """Make the job look as it would ``seconds`` later, without waiting."""
    then = timezone.now() - dt.timedelta(seconds=seconds)
    fields = {"updated_at": then, **values}
    ExportJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


class TestJobs:
    def test_request_joins_the_same_export_in_flight(
        self, w, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            job, outcome = exports.export_request(
                user=w["xian"], table=TABLE, spec=SPEC
            )
            again, outcome_again = exports.export_request(
                user=w["xian"], table=TABLE, spec=SPEC
            )
        assert (outcome, outcome_again) == ("started", "joined") and again == job
        queued = [c for c in callbacks if "export_request" in c.__qualname__]
        assert len(queued) == 1  # one task queued for both requests
        assert job.filters == {"span": "calendar_year", "year": 2024, "group": "region"}
        other, outcome = exports.export_request(
            user=w["xian"], table=TABLE, spec=Spec(span="school_year", year=2024)
        )
        assert outcome == "started" and other != job

    def test_worker_builds_the_file_and_the_owner_downloads_it(self, client, w):
        job = ask(w["xian"])
        assert build_export.apply(args=[job.pk]).get() == "done"
        job.refresh_from_db()
        assert (job.status, job.progress, job.attempts) == ("done", 100, 1)
        assert all_files() == [job.file]  # no partial file, no working folder left
        assert job.file_size == (settings.EXPORT_ROOT / job.file).stat().st_size
        client.force_login(w["xian"])
        state = client.get(reverse("reporting:export_status", args=[job.pk])).json()
        assert state["status"] == "done" and state["download"]
        assert state["retry"] is False
        response = client.get(reverse("reporting:export_download", args=[job.pk]))
        sheet = open_download(response).worksheets[0]
        assert sheet["A1"].value == "对口支援工作统计表"
        assert "历下区" in str([c.value for row in sheet.iter_rows() for c in row])
        assert "市南区" not in str([c.value for row in sheet.iter_rows() for c in row])

    def test_a_failure_leaves_no_file_and_says_so_in_chinese(
        self, client, w, monkeypatch, caplog
    ):
        job = ask(w["xian"])
        seen = {}

        def crash(tables, path, **kwargs):
            import tempfile

            # openpyxl's own temporary files go where Python's temporary folder is.
            seen["temporary"] = Path(tempfile.mkstemp(prefix="openpyxl.")[1])
            path.write_bytes(b"PK\x03\x04 half a workbook")
            raise OSError("磁盘已满")

        monkeypatch.setattr("reporting.statistics.excel.build_workbook", crash)
        assert build_export.apply(args=[job.pk]).get() == "failed"
        job.refresh_from_db()
        assert job.status == "failed"
        # General words for the user, never Python's text; the trace in the log.
        assert job.error == _(LOGGED)
        assert job.error.startswith("服务器出错")
        assert any(
            r.exc_info and "磁盘已满" in str(r.exc_info[1]) for r in caplog.records
        )
        # Neither the half file, nor openpyxl's temporary file, nor a finished one.
        assert seen["temporary"].is_relative_to(settings.EXPORT_ROOT)
        assert not seen["temporary"].exists()
        assert all_files() == []
        client.force_login(w["xian"])
        download = reverse("reporting:export_download", args=[job.pk])
        assert client.get(download).status_code == 404
        monkeypatch.undo()
        client.post(reverse("reporting:export_retry", args=[job.pk]))
        assert build_export.apply(args=[job.pk]).get() == "done"
        assert client.get(download).status_code == 200

    @pytest.mark.parametrize("where", ["folder", "move"])
    def test_a_disk_that_refuses_the_write_shows_no_path(
        self, client, w, monkeypatch, caplog, tmp_path, where
    ):
        """The export folder cannot be made (its parent is a file), or the storage
        cannot take the finished file (a read-only file system): the user reads
        general words in Chinese, the log holds the path."""
        job = ask(w["xian"])
        if where == "folder":
            (tmp_path / "full").write_text("not a folder")
            settings.EXPORT_ROOT = tmp_path / "full" / "exports"
        else:

            def read_only(storage, name, content):
                target = storage.path(name)
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), target)

            monkeypatch.setattr(ExportFileStorage, "_save", read_only)
        assert build_export.apply(args=[job.pk]).get() == "failed"
        job.refresh_from_db()
        client.force_login(w["xian"])
        page = client.get(reverse("reporting:export_detail", args=[job.pk]))
        state = client.get(reverse("reporting:export_status", args=[job.pk])).json()
        api = client.get(f"/api/v1/exports/{job.pk}/").json()
        for shown in (job.error, state["error"], api["error"], page.content.decode()):
            assert str(tmp_path) not in shown and ".work" not in shown
            assert "Errno" not in shown and "directory" not in shown
        assert job.error == _(LOGGED) and job.error.startswith("服务器出错")
        assert str(tmp_path) in caplog.text  # the details are in the log
        assert state["retry"] is True

    def test_files_expire(self, w, settings):
        job = ask(w["xian"])
        build_export.apply(args=[job.pk])
        job.refresh_from_db()
        path = settings.EXPORT_ROOT / job.file
        ExportJob.objects.filter(pk=job.pk).update(
            finished_at=timezone.now()
            - dt.timedelta(days=settings.EXPORT_RETENTION_DAYS + 1)
        )
        assert expire_exports.apply().get() == 1
        job.refresh_from_db()
        assert job.status == "expired" and not path.exists()

    def test_school_staff_cannot_ask_for_statistics(self, client, w):
        client.force_login(w["xuexiao"])
        response = client.post(
            reverse("reporting:export_request"),
            {"table": TABLE, "span": "calendar_year", "year": 2024},
        )
        assert response.status_code == 404
        assert not ExportJob.objects.exists()


class TestQueue:
    """The job row is the truth, the queue a wake-up call: nothing waits for ever."""

    def test_a_broker_that_cannot_be_reached_costs_no_error_and_the_sweeper_queues_it(
        self, client, w, queue, caplog, at_commit
    ):
        queue.down = True
        client.force_login(w["xian"])
        response = client.post(
            reverse("reporting:export_request"),
            {"table": TABLE, "span": "calendar_year", "year": "2024"},
        )
        job = ExportJob.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("reporting:export_detail", args=[job.pk])
        assert (job.status, job.enqueued_at) == ("pending", None)
        waiting = (
            "排队服务暂时无法连接：导出任务已保存，恢复后将自动开始，无需再次点击。"
        )
        assert said(response) == [waiting]
        assert waiting in client.get(response["Location"]).content.decode()
        assert "not queued" in caplog.text
        # The sweeper tries while the broker is still away, then after it is back.
        job = aged(job, 10)
        assert exports.sweep()["queued"] == 0 and queue.sent == []
        queue.down = False
        assert sweep_exports.apply().get()["queued"] == 1
        job.refresh_from_db()
        assert queue.sent == [job.pk] and job.enqueued_at is not None
        assert build_export.apply(args=[job.pk]).get() == "done"

    def test_a_job_just_asked_for_is_left_to_its_request(self, w, queue):
        job = ask(w["xian"])  # its on-commit enqueue has not run in this test
        assert exports.sweep()["queued"] == 0
        aged(job, exports.GRACE.total_seconds() + 1)
        assert exports.sweep()["queued"] == 1 and queue.sent == [job.pk]

    def test_a_job_queued_but_never_taken_is_queued_again(self, w, queue, settings):
        job = ask(w["xian"])
        exports.enqueue(job.pk)
        assert exports.sweep()["queued"] == 0  # queued a moment ago
        aged(
            job,
            0,
            enqueued_at=timezone.now()
            - dt.timedelta(seconds=settings.DUIKOU_EXPORT_REQUEUE_SECONDS + 1),
        )
        assert exports.sweep()["queued"] == 1 and queue.sent == [job.pk, job.pk]

    def test_asking_again_for_an_orphaned_job_queues_it_again(
        self, client, w, queue, at_commit
    ):
        queue.down = True
        job = ask(w["xian"])  # the broker was down: never queued
        aged(job, 60)
        queue.down = False
        client.force_login(w["xian"])
        response = client.post(
            reverse("reporting:export_request"),
            {"table": TABLE, "span": "calendar_year", "year": "2024"},
        )
        assert ExportJob.objects.get() == job  # the same job, not a second one
        assert queue.sent == [job.pk]
        assert said(response) == ["此导出此前未能开始或已中断，已重新排队。"]
        job.refresh_from_db()
        assert job.status == "pending" and job.enqueued_at is not None

    def test_two_deliveries_build_the_job_once(self, w, monkeypatch):
        job = ask(w["xian"])
        built = []
        real = registry.build

        def build(code, *, user, spec):
            built.append(code)
            # A second delivery arrives while the first is building.
            assert build_export.apply(args=[job.pk]).get() == "skipped"
            return real(code, user=user, spec=spec)

        monkeypatch.setattr(registry, "build", build)
        assert build_export.apply(args=[job.pk]).get() == "done"
        assert build_export.apply(args=[job.pk]).get() == "skipped"  # done already
        job.refresh_from_db()
        assert (built, job.attempts, job.status) == ([TABLE], 1, "done")


class TestHeartbeat:
    def test_the_heartbeat_beats_inside_the_table_computation(
        self, w, monkeypatch, settings
    ):
        """A table of a large scope computes for minutes: its SQL statements renew
        the heartbeat, not only the progress between tables."""
        settings.DUIKOU_EXPORT_HEARTBEAT_TIMEOUT = 0.6  # a beat at most every 0.1 s
        job = ask(w["xian"])
        seen = []
        real = registry.build

        def build(code, *, user, spec):
            seen.append(ExportJob.objects.get(pk=job.pk).heartbeat_at)
            time.sleep(0.2)
            table = real(code, user=user, spec=spec)  # statements: beats
            seen.append(ExportJob.objects.get(pk=job.pk).heartbeat_at)
            return table

        monkeypatch.setattr(registry, "build", build)
        assert build_export.apply(args=[job.pk]).get() == "done"
        before, after = seen
        assert after - before >= dt.timedelta(seconds=0.2)

    def test_a_silent_job_is_interrupted_built_once_more_then_failed(
        self, client, w, queue, settings
    ):
        job = ask(w["xian"])
        timeout = settings.DUIKOU_EXPORT_HEARTBEAT_TIMEOUT
        assert exports.claim(job)  # a worker took it, then died
        aged(job, 0, heartbeat_at=timezone.now() - dt.timedelta(seconds=timeout - 5))
        assert exports.sweep()["interrupted"] == 0  # still alive
        client.force_login(w["xian"])
        status = reverse("reporting:export_status", args=[job.pk])
        assert client.get(status).json()["retry"] is False
        aged(job, 0, heartbeat_at=timezone.now() - dt.timedelta(seconds=timeout + 1))
        assert client.get(status).json()["retry"] is True  # stale: 重试 shown
        assert exports.sweep() == {
            "interrupted": 1,
            "failed": 0,
            "queued": 1,
            "removed": 0,
        }
        assert queue.sent == [job.pk]
        job.refresh_from_db()
        state = client.get(status).json()
        assert (state["status"], state["status_display"]) == ("interrupted", "已中断")
        assert state["note"] == "生成过程中断，将自动重新开始。" and state["retry"]
        # The automatic second build is lost too: then it fails, with 重试.
        assert exports.claim(job) and job.attempts == 2
        aged(job, 0, heartbeat_at=timezone.now() - dt.timedelta(seconds=timeout + 1))
        assert exports.sweep()["failed"] == 1
        state = client.get(status).json()
        assert (state["status_display"], state["retry"]) == ("失败", True)
        assert state["error"].startswith("导出两次在完成前中断")
        # The trail holds the transitions, with the worker as source.
        trail = [
            e.changes["status"]
            for e in AuditEntry.objects.filter(
                object_id=str(job.pk), content_type__model="exportjob"
            ).order_by("pk")
            if "status" in e.changes
        ]
        assert trail == [
            [None, "pending"],
            ["pending", "running"],
            ["running", "interrupted"],
            ["interrupted", "running"],
            ["running", "failed"],
        ]

    def test_a_redelivery_takes_over_a_job_whose_worker_process_died(self, w):
        """The broker redelivers a message when the pool process that had it died,
        within a second: the heartbeat is still fresh, the redelivery takes the job
        over anyway (once), a plain second delivery does not."""
        first = ask(w["xian"])
        assert exports.claim(first)
        second = ExportJob.objects.get(pk=first.pk)
        assert not exports.claim(second)
        assert exports.claim(second, redelivered=True)
        assert second.attempts == 2 and second.claim != first.claim
        with pytest.raises(exports.Superseded):
            exports.heartbeat(first)  # the old build, were it alive, stops
        third = ExportJob.objects.get(pk=first.pk)
        assert not exports.claim(third, redelivered=True)  # no third build by itself

    def test_a_build_the_job_was_taken_from_stops_and_cleans_up(self, w, monkeypatch):
        job = ask(w["xian"])
        real = registry.build

        def build(code, *, user, spec):
            # The sweeper gave the job to another delivery meanwhile.
            ExportJob.objects.filter(pk=job.pk).update(claim="another")
            return real(code, user=user, spec=spec)

        monkeypatch.setattr(registry, "build", build)
        assert build_export.apply(args=[job.pk]).get() == "superseded"
        job.refresh_from_db()
        assert (job.status, job.claim, job.file) == ("running", "another", "")
        assert all_files() == []

    def test_the_sweeper_removes_what_a_killed_build_left(self, w):
        killed, running = ask(w["xian"]), ask(w["shi"])
        assert exports.claim(killed) and exports.claim(running)
        work = Path(settings.EXPORT_ROOT) / exports.WORK_FOLDER
        left = work / f"{killed.pk}-{killed.claim}"
        live = work / f"{running.pk}-{running.claim}"
        for folder in (left, live):
            folder.mkdir(parents=True)
            (folder / "openpyxl.abc123").write_text("<sheetData>")
            (folder / "1-partner_assistance-20261206.xlsx.partial").write_bytes(b"PK")
        ExportJob.objects.filter(pk=killed.pk).update(status="interrupted", claim="")
        # Made by a build that claimed its job after the sweeper read the running
        # ones: too young to be a leftover.
        newborn = work / f"{killed.pk}-justclaimed"
        newborn.mkdir()
        settled = time.time() - exports.LEFTOVER_AGE.total_seconds() - 1
        for folder in (left, live):
            os.utime(folder, (settled, settled))
        assert exports.sweep()["removed"] == 1
        assert not left.exists() and len(list(live.iterdir())) == 2
        assert newborn.exists()

    def test_a_starting_worker_removes_what_a_killed_worker_left_on_its_host(
        self, w, monkeypatch
    ):
        from core import heartbeat

        monkeypatch.setattr(heartbeat, "start", lambda **kwargs: None)
        job = ask(w["xian"])
        assert exports.claim(job)
        work = Path(settings.EXPORT_ROOT) / exports.WORK_FOLDER
        left = work / f"{job.pk}-{job.claim}"
        left.mkdir(parents=True)
        (left / "openpyxl.abc123").write_text("<sheetData>")
        ExportJob.objects.filter(pk=job.pk).update(status="interrupted", claim="")
        settled = time.time() - exports.LEFTOVER_AGE.total_seconds() - 1
        os.utime(left, (settled, settled))
        from celery import signals

        signals.worker_ready.send(sender=None)  # as the worker does when it starts
        assert not left.exists()


class TestRetry:
    """重试 on every job that is not done, saying truthfully what it did."""

    @pytest.mark.parametrize(
        "state, outcome, message, status, code",
        [
            ("failed", "restarted", "已重新开始导出。", "pending", 202),
            ("expired", "restarted", "已重新开始导出。", "pending", 202),
            (
                "interrupted",
                "queued_again",
                "此导出此前未能开始或已中断，已重新排队。",
                "pending",
                202,
            ),
            (
                "pending",
                "queued_again",
                "此导出此前未能开始或已中断，已重新排队。",
                "pending",
                202,
            ),
            ("running", "running", "该导出正在生成，无需重试。", "running", 200),
            ("done", "done", "该导出已完成，可直接下载。", "done", 200),
        ],
    )
    def test_retry_says_what_it_did(
        self,
        client,
        w,
        queue,
        at_commit,
        state,
        outcome,
        message,
        status,
        code,
    ):
        client.force_login(w["xian"])
        for way in ("page", "api"):
            job = ask(w["xian"])
            fields = {"status": state, "attempts": 1}
            if state == "running":
                fields.update(claim="live", heartbeat_at=timezone.now())
            ExportJob.objects.filter(pk=job.pk).update(**fields)
            queue.sent.clear()
            if way == "page":
                response = client.post(reverse("reporting:export_retry", args=[job.pk]))
                assert said(response) == [message]
            else:
                response = client.post(f"/api/v1/exports/{job.pk}/retry/")
                assert response.status_code == code
                assert response.json()["outcome"] == outcome
                assert response.json()["message"] == message
            job.refresh_from_db()
            assert job.status == status
            assert queue.sent == ([job.pk] if code == 202 else [])
            if code == 202:
                assert job.attempts == 0  # a fresh start: one automatic retry again
            job.delete()

    def test_retry_while_the_broker_is_down_says_it_will_start_by_itself(
        self, client, w, queue, at_commit
    ):
        job = ask(w["xian"])
        ExportJob.objects.filter(pk=job.pk).update(status="failed")
        queue.down = True
        client.force_login(w["xian"])
        response = client.post(reverse("reporting:export_retry", args=[job.pk]))
        assert said(response) == [
            "已重新开始导出。 排队服务暂时无法连接：导出任务已保存，恢复后将自动开始，"
            "无需再次点击。"
        ]
        job.refresh_from_db()
        assert (job.status, job.enqueued_at) == ("pending", None)


class TestOwnJobsOnly:
    """One rule in the pages and the API: a user sees and downloads only their own
    export jobs, administrators included."""

    @pytest.mark.parametrize("role", ["admin", "sheng", "xian"])
    def test_another_users_job_is_404_on_the_page_and_in_the_api(self, client, w, role):
        owner = "shi"
        theirs = ask(w[owner])
        build_export.apply(args=[theirs.pk])
        mine = ask(w[role])
        client.force_login(w[role])
        for path in ("", "status/", "download/"):
            response = client.get(f"/exports/{theirs.pk}/{path}")
            assert response.status_code == 404, path
        assert client.post(f"/exports/{theirs.pk}/retry/").status_code == 404
        for path in ("", "download/"):
            response = client.get(f"/api/v1/exports/{theirs.pk}/{path}")
            assert response.status_code == 404, path
        assert client.post(f"/api/v1/exports/{theirs.pk}/retry/").status_code == 404
        listed = [r["id"] for r in client.get("/api/v1/exports/").json()["results"]]
        assert listed == [mine.pk]
        page = list(client.get(reverse("reporting:exports")).context["page"])
        assert page == [mine]
        theirs.refresh_from_db()
        assert theirs.status == ExportStatus.DONE
        # Their own job answers on both.
        assert client.get(f"/exports/{mine.pk}/").status_code == 200
        assert client.get(f"/api/v1/exports/{mine.pk}/").status_code == 200
