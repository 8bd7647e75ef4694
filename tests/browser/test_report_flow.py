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


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def test_school_corrects_a_returned_report_without_losing_typed_text(page, live_server):
    """The return comment is above the form; attaching and removing a file leaves
    the unsaved text in the form (and saves nothing of it); once approved, the edit
    page says who can unlock it; the breadcrumb leads to the school's reports."""
    from reporting.models import ReportAttachment
    from reporting.reports import services

    w = world.build()
    period = w["period"]
    today = timezone.localdate()
    period.deadline = today + dt.timedelta(days=20)
    period.lock_date = today + dt.timedelta(days=40)
    period.save()
    SemesterReport.objects.filter(school=w["a1r"], period=period).delete()
    w["xian"].last_name, w["xian"].first_name = "王", "科长"
    w["xian"].save()
    report = services.report_for(school=w["a1r"], period=period, user=w["xuexiao"])
    services.report_submit(report=report, user=w["xuexiao"])
    services.report_return(
        report=report, user=w["xian"], comment="请补充教研活动照片，并核对听课人数。"
    )
    returned_at = timezone.localtime(report.events.get(action="return").created_at)

    log_in(page, "xuexiao", world.PASSWORD)
    page.goto(f"{page.base}/reports/{report.pk}/edit/")
    box = page.locator("#return-comment")
    assert "请补充教研活动照片，并核对听课人数。" in box.inner_text()
    assert "王科长" in box.inner_text()
    at = returned_at
    when = f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"  # Beijing time
    assert when in box.inner_text()
    screenshot(page, "report-returned-edit")

    typed = "每周两次送教下乡，已补充三次教研活动照片。"
    page.fill("#id_practices", typed)
    page.evaluate("window.notReloaded = true")
    page.set_input_files(
        "#attachment-file",
        files=[
            {"name": "教研活动照片.pdf", "mimeType": "application/pdf", "buffer": PDF}
        ],
    )
    page.click("#attachments button:has-text('上传')")
    page.locator("#attachments a", has_text="教研活动照片.pdf").first.wait_for()
    assert "已上传" in page.locator("#attachments").inner_text()
    assert page.evaluate("window.notReloaded === true")
    assert page.input_value("#id_practices") == typed
    assert ReportAttachment.objects.filter(report=report).count() == 1
    report.refresh_from_db()
    assert report.practices == ""  # attaching saved nothing of the form
    screenshot(page, "report-attached-in-place")

    page.click("button[value=save]")
    page.wait_for_load_state("networkidle")
    page.reload()
    assert page.input_value("#id_practices") == typed
    report.refresh_from_db()
    assert report.practices == typed

    # Removing a file keeps the text too.
    page.fill("#id_outcomes", "听课人数已核对。")
    page.click("#attachments button.dropdown-toggle")
    page.click("#attachments button:has-text('删除此文件')")
    page.locator("#attachments", has_text="已删除").wait_for()
    assert page.input_value("#id_outcomes") == "听课人数已核对。"
    assert not ReportAttachment.objects.filter(report=report).exists()
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "report-returned-edit-phone")
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")
    report.refresh_from_db()
    assert report.status == "submitted" and report.outcomes == "听课人数已核对。"

    # The breadcrumb leads to the school's own reports.
    page.click("nav[aria-label=breadcrumb] a >> nth=0")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/reports/mine/")
    assert "我的填报" in page.locator("h1").inner_text()

    assert page.errors == []
    services.report_approve(report=report, user=w["xian"])
    page.set_viewport_size({"width": 1366, "height": 900})
    response = page.goto(f"{page.base}/reports/{report.pk}/edit/")
    assert response.status == 403
    refused = page.locator("#report-refused").inner_text()
    assert "王科长" in refused and "审核通过" in refused
    assert "济南市" in refused and "历下区" in refused
    screenshot(page, "report-approved-edit")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "report-approved-edit-phone")
    page.click("#report-refused a:has-text('查看报告')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/reports/{report.pk}/")
    # The one console error is the refused page's own 403.
    assert [e for e in page.errors if "403" not in e] == []
