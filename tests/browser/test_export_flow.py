"""A bureau user asks for the yearly workbook in the browser, watches the progress
bar fill without reloading, and downloads the file built by a real Celery worker."""

import io

import pytest
from openpyxl import load_workbook

from tests import world
from tests.workers import celery_worker, worker_env

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_yearly_workbook_from_the_statistics_page(page, tmp_path, settings):
    settings.EXPORT_ROOT = tmp_path / "exports"
    world.build()
    with celery_worker(worker_env(), log_path=tmp_path / "worker.log"):
        log_in(page, "xian", world.PASSWORD)
        page.goto(
            f"{page.base}/statistics/partner_assistance/?span=calendar_year&year=2024"
        )
        assert page.locator("#table-title").inner_text() == "对口支援工作统计表"
        screenshot(page, "statistics-table")
        page.click("#export-yearly")
        page.wait_for_selector("#export[data-finished=done]", timeout=90_000)
        assert page.locator("#export-bar").inner_text() == "100%"
        screenshot(page, "export-done")
        with page.expect_download() as download:
            page.click("#export-download")
        assert download.value.suggested_filename.endswith(".xlsx")
        # Playwright stores the download without an extension.
        with open(download.value.path(), "rb") as handle:
            workbook = load_workbook(io.BytesIO(handle.read()))
        assert workbook.worksheets[0]["A1"].value == "对口支援工作统计表"
    assert page.errors == []
