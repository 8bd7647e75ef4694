"""Exports built by the worker: the job, its file, failures, retry and expiry; and a
real Celery worker process building a workbook from a request through to download,
including one killed in the middle."""

import datetime as dt
import io
import os
import signal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from reporting.exports import jobs as exports
from reporting.models import ExportJob
from reporting.statistics.base import Spec
from reporting.tasks import build_export, expire_exports

from . import world
from .workers import celery_worker, wait_for

User = get_user_model()
SPEC = Spec(span="calendar_year", year=2024, group="region")


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    """A folder of this test's own, shared with the worker processes it starts."""
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


@pytest.fixture
def w(db):
    return world.build()


def files():
    root = settings.EXPORT_ROOT
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def open_download(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.django_db
class TestJobs:
    def test_request_joins_the_same_export_in_flight(
        self, w, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            job, created = exports.export_request(
                user=w["xian"], table="partner_assistance", spec=SPEC
            )
            again, created_again = exports.export_request(
                user=w["xian"], table="partner_assistance", spec=SPEC
            )
        assert created and not created_again and again == job
        queued = [c for c in callbacks if "export_request" in c.__qualname__]
        assert len(queued) == 1  # one task queued for both requests
        assert job.filters == {"span": "calendar_year", "year": 2024, "group": "region"}
        other, created = exports.export_request(
            user=w["xian"],
            table="partner_assistance",
            spec=Spec(span="school_year", year=2024),
        )
        assert created and other != job

    def test_worker_builds_the_file_and_the_owner_downloads_it(self, client, w):
        job, _created = exports.export_request(
            user=w["xian"], table="partner_assistance", spec=SPEC
        )
        assert build_export.apply(args=[job.pk]).get() == "done"
        job.refresh_from_db()
        assert (job.status, job.progress) == ("done", 100)
        assert job.file_size == (settings.EXPORT_ROOT / job.file).stat().st_size
        assert not [f for f in files() if f.endswith(".partial")]
        client.force_login(w["xian"])
        state = client.get(reverse("reporting:export_status", args=[job.pk])).json()
        assert state["status"] == "done" and state["download"]
        response = client.get(reverse("reporting:export_download", args=[job.pk]))
        sheet = open_download(response).worksheets[0]
        assert sheet["A1"].value == "对口支援工作统计表"
        assert "历下区" in str([c.value for row in sheet.iter_rows() for c in row])
        assert "市南区" not in str([c.value for row in sheet.iter_rows() for c in row])

    def test_a_failure_leaves_no_file_and_says_so_in_chinese(
        self, client, w, monkeypatch, caplog
    ):
        job, _created = exports.export_request(
            user=w["xian"], table="partner_assistance", spec=SPEC
        )

        def crash(tables, path, **kwargs):
            path.write_bytes(b"PK\x03\x04 half a workbook")
            raise OSError("磁盘已满")

        monkeypatch.setattr("reporting.statistics.excel.build_workbook", crash)
        assert build_export.apply(args=[job.pk]).get() == "failed"
        job.refresh_from_db()
        assert job.status == "failed"
        # General words for the user, never Python's text; the trace in the log.
        assert job.error == _(
            "The server met an error and could not finish; it has been logged. "
            "Try again later, or tell the administrator if it fails again."
        )
        assert job.error.startswith("服务器出错")
        assert "磁盘已满" not in job.error and "OSError" not in job.error
        assert any(
            r.exc_info and "磁盘已满" in str(r.exc_info[1]) for r in caplog.records
        )
        assert files() == []  # neither the half file nor a finished one
        client.force_login(w["xian"])
        assert (
            client.get(reverse("reporting:export_download", args=[job.pk])).status_code
            == 404
        )
        monkeypatch.undo()
        client.post(reverse("reporting:export_retry", args=[job.pk]))
        assert build_export.apply(args=[job.pk]).get() == "done"
        assert (
            client.get(reverse("reporting:export_download", args=[job.pk])).status_code
            == 200
        )

    def test_files_expire(self, w, settings):
        job, _created = exports.export_request(
            user=w["xian"], table="partner_assistance", spec=SPEC
        )
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

    def test_download_centre_lists_only_my_jobs(self, client, w):
        mine, _c = exports.export_request(
            user=w["xian"], table="partner_assistance", spec=SPEC
        )
        theirs, _c = exports.export_request(
            user=w["shi"], table="partner_assistance", spec=SPEC
        )
        client.force_login(w["xian"])
        jobs = list(client.get(reverse("reporting:exports")).context["page"])
        assert jobs == [mine]

    def test_school_staff_cannot_ask_for_statistics(self, client, w):
        client.force_login(w["xuexiao"])
        response = client.post(
            reverse("reporting:export_request"),
            {"table": "partner_assistance", "span": "calendar_year", "year": 2024},
        )
        assert response.status_code == 404
        assert not ExportJob.objects.exists()


def worker_env():
    """Point the worker process at the test database the test is using."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        url = f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    return {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DUIKOU_EXPORT_ROOT": str(settings.EXPORT_ROOT),
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_worker_builds_a_workbook_from_a_request(client, tmp_path):
    world.build()
    with celery_worker(worker_env(), log_path=tmp_path / "worker.log"):
        client.force_login(User.objects.get(username="xian"))
        response = client.post(
            reverse("reporting:export_request"),
            {"table": "partner_assistance", "span": "calendar_year", "year": "2024"},
        )
        job = ExportJob.objects.get()
        assert response["Location"] == reverse("reporting:export_detail", args=[job.pk])
        status = reverse("reporting:export_status", args=[job.pk])
        assert wait_for(
            lambda: client.get(status).json()["status"] == "done", timeout=90
        ), (tmp_path / "worker.log").read_text()
    download = client.get(reverse("reporting:export_download", args=[job.pk]))
    assert open_download(download).worksheets[0]["A1"].value == "对口支援工作统计表"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_way_leaves_no_file_and_the_retry_gives_it(
    client, tmp_path
):
    world.build()
    env = {**worker_env(), "DUIKOU_EXPORT_THROTTLE_SECONDS": "30"}
    client.force_login(User.objects.get(username="xian"))
    with celery_worker(env, log_path=tmp_path / "worker.log") as worker:
        client.post(
            reverse("reporting:export_request"),
            {"table": "partner_assistance", "span": "calendar_year", "year": "2024"},
        )
        job = ExportJob.objects.get()
        assert wait_for(lambda: ExportJob.objects.get().progress >= 30, timeout=90)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    job.refresh_from_db()
    assert job.status == "running", (tmp_path / "worker.log").read_text()
    download = reverse("reporting:export_download", args=[job.pk])
    assert client.get(download).status_code == 404
    assert not [f for f in files() if not f.startswith(".")]  # no finished file
    # Lost with its worker: after the stale delay it can be retried.
    ExportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - exports.STALE_AFTER - dt.timedelta(seconds=1)
    )
    with celery_worker(worker_env(), log_path=tmp_path / "worker2.log"):
        client.post(reverse("reporting:export_retry", args=[job.pk]))
        assert wait_for(lambda: ExportJob.objects.get().status == "done", timeout=90), (
            tmp_path / "worker2.log"
        ).read_text()
    response = client.get(download)
    assert response.status_code == 200
    assert open_download(response).worksheets[0]["A1"].value == "对口支援工作统计表"
