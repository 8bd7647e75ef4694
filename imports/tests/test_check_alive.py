"""A long dry run: its transaction hides the progress and heartbeat it writes until
it ends, so the page reads the progress from the cache and the sweeper leaves
alone the job whose row the check holds (a dead worker's transaction lets it
go). On PostgreSQL, with the check in a thread of its own (its own connection)."""

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone

from imports import jobs
from imports.choices import ImportStatus
from imports.models import ImportJob
from imports.tests.helpers import headers, row_for, workbook_bytes
from tests import world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_long_dry_run_shows_its_progress_and_is_not_swept(monkeypatch, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections need PostgreSQL")
    w = world.build()
    rows = [
        row_for(
            "persons", 姓名=f"教师{n}", 性别="女", 所在学校="历下实验小学", 学科="语文"
        )
        for n in range(6)
    ]
    monkeypatch.setattr(jobs, "enqueue", lambda job_id: True)  # no worker here
    job = jobs.import_upload(
        user=w["xian"],
        record_type="persons",
        upload=SimpleUploadedFile(
            "台账.xlsx", workbook_bytes([headers("persons"), *rows])
        ),
    )
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 2)
    settings.DUIKOU_IMPORT_CHUNK_ROWS = 2
    real = jobs._process
    # Paused at its first row (before any beat) and at its fifth (two beats on).
    paused = {2: threading.Event(), 6: threading.Event()}
    go_on = {2: threading.Event(), 6: threading.Event()}

    def slow(importer, row):
        if row.number in paused:
            paused[row.number].set()
            assert go_on[row.number].wait(30)
        return real(importer, row)

    monkeypatch.setattr(jobs, "_process", slow)

    def worker():
        try:
            assert jobs.claim(job)
            jobs.run(job)
        finally:
            connections.close_all()

    # An hour on, the heartbeat looks stopped, but the check holds the job.
    later = timezone.now() + dt.timedelta(hours=1)
    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert paused[2].wait(30)
        assert jobs.sweep(now=later) == {"queued": 0, "failed": 0}
        go_on[2].set()
        assert paused[6].wait(30)
        seen = ImportJob.objects.get(pk=job.pk)
        assert seen.status == ImportStatus.CHECKING
        assert seen.progress == 0  # what the check wrote is not committed
        percent, stage = jobs.progress_of(seen)
        assert percent == 66 and stage  # four of six rows: from the cache
        assert jobs.sweep(now=later) == {"queued": 0, "failed": 0}
        assert ImportJob.objects.get(pk=job.pk).claim == seen.claim != ""
    finally:
        for event in go_on.values():
            event.set()
        thread.join(60)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert job.counts["new"] == 6
    # The apply is another run: it does not start at what the check told.
    jobs.import_confirm(job=job, mode="valid")
    assert jobs.claim(job)
    assert jobs.progress_of(job) == (0, job.stage)
    jobs.run(job)
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED
    # A job nobody holds and nobody beats for is taken again.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.CHECKING, claim="gone", attempts=0
    )
    assert jobs.sweep(now=later) == {"queued": 1, "failed": 0}
