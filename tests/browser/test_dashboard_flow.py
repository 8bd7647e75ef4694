"""The dashboard as a county clerk meets it (issue 17, item 5): the newest school
year with data, every month labelled at its place, the county's own schools in the
region chart, and a card that opens its list."""

import datetime as dt
from decimal import Decimal

import pytest

from dispatch.models import Activity
from tests import world

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHART_OPTION = """id => {
    const option = echarts.getInstanceByDom(document.getElementById(id)).getOption();
    return {
        labels: option.xAxis[0].data,
        interval: option.xAxis[0].axisLabel.interval,
        series: option.series.map(s => s.data),
    };
}"""


def test_county_clerk_opens_the_dashboard(page):
    w = world.build()
    township = world.region("370102001", "姚家街道", 4, w["A1"])
    town_school = world.school("姚家小学", township)
    pairing = world.pairing("姚家结对", w["programme"], w["a1s"], town_school)
    for day in (dt.date(2024, 9, 20), dt.date(2025, 3, 12), dt.date(2025, 3, 13)):
        Activity.objects.create(
            pairing=pairing,
            kind="lecture",
            title="讲座",
            date=day,
            host_side="receiving",
        )
    log_in(page, "xian", world.PASSWORD)
    # No year asked for: the newest one with data, whatever today's date.
    page.goto(f"{page.base}/")
    page.wait_for_selector("#chart-month[data-rendered=true] canvas")
    assert page.locator("#dashboard-year option:checked").inner_text() == (
        "2024-2025 学年"
    )
    months = page.evaluate(CHART_OPTION, "chart-month")
    assert months["labels"][0] == "9月" and months["labels"][6] == "3月"
    assert months["interval"] == 0  # no month label skipped
    assert months["series"][0] == [1, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]
    regions = page.evaluate(CHART_OPTION, "chart-region")
    assert regions["labels"] == ["姚家街道", "历下区（本级）"]
    screenshot(page, "dashboard-county")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#chart-month[data-rendered=true] canvas")
    screenshot(page, "dashboard-county-phone")

    # 到位资金 opens the received funds of that school year, with the same total.
    page.set_viewport_size({"width": 1366, "height": 900})
    card = page.locator("#key-figures a", has_text="到位资金")
    figure = card.locator(".value").inner_text()
    with page.expect_navigation():
        card.click()
    assert "kind=received" in page.url and "date_from=2024-09-01" in page.url
    total = page.locator("tfoot").inner_text().split()[-1]  # yuan: 20,000.00
    assert Decimal(total.replace(",", "")) / 10000 == Decimal(figure)
    screenshot(page, "dashboard-funds-list")
    assert page.errors == []


def test_a_province_dashboard_after_a_write_says_it_is_being_updated(page, settings):
    """A province clerk after a write (core/refreshed.py): the figures as they
    were, with the time they were computed in local time, in Chinese, whole at
    desktop and phone width."""
    from django.utils import timezone

    from core import freshness

    from .page_text import problems, vocabulary

    settings.DUIKOU_REFRESH_IN_WORKER_AFTER = 0  # the world is small: as costly
    world.build()
    codes, fields = vocabulary()
    log_in(page, "sheng", world.PASSWORD)
    before = timezone.localtime().strftime("%H:%M")
    page.goto(f"{page.base}/")
    after = timezone.localtime().strftime("%H:%M")
    assert page.locator("#dashboard-updating").count() == 0
    freshness._renew()  # a write, committed
    page.reload()
    line = page.locator("#dashboard-updating").inner_text()
    # the time the figures were computed, in local time, not UTC
    assert f"以下为 {before} 的统计" in line or f"以下为 {after} 的统计" in line
    assert "请稍后刷新页面查看" in line
    assert problems(page, {"sheng"}, codes, fields) == []
    screenshot(page, "dashboard-province-updating")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.locator("#dashboard-updating").is_visible()
    assert problems(page, {"sheng"}, codes, fields) == []
    screenshot(page, "dashboard-province-updating-phone")
