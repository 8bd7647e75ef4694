"""Semester report attachments: what may be uploaded, where it is stored, and who may
download or remove it."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from reporting.models import ReportAttachment, SemesterReport
from reporting.reports.attachments import attachment_add, attachments_context

from . import world

pytestmark = pytest.mark.django_db

LIMIT = 512 * 1024  # 0.5 MB

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def zip_of(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def minimal_docx() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                'content-types"><Default Extension="rels" ContentType="application/'
                'vnd.openxmlformats-package.relationships+xml"/><Override '
                'PartName="/word/document.xml" ContentType="application/vnd.'
                'openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                "</Types>"
            ),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://'
                'schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                '2006/relationships/officeDocument" Target="word/document.xml"/>'
                "</Relationships>"
            ),
            "word/document.xml": (
                '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://'
                'schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
                "<w:r><w:t>学期总结</w:t></w:r></w:p></w:body></w:document>"
            ),
        }
    )


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def edit_url(report):
    # The report's edit page is written elsewhere; until it exists, the home page.
    try:
        return reverse("reporting:report_edit", args=[report.pk])
    except NoReverseMatch:
        return "/"


def upload_url(report):
    return reverse("reporting:attachment_upload", args=[report.pk])


def download_url(attachment):
    return reverse("reporting:attachment_download", args=[attachment.pk])


def delete_url(attachment):
    return reverse("reporting:attachment_delete", args=[attachment.pk])


def stored_files(media_root) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]


def error_messages(response) -> list[str]:
    return [
        str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"
    ]


@pytest.fixture
def w(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DUIKOU_ATTACHMENT_MAX_BYTES = LIMIT
    w = world.build()
    # Keep the period's reports inside their editing window.
    period = w["period"]
    period.lock_date = timezone.localdate() + dt.timedelta(days=30)
    period.save()
    w["report"] = w["in_A1"][SemesterReport]
    w["report_b1"] = w["in_B1"][SemesterReport]
    # The world's own attachments point at no file: start from none.
    ReportAttachment.objects.all().delete()
    return w


@pytest.fixture
def attached(w):
    """A PDF attached by the school to its report."""
    return attachment_add(
        report=w["report"], user=w["xuexiao"], upload=upload("总结.pdf", PDF)
    )


# Upload ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("学期总结.pdf", PDF, "application/pdf"),
        ("活动照片.png", PNG, "image/png"),
        ("课堂.jpg", JPEG, "image/jpeg"),
        ("学期总结.docx", minimal_docx(), DOCX_TYPE),
        ("经费.xls", OLE2, "application/vnd.ms-excel"),
    ],
)
def test_accepted_files_are_stored_under_a_random_name(
    client, settings, w, name, content, content_type
):
    client.force_login(w["xuexiao"])
    # The browser's content type is not believed either way.
    response = client.post(
        upload_url(w["report"]), {"file": upload(name, content, "text/plain")}
    )
    assert response.status_code == 302
    assert response["Location"] == edit_url(w["report"])
    attachment = ReportAttachment.objects.get(report=w["report"])
    assert attachment.original_name == name
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.uploaded_by == w["xuexiao"]
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(settings.MEDIA_ROOT)
    assert stored.read_bytes() == content
    assert stored.name == attachment.token
    assert len(attachment.token) == 40 and name not in attachment.file.name
    assert stored_files(settings.MEDIA_ROOT) == [stored]


def test_tokens_differ_between_uploads(w):
    first, second = (
        attachment_add(
            report=w["report"], user=w["xuexiao"], upload=upload("总结.pdf", PDF)
        )
        for _ in range(2)
    )
    assert first.token != second.token
    assert first.file.name != second.file.name


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("总结.pdf", EXE),  # a program renamed to look like a PDF
        ("资料.zip", zip_of({"readme.txt": "hello"})),
        ("总结.docx", zip_of({"word/document.xml": "<w:document/>"})),
        ("说明.txt", "纯文本".encode()),
        ("空.pdf", b""),
    ],
)
def test_other_files_are_refused_by_content(client, settings, w, name, content):
    client.force_login(w["xuexiao"])
    response = client.post(
        upload_url(w["report"]), {"file": upload(name, content, "application/pdf")}
    )
    assert response.status_code == 302
    assert response["Location"] == edit_url(w["report"])
    assert len(error_messages(response)) == 1
    assert not ReportAttachment.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_refused_type_names_the_accepted_ones(w):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        attachment_add(
            report=w["report"],
            user=w["xuexiao"],
            upload=upload("总结.pdf", EXE, "application/pdf"),
        )
    assert refused.value.code == "file_type"
    assert all(t in refused.value.messages[0] for t in ("JPEG", "PNG", "PDF", "Word"))


def test_an_oversized_file_is_refused_with_the_limit(client, settings, w):
    client.force_login(w["xuexiao"])
    big = PDF + b"0" * LIMIT
    with translation.override("en"):
        response = client.post(upload_url(w["report"]), {"file": upload("大.pdf", big)})
    assert response.status_code == 302
    assert ["0.5 MB" in m for m in error_messages(response)] == [True]
    assert not ReportAttachment.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_file_at_the_limit_is_accepted(w):
    content = PDF + b"0" * (LIMIT - len(PDF))
    attachment = attachment_add(
        report=w["report"], user=w["xuexiao"], upload=upload("整.pdf", content)
    )
    assert attachment.size == LIMIT


def test_no_file_chosen_is_an_error_message(client, w):
    client.force_login(w["xuexiao"])
    response = client.post(upload_url(w["report"]), {})
    assert response.status_code == 302
    assert len(error_messages(response)) == 1
    assert not ReportAttachment.objects.exists()


def test_a_report_of_another_school_is_not_found(client, settings, w):
    client.force_login(w["xuexiao"])
    response = client.post(upload_url(w["report_b1"]), {"file": upload("a.pdf", PDF)})
    assert response.status_code == 404
    assert not ReportAttachment.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_an_approved_report_takes_no_uploads(client, settings, w):
    w["report"].status = "approved"
    w["report"].save()
    client.force_login(w["xuexiao"])
    response = client.post(upload_url(w["report"]), {"file": upload("a.pdf", PDF)})
    assert response.status_code == 403
    assert not ReportAttachment.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_locked_report_takes_no_uploads(client, settings, w):
    w["period"].lock_date = w["period"].deadline
    w["period"].save()
    client.force_login(w["xuexiao"])
    response = client.post(upload_url(w["report"]), {"file": upload("a.pdf", PDF)})
    assert response.status_code == 403
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("role", ["duxue", "xian"])
def test_inspectors_and_bureaus_do_not_upload(client, settings, w, role):
    client.force_login(w[role])
    response = client.post(upload_url(w["report"]), {"file": upload("a.pdf", PDF)})
    assert response.status_code in (403, 404)
    assert not ReportAttachment.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_anonymous_users_are_sent_to_log_in(client, w, attached):
    for response in (
        client.post(upload_url(w["report"]), {"file": upload("a.pdf", PDF)}),
        client.get(download_url(attached)),
        client.post(delete_url(attached)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert ReportAttachment.objects.get() == attached


# Download --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["xuexiao", "xian", "duxue"])
def test_users_who_see_the_report_download_the_file(client, w, attached, role):
    client.force_login(w[role])
    response = client.get(download_url(attached))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%80%BB%E7%BB%93.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("role", ["school_b1", "xian_b1"])
def test_others_do_not_find_the_file(client, w, attached, role):
    client.force_login(w[role])
    assert client.get(download_url(attached)).status_code == 404


def test_the_media_url_serves_nothing(client, settings, w, attached):
    client.force_login(w["xuexiao"])
    response = client.get(settings.MEDIA_URL + attached.file.name)
    assert response.status_code == 404


def test_a_file_is_served_with_an_extension_of_its_type(client, w):
    attachment = attachment_add(
        report=w["report"], user=w["xuexiao"], upload=upload("setup.exe", PDF)
    )
    client.force_login(w["xuexiao"])
    response = client.get(download_url(attachment))
    assert 'filename="setup.exe.pdf"' in response["Content-Disposition"]


def test_a_path_in_the_file_name_is_dropped(w):
    attachment = attachment_add(
        report=w["report"],
        user=w["xuexiao"],
        upload=upload("C:\\Users\\教师\\总结.pdf", PDF),
    )
    assert attachment.original_name == "总结.pdf"


# Delete ----------------------------------------------------------------------------


def test_the_school_removes_an_attachment_and_its_file(
    client, w, attached, django_capture_on_commit_callbacks
):
    stored = Path(attached.file.path)
    client.force_login(w["xuexiao"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(attached))
    assert response.status_code == 302
    assert response["Location"] == edit_url(w["report"])
    assert not ReportAttachment.objects.exists()
    assert not stored.exists()


@pytest.mark.parametrize("role", ["duxue", "xian"])
def test_users_who_cannot_edit_do_not_remove(client, w, attached, role):
    client.force_login(w[role])
    assert client.post(delete_url(attached)).status_code == 403
    assert ReportAttachment.objects.filter(pk=attached.pk).exists()
    assert Path(attached.file.path).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_school_does_not_find_the_attachment(client, w, attached, method):
    client.force_login(w["school_b1"])
    assert getattr(client, method)(delete_url(attached)).status_code == 404
    assert ReportAttachment.objects.filter(pk=attached.pk).exists()


def test_an_approved_report_keeps_its_attachments(client, w, attached):
    w["report"].status = "approved"
    w["report"].save()
    client.force_login(w["xuexiao"])
    assert client.post(delete_url(attached)).status_code == 403
    assert Path(attached.file.path).exists()


# The partial -----------------------------------------------------------------------


def test_the_partial_lists_files_with_a_fixed_number_of_queries(w):
    def render():
        context = attachments_context(report=w["report"], user=w["xuexiao"])
        with CaptureQueriesContext(connection) as queries:
            html = render_to_string("reporting/_attachments.html", context)
        return html, len(queries)

    attachment_add(report=w["report"], user=w["xuexiao"], upload=upload("一.pdf", PDF))
    html, one = render()
    assert "一.pdf" in html and 'name="file"' in html
    for name in ("二.pdf", "三.pdf"):
        attachment_add(report=w["report"], user=w["xuexiao"], upload=upload(name, PDF))
    html, three = render()
    assert "三.pdf" in html
    assert one == three == 1


def test_the_partial_offers_no_upload_without_the_right(w, attached):
    html = render_to_string(
        "reporting/_attachments.html",
        attachments_context(report=w["report"], user=w["duxue"]),
    )
    assert "总结.pdf" in html
    assert 'name="file"' not in html
    assert reverse("reporting:attachment_delete", args=[attached.pk]) not in html


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [("学期总结.docx", minimal_docx(), True), ("总结.pdf", EXE, False)],
)
def test_large_uploads_spooled_to_disk_are_checked_alike(
    client, settings, w, name, content, accepted
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64  # the upload goes to a temporary file
    content += b"\x00" * 1024  # a ZIP may carry trailing bytes
    client.force_login(w["xuexiao"])
    client.post(upload_url(w["report"]), {"file": upload(name, content)})
    attachment = ReportAttachment.objects.filter(report=w["report"]).first()
    if accepted:
        assert attachment.content_type == DOCX_TYPE
        assert Path(attachment.file.path).read_bytes() == content
    else:
        assert attachment is None
        assert stored_files(settings.MEDIA_ROOT) == []


def test_the_report_pages_list_the_uploaded_file(client, w):
    client.force_login(w["xuexiao"])
    response = client.post(
        upload_url(w["report"]), {"file": upload("活动照片.png", PNG)}, follow=True
    )
    assert response.status_code == 200
    attachment = ReportAttachment.objects.get()
    page = response.content.decode()
    assert "活动照片.png" in page and download_url(attachment) in page
    assert delete_url(attachment) in page
    detail = client.get(reverse("reporting:report_detail", args=[w["report"].pk]))
    assert download_url(attachment) in detail.content.decode()
