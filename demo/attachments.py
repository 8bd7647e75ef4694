"""Attachments of the demo school's semester reports: a one-page PDF summary and a
small PNG photo on every report it has sent, so the report pages and the API show
attachments the way a school's would. The files are written under MEDIA_ROOT with
stored names made from the seed, and removed again by ``--flush``."""

import struct
import zlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from reporting.models import ReportAttachment, attachment_path

from .writer import explicit_timestamps

PDF_TYPE = "application/pdf"
PNG_TYPE = "image/png"


def summary_pdf(title: str) -> bytes:
    """A valid one-page PDF that says ``title`` (ASCII)."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def photo_png(rgb: tuple[int, int, int], width: int = 96, height: int = 64) -> bytes:
    """A valid PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def build_attachments(demo, reports, uploader) -> None:
    """``reports``: (report id, school year, semester, time it was first submitted)
    of the demo school's reports past their draft."""
    rng, writer = demo.rng("attachments"), demo.writer
    ids = writer.ids(ReportAttachment)
    rows = []
    for report_id, year, semester, submitted in reports:
        term = "秋季" if semester == "autumn" else "春季"
        summary = summary_pdf(f"Semester report {year}-{year + 1} {semester}")
        files = [
            (f"{year}-{year + 1}学年{term}学期工作总结.pdf", PDF_TYPE, summary),
            (
                "结对活动照片.png",
                PNG_TYPE,
                photo_png(tuple(rng.randrange(40, 220) for _ in range(3))),
            ),
        ]
        for index, (name, content_type, content) in enumerate(files):
            attachment = ReportAttachment(
                id=next(ids),
                report_id=report_id,
                token=f"{rng.getrandbits(160):040x}",
                original_name=name,
                content_type=content_type,
                size=len(content),
                uploaded_by=uploader,
                created_at=submitted - timedelta(hours=2 - index),
                updated_at=submitted - timedelta(hours=2 - index),
            )
            stored = attachment_path(attachment, name)
            default_storage.delete(stored)  # a load before this one, not flushed
            attachment.file.name = default_storage.save(stored, ContentFile(content))
            rows.append(attachment)
    with explicit_timestamps(ReportAttachment, "created_at", "updated_at"):
        writer.save(ReportAttachment, rows)
    writer.report(ReportAttachment)
