"""Printing the preview of table 1 from Chromium: an A4 landscape PDF whose text is
real, selectable Chinese (the title, the regions, the foot), with no navigation or
export buttons on paper."""

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from tests import world
from tests.workers import celery_worker, worker_env

from .conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A4_LANDSCAPE = (842, 595)  # points


def open_table(page, url):
    """The preview may first show a waiting page while the worker computes it;
    that page reloads itself until the table is there (going to the address
    again meanwhile would race its own reload)."""
    page.goto(url)
    page.wait_for_selector("#statistics-table", timeout=90_000)


def test_table_one_prints_a4_landscape_with_selectable_chinese(
    page, tmp_path, settings
):
    settings.EXPORT_ROOT = tmp_path / "exports"
    world.build()
    log_in(page, "xian", world.PASSWORD)
    url = f"{page.base}/statistics/partner_assistance/?span=calendar_year&year=2024"
    with celery_worker(worker_env(), log_path=tmp_path / "worker.log"):
        open_table(page, url)
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "statistics-print.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    for sheet in reader.pages:
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(width - A4_LANDSCAPE[0]) <= 2 and abs(height - A4_LANDSCAPE[1]) <= 2
    text = "".join(sheet.extract_text() for sheet in reader.pages)
    # The CJK fonts map some characters to their radicals' code points (⼝ for 口);
    # NFKC gives the characters back.
    flat = unicodedata.normalize("NFKC", "".join(text.split()))
    for expected in ("对口支援工作统计表", "历下区", "填表人", "审核人", "填报日期"):
        assert expected in flat, expected
    assert re.search(r"第1.共\d+.", flat)  # the page number in the page's foot
    # On paper: no menu, no export buttons.
    for absent in ("导出", "退出", "统计报表"):
        assert absent not in flat.replace("对口支援工作统计表", ""), absent
    assert page.errors == []
