"""The HTML preview of a statistics table prints like the workbook: its own print
stylesheet (A4 landscape, header on every page, nothing below 9 pt, no navigation
or buttons), the checks (校验) under the notes with a mark for each, the same foot
and page numbers in Chinese."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from reporting.statistics import registry
from reporting.statistics.base import Check

from . import previews, world

STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "print-tables.css"


def test_the_print_stylesheet_prints_a4_landscape_readably():
    css = STYLESHEET.read_text(encoding="utf-8")
    assert re.search(r"@page\s*{[^}]*size:\s*A4 landscape", css)
    assert re.search(r"thead\s*{\s*display:\s*table-header-group", css)
    sizes = [float(size) for size in re.findall(r"font-size:\s*([\d.]+)pt", css)]
    assert sizes and min(sizes) >= 9
    assert not re.search(r"font-size:\s*[\d.]+(px|rem|em)", css)
    hidden = css.split("display: none")[0]
    for selector in ("nav", "form", "button", ".no-print"):
        assert selector in hidden


@pytest.mark.django_db
def test_the_preview_shows_the_checks_and_the_printed_foot(client, monkeypatch):
    w = world.build()
    build = registry.build

    def with_checks(code, *, user, spec):
        table = build(code, user=user, spec=spec)
        table.checks = [
            Check("表1资金与表4资金", "29.35", "29.35", True),
            Check("合计与各行之和", "12", "11", False),
        ]
        return table

    monkeypatch.setattr(registry, "build", with_checks)
    client.force_login(w["xian"])
    url = reverse("reporting:statistics_table", args=["partner_assistance"])
    response = previews.get(client, url, {"span": "calendar_year", "year": 2024})
    page = response.content.decode()
    assert "css/print-tables.css" in page
    assert '"第 " counter(page) " 页 共 " counter(pages) " 页"' in page
    body = page.split("<main")[1]
    section = body.split('id="statistics-checks"')[1].split("</ol>")[0]
    assert "校验" in section
    assert (
        'class="check-ok"' in section
        and "表1资金与表4资金：29.35／29.35，通过" in section
    )
    assert (
        'class="check-failed"' in section
        and "合计与各行之和：12／11，未通过" in section
    )
    # Notes, then checks, then the foot; the export buttons are not printed.
    assert body.index("stats-notes") < body.index("statistics-checks")
    assert body.index("statistics-checks") < body.index("stats-foot")
    for text in ("填表人：", "审核人：", "填报日期："):
        assert text in body.split("stats-foot")[1]
    assert 'no-print">\n  <a href' in body
