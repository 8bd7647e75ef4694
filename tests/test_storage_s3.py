"""Files on an S3-compatible object store (issue 15, "files for more than one host").

With ``DUIKOU_S3_BUCKET`` set, attachments and export workbooks live in a bucket that
every web and worker host shares. These tests run the real storage backend
(django-storages) against a local S3-compatible server: moto in server mode, over
HTTP on 127.0.0.1, so nothing leaves the machine."""

import datetime as dt
import importlib
import io
import logging
import socket
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reporting.exports import jobs as exports
from reporting.models import ExportJob, ReportAttachment, SemesterReport
from reporting.statistics.base import Spec
from reporting.tasks import build_export, expire_exports

from . import world

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
BUCKET = "duikou-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """A local S3 endpoint (moto's server mode); its URL."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as missing:  # dev dependencies not installed
        pytest.skip(f"moto's server mode is not installed ({missing}): make install")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request
    server = ThreadedMotoServer(
        ip_address="127.0.0.1", port=_free_port(), verbose=False
    )
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    """Settings as a deployment with ``DUIKOU_S3_BUCKET`` has them, read through the
    same function the settings modules call; an empty bucket for each test."""
    import boto3

    env = {
        "DUIKOU_S3_BUCKET": BUCKET,
        "DUIKOU_S3_ENDPOINT_URL": s3_server,
        "DUIKOU_S3_ACCESS_KEY": "test",
        "DUIKOU_S3_SECRET_KEY": "test",
        "DUIKOU_S3_REGION": "us-east-1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from config.settings import env as settings_env

    settings.STORAGES = {
        **importlib.reload(settings_env).file_storages(),
        "staticfiles": settings.STORAGES["staticfiles"],
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client, prefix="") -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture
def w():
    w = world.build()
    period = w["period"]
    period.lock_date = timezone.localdate() + dt.timedelta(days=30)
    period.save()
    w["report"] = w["in_A1"][SemesterReport]
    ReportAttachment.objects.all().delete()
    return w


def test_the_s3_settings_select_the_bucket_for_attachments_and_exports(s3):
    from django.core.files.storage import storages

    assert type(storages["default"]).__module__ == "storages.backends.s3"
    assert storages["default"].location == "media"
    assert storages["exports"].location == "exports"
    assert storages["exports"].bucket_name == BUCKET


def test_an_attachment_is_stored_in_the_bucket_and_downloaded_back(client, s3, w):
    client.force_login(w["xuexiao"])
    response = client.post(
        reverse("reporting:attachment_upload", args=[w["report"].pk]),
        {"file": SimpleUploadedFile("学期总结.pdf", PDF, content_type="text/plain")},
    )
    assert response.status_code == 302
    attachment = ReportAttachment.objects.get(report=w["report"])
    # In the bucket under the random name, nothing on the local disk.
    assert keys(s3) == [f"media/{attachment.file.name}"]
    stored = s3.get_object(Bucket=BUCKET, Key=f"media/{attachment.file.name}")
    assert stored["Body"].read() == PDF

    # Another host (a fresh storage object) serves it through the scoped view.
    download = client.get(
        reverse("reporting:attachment_download", args=[attachment.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]


def test_a_removed_attachment_leaves_the_bucket(
    client, s3, w, django_capture_on_commit_callbacks
):
    client.force_login(w["xuexiao"])
    client.post(
        reverse("reporting:attachment_upload", args=[w["report"].pk]),
        {"file": SimpleUploadedFile("a.pdf", PDF)},
    )
    attachment = ReportAttachment.objects.get()
    assert keys(s3, "media/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:attachment_delete", args=[attachment.pk])
        )
    assert response.status_code == 302
    assert not ReportAttachment.objects.exists()
    assert keys(s3, "media/") == []


def test_a_file_missing_from_the_bucket_is_not_found(client, s3, w):
    client.force_login(w["xuexiao"])
    client.post(
        reverse("reporting:attachment_upload", args=[w["report"].pk]),
        {"file": SimpleUploadedFile("a.pdf", PDF)},
    )
    attachment = ReportAttachment.objects.get()
    s3.delete_object(Bucket=BUCKET, Key=f"media/{attachment.file.name}")
    download = client.get(
        reverse("reporting:attachment_download", args=[attachment.pk])
    )
    assert download.status_code == 404


# Export workbooks ------------------------------------------------------------------


@pytest.fixture
def export_root(settings, tmp_path):
    """The local export folder: with a bucket it holds only the builds' working
    folders, never a finished workbook."""
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def local_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def built(user) -> ExportJob:
    job = exports.export_request(
        user=user,
        table="partner_assistance",
        spec=Spec(span="calendar_year", year=2024, group="region"),
    )[0]
    assert build_export.apply(args=[job.pk]).get() == "done"
    job.refresh_from_db()
    return job


def downloads(job) -> list[str]:
    """The workbook's two ways out: the download centre and the API."""
    return [
        reverse("reporting:export_download", args=[job.pk]),
        f"/api/v1/exports/{job.pk}/download/",
    ]


def test_an_export_is_built_into_the_bucket_and_downloaded_back(
    client, s3, w, export_root
):
    job = built(w["xian"])
    assert keys(s3) == [f"exports/{job.file}"]
    stored = s3.head_object(Bucket=BUCKET, Key=f"exports/{job.file}")
    assert job.file_size == stored["ContentLength"]
    # Built on the local disk, then uploaded: no workbook, no working folder left.
    assert local_files(export_root) == []

    client.force_login(w["xian"])
    for url in downloads(job):
        response = client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content)
        assert len(content) == job.file_size
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        assert sheet["A1"].value == "对口支援工作统计表"
        assert response["Content-Disposition"].endswith(
            f"{timezone.localtime(job.created_at):%Y%m%d}.xlsx"
        )
        assert response["X-Content-Type-Options"] == "nosniff"


def test_an_expired_export_leaves_the_bucket(client, s3, w, export_root):
    job = built(w["xian"])
    ExportJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - dt.timedelta(days=30)
    )
    assert expire_exports.apply().get() == 1
    assert keys(s3, "exports/") == []
    client.force_login(w["xian"])
    for url in downloads(job):
        assert client.get(url).status_code == 404, url


def test_a_build_the_job_was_taken_from_removes_its_workbook_from_the_bucket(
    s3, w, export_root
):
    job = exports.export_request(
        user=w["xian"], table="roster", spec=Spec(span="calendar_year", year=2024)
    )[0]
    assert exports.claim(job)
    name = exports.build(job)
    assert keys(s3, "exports/") == [f"exports/{name}"]
    ExportJob.objects.filter(pk=job.pk).update(claim="another")  # taken meanwhile
    with pytest.raises(exports.Superseded):
        exports.finish(job, name)
    assert keys(s3, "exports/") == []


def test_an_export_missing_from_the_bucket_is_not_found(client, s3, w, export_root):
    job = built(w["xian"])
    s3.delete_object(Bucket=BUCKET, Key=f"exports/{job.file}")
    client.force_login(w["xian"])
    page, api = (client.get(url) for url in downloads(job))
    assert page.status_code == api.status_code == 404
    assert api.json() == {"detail": "未找到。"}


def test_a_deleted_user_takes_their_workbooks_out_of_the_bucket(
    s3, w, export_root, django_capture_on_commit_callbacks
):
    user = world.user("leaver", role=w["xian"].memberships.get().role, region_=w["A1"])
    job = built(user)
    assert keys(s3, "exports/") == [f"exports/{job.file}"]
    with django_capture_on_commit_callbacks(execute=True):
        user.delete()
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert keys(s3, "exports/") == []


def test_a_rebuild_replaces_the_workbook_an_earlier_build_stored_and_never_finished(
    s3, w, export_root
):
    job = exports.export_request(
        user=w["xian"], table="roster", spec=Spec(span="calendar_year", year=2024)
    )[0]
    stale = f"exports/{exports.final_name(job)}"
    s3.put_object(Bucket=BUCKET, Key=stale, Body=b"half of a killed build's upload")
    assert build_export.apply(args=[job.pk]).get() == "done"
    job.refresh_from_db()
    assert job.file == exports.final_name(job)
    assert keys(s3, "exports/") == [stale]  # one file, not an orphan beside it
    body = s3.get_object(Bucket=BUCKET, Key=stale)["Body"].read()
    assert load_workbook(io.BytesIO(body)).worksheets[0].max_row > 1
