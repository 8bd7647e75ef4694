"""Import tests' helpers: a workbook made from rows, uploaded, checked and applied
by calling the worker's code in the test's process (the job code is the same the
Celery task calls; tests with a real worker are in tests/reliability)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from imports import jobs
from imports.types import REGISTRY


def workbook_bytes(rows, *, before=(), sheet="数据") -> bytes:
    """An .xlsx with ``before`` rows (titles) and then ``rows`` (the header first)."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in [*before, *rows]:
        ws.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def headers(slug) -> list[str]:
    return [c.header for c in REGISTRY[slug].all_columns()]


def row_for(slug, **by_header) -> list:
    return [by_header.get(h, "") for h in headers(slug)]


def upload(user, slug, content: bytes, name="台账.xlsx"):
    job = jobs.import_upload(
        user=user,
        record_type=slug,
        upload=SimpleUploadedFile(name, content),
    )
    work(job)
    job.refresh_from_db()
    return job


def work(job):
    assert jobs.claim(job)
    jobs.run(job)
    job.refresh_from_db()
    return job


def confirm(job, mode="valid"):
    jobs.import_confirm(job=job, mode=mode)
    return work(job)


def cells_of(content: bytes, sheet=None):
    book = load_workbook(io.BytesIO(content))
    return book[sheet] if sheet else book.worksheets[0]
