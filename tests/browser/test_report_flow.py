"""A semester's reporting cycle in headless Chromium: the school files, the county
returns it with a comment, the school fixes and resubmits, the county approves, the
school can no longer edit, and the completeness board counts it."""

import datetime as dt

import pytest
from django.utils import timezone

from reporting.models import SemesterReport
from tests import world

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_school_files_county_returns_school_resubmits_county_approves(
    browser, live_server
):
    w = world.build()
    period = w["period"]
    today = timezone.localdate()
    period.deadline = today + dt.timedelta(days=20)
    period.lock_date = today + dt.timedelta(days=40)
    period.save()
    SemesterReport.objects.filter(school=w["a1r"], period=period).delete()

    def page_for(username):
        context = browser.new_context(
            locale="zh-CN", viewport={"width": 1366, "height": 900}
        )
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.base = live_server.url
        log_in(page, username, world.PASSWORD)
        return page

    school = page_for("xuexiao")
    school.goto(f"{school.base}/reports/mine/")
    school.click("text=开始填报")
    school.wait_for_load_state("networkidle")
    school.fill("#id_practices", "每周两次送教下乡。")
    school.click("button[value=submit]")
    school.wait_for_load_state("networkidle")
    assert "报告已提交" in school.content()
    report = SemesterReport.objects.get(school=w["a1r"], period=period)
    assert report.status == "submitted"

    county = page_for("xian")
    county.goto(f"{county.base}/reports/{report.pk}/")
    county.fill("#comment", "请补充教研活动照片")
    county.click("button[value=return]")
    county.wait_for_load_state("networkidle")
    assert county.locator("#report-status").inner_text() == "已退回"

    school.goto(f"{school.base}/reports/mine/?tab=returned")
    assert "历下乡村小学" in school.content()
    school.click("text=打开")
    school.wait_for_load_state("networkidle")
    school.fill("#id_outcomes", "已补充照片。")
    school.click("button[value=submit]")
    school.wait_for_load_state("networkidle")
    report.refresh_from_db()
    assert report.status == "submitted"

    county.goto(f"{county.base}/reports/{report.pk}/")
    county.click("button[value=approve]")
    county.wait_for_load_state("networkidle")
    assert county.locator("#report-status").inner_text() == "已审核"
    timeline = county.locator("#timeline").inner_text()
    assert "请补充教研活动照片" in timeline and "已重新提交" in timeline
    screenshot(county, "report-approved")

    response = school.goto(f"{school.base}/reports/{report.pk}/edit/")
    assert response.status == 403
    school.goto(f"{school.base}/reports/{report.pk}/")
    assert school.locator("a", has_text="编辑").count() == 0

    county.goto(f"{county.base}/reports/board/?period={period.pk}")
    screenshot(county, "report-board")
    board = county.content()
    assert "历下区" in board or "历下" in board
    assert school.errors == [] and county.errors == []
