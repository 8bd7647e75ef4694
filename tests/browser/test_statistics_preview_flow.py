"""A bureau user opens a statistics table: the page waits (正在计算…) while a real
Celery worker computes it, then shows the table; an export asked for with a
malformed value comes back to the statistics page with the reason in Chinese."""

import re

import pytest

from tests import world
from tests.workers import celery_worker, worker_env

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LATIN_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


def visible_text(page) -> str:
    return page.locator("main").inner_text()


def test_the_preview_waits_for_the_worker_then_shows_the_table(
    page, tmp_path, settings
):
    settings.EXPORT_ROOT = tmp_path / "exports"
    world.build()
    log_in(page, "xian", world.PASSWORD)
    url = f"{page.base}/statistics/partner_assistance/?span=calendar_year&year=2024"
    # No worker yet: the page can only wait.
    page.goto(url)
    page.wait_for_selector("#statistics-pending[data-state=waiting]")
    text = visible_text(page)
    assert "正在计算…" in text and "自动刷新" in text
    assert not LATIN_WORD.search(text), text
    screenshot(page, "statistics-pending")
    with celery_worker(worker_env(), log_path=tmp_path / "worker.log"):
        # The page reloads by itself until the worker has stored the table.
        page.wait_for_selector("#table-title", timeout=90_000)
    assert page.locator("#table-title").inner_text() == "对口支援工作统计表"
    assert "历下区" in visible_text(page)
    screenshot(page, "statistics-ready")
    assert page.errors == []


def test_a_malformed_export_comes_back_with_the_reason(page, tmp_path, settings):
    settings.EXPORT_ROOT = tmp_path / "exports"
    world.build()
    log_in(page, "xian", world.PASSWORD)
    page.goto(f"{page.base}/statistics/")
    # What a hand-made link or an old bookmark sends: year 0, end before start.
    page.evaluate(
        """() => {
          const form = document.createElement("form");
          form.method = "post";
          form.action = "/exports/request/";
          const fields = {
            csrfmiddlewaretoken: document.querySelector(
              "[name=csrfmiddlewaretoken]").value,
            table: "roster", span: "range", start: "2025-03-01", end: "2025-01-01",
            year: "0",
          };
          for (const [name, value] of Object.entries(fields)) {
            const input = document.createElement("input");
            input.type = "hidden"; input.name = name; input.value = value;
            form.appendChild(input);
          }
          document.body.appendChild(form);
          form.submit();
        }"""
    )
    page.wait_for_load_state("networkidle")
    assert "/statistics/roster/" in page.url
    text = visible_text(page)
    assert "未开始导出：" in text
    assert "结束日期不能早于开始日期" in text and "确保该值大于或等于2000" in text
    assert not LATIN_WORD.search(text), text
    screenshot(page, "statistics-export-refused")
    assert page.errors == []
