"""Every page a clerk can reach reads as Chinese: for each role, every page of the
menu, and a detail, form and history page of each record type, checked in headless
Chromium by ``page_text.problems``. Screenshots go to test-artifacts/page-text/."""

import contextlib
import datetime as dt
import shutil
from urllib.parse import urlsplit

import pytest
from django.urls import NoReverseMatch, reverse

from core.audit import audit_context
from tests import world

from .conftest import ARTIFACTS, log_in
from .page_text import findings, problems, vocabulary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["admin", "sheng", "shi", "xian", "duxue", "xuexiao", "jiaoshi"]
# Outside the site's own pages: Django's admin and the API's browsable docs.
ELSEWHERE = ("/admin/", "/api/", "/accounts/logout/", "/i18n/")


def record_pages(w) -> list[str]:
    """A detail, form and history page of each record type, in 历下区."""
    pages = []
    for model, obj in w["in_A1"].items():
        name = model._meta.model_name
        meta = model._meta
        for suffix, args in (("detail", [obj.pk]), ("edit", [obj.pk]), ("add", [])):
            with contextlib.suppress(NoReverseMatch):
                pages.append(reverse(f"{meta.app_label}:{name}_{suffix}", args=args))
        pages.append(reverse("object_history", args=[meta.app_label, name, obj.pk]))
    report = w["in_A1"][next(m for m in w["in_A1"] if m.__name__ == "SemesterReport")]
    pages += [
        reverse("reporting:report_detail", args=[report.pk]),
        reverse("reporting:report_edit", args=[report.pk]),
        reverse("reporting:statistics_table", args=["partner_assistance"]),
        reverse("reporting:board_missing"),
    ]
    pages += [reverse("user_detail", args=[w["xuexiao"].pk])]
    pages += [reverse("password_change"), reverse("api_tokens")]
    return list(dict.fromkeys(pages))


def some_jobs(w, user) -> list[str]:
    """A finished export and a checked import of ``user``: their pages too."""
    from imports.models import ImportJob
    from reporting.models import ExportJob

    export = ExportJob.objects.create(
        user=user,
        table="partner_assistance",
        filters={"span": "school_year", "year": 2024},
        status="done",
        stage="完成",
        progress=100,
    )
    imported = ImportJob.objects.create(
        user=user, record_type="persons", file_name="人员.xlsx", status="checked"
    )
    return [
        reverse("reporting:export_detail", args=[export.pk]),
        reverse("imports:detail", args=[imported.pk]),
    ]


def issue_18_pages(w) -> list[str]:
    """A reminder channel and a delivered reminder in 历下区, a stint awaiting the
    host school and one sent back, the teacher account page of a person and the
    work log of a secondment: the pages of each, and the lists they appear on."""
    from dispatch import services as dispatch_services
    from dispatch.models import Stint
    from reminders.models import Channel, Delivery, Reminder

    channel = Channel.objects.create(
        kind="dingtalk",
        name="历下区教育局群",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abcdef123456",
        secret="SECabcdef1234567890",
        region=w["A1"],
    )
    reminder = Reminder.objects.create(
        kind="report_deadline",
        key="period-1/school-1",
        subject="请报送 2024 秋季学期总结",
        link="/reports/mine/",
        school=w["a1r"],
    )
    Delivery.objects.create(
        reminder=reminder,
        target="channel",
        channel=channel,
        attempt=1,
        status="failed",
        http_status=500,
        response="busy",
    )
    secondment = w["in_A1"][Stint].secondment
    sender = world.user("a1s_staff", "school", school_=w["a1s"])
    for start, end in (
        (dt.date(2024, 11, 4), dt.date(2024, 11, 8)),
        (dt.date(2024, 12, 2), dt.date(2024, 12, 6)),
    ):
        stint = Stint(secondment=secondment, start=start, end=end)
        dispatch_services.stint_mark_recorded(stint, sender)
        stint.save()
    dispatch_services.stint_send_back(
        stint=stint, user=w["xuexiao"], comment="日期有误"
    )
    return [
        reverse("reminders:channel_detail", args=[channel.pk]),
        reverse("reminders:channel_edit", args=[channel.pk]),
        reverse("reminders:channel_add"),
        reverse("reminders:reminder_detail", args=[reminder.pk]),
        reverse("dispatch:stint_pending"),
        reverse("dispatch:stint_edit", args=[stint.pk]),
        reverse("dispatch:teacher:account_open", args=[secondment.person_id]),
        reverse("dispatch:secondment_work_log", args=[secondment.pk]),
        "/todo/",
    ]


def some_history(w):
    """Changes as a clerk makes them, so history pages have before and after."""
    pairing = w["pA1"]
    with audit_context(user=w["xian"], source="web"):
        pairing.status = "terminated"
        pairing.end_date = dt.date(2026, 7, 31)
        pairing.save()
        person = w["in_A1"][next(m for m in w["in_A1"] if m.__name__ == "Person")]
        person.subject = "english"
        person.save()


def own_pages(page) -> list[str]:
    """The links of the page in hand that stay under /me/ (a teacher's pages)."""
    page.goto(f"{page.base}/me/", wait_until="load")
    hrefs = page.eval_on_selector_all(
        "main a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    return [h for h in hrefs if urlsplit(h).path.startswith("/me/")]


def menu_pages(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "header a[href], nav a[href], .navbar a[href]",
        "els => els.map(e => e.getAttribute('href'))",
    )
    own = []
    for href in hrefs:
        path = urlsplit(href).path
        if href.startswith(("http", "//")) and urlsplit(href).netloc:
            continue
        if not path.startswith("/") or path.startswith(ELSEWHERE):
            continue
        own.append(href)
    return own


def test_the_check_itself_names_what_a_clerk_should_not_read():
    codes, fields = {"to_receiving", "maths"}, {"start_date"}
    text = (
        "学科 maths\n方向 to_receiving\n开始 start_date\n"
        "时间 2025-10-08T06:05:00+00:00\n备注 None\n状态 已审核 → 已审核\n"
        "Saved\n导出 Excel 与 API，身份证 ID"
    )
    found = findings(text, set(), codes, fields)
    assert "raw choice code 'maths'" in found
    assert "raw choice code 'to_receiving'" in found
    assert "field name 'start_date'" in found
    assert any(f.startswith("ISO/UTC time") for f in found)
    assert "empty value 'None'" in found
    assert "doubled word '已审核 → 已审核'" in found
    assert findings("系统 · 系统", set()) == ["doubled word '系统 · 系统'"]
    assert "English 'Saved'" in found
    assert not any("Excel" in f or "API" in f or "'ID'" in f for f in found)
    assert findings("2025年10月8日 14:05 已保存", set()) == []
    url = "https://oapi.dingtalk.com/robot/send?access_token=x"
    assert findings(f"Webhook 地址 {url}", set()) == []
    assert findings("地址 /reports/mine/", set()) == [
        "English 'reports'",
        "English 'mine'",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_every_role_reads_as_chinese(browser, live_server, role):
    w = world.build()
    some_history(w)
    codes, fields = vocabulary()
    # Data, not interface: the accounts' own names.
    allowed = set(ROLES) | {
        "xian_b1",
        "xian_l",
        "school_b1",
        "jiaoshi_b1",
        "a1s_staff",
    }
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.base = live_server.url
    log_in(page, role, world.PASSWORD)
    menu = menu_pages(page)
    if role == "jiaoshi":
        # The teacher's own pages, reached from /me/ rather than the menu.
        menu += own_pages(page)
    jobs = some_jobs(w, w[role])
    paths = dict.fromkeys(["/", *menu, *record_pages(w), *jobs, *issue_18_pages(w)])
    folder = ARTIFACTS / "page-text" / role
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    report, refused = {}, 0
    for path in paths:
        response = page.goto(f"{live_server.url}{path}", wait_until="load")
        if response.status in (403, 404):
            # The same error page each time: read it once.
            refused += 1
            if refused > 1:
                continue
        slug = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(folder / f"{slug}.png"), full_page=True)
        found = problems(page, allowed, codes, fields)
        if response.status >= 500:
            found.append(f"status {response.status}")
        if found:
            report[f"{path} ({response.status})"] = found
    # The menu's pages on a 390 px phone: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in dict.fromkeys(["/", *menu]):
        response = page.goto(f"{live_server.url}{path}", wait_until="load")
        slug = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(folder / f"{slug}-phone.png"), full_page=True)
        found = problems(page, allowed, codes, fields)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 391:
            found.append(f"{width} px wide on a 390 px phone")
        if found:
            report[f"{path} phone ({response.status})"] = found
    context.close()
    lines = [f"{where}: {'; '.join(found)}" for where, found in report.items()]
    (folder / "findings.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert not report, (
        f"{role}: {len(report)} of {len(paths)} pages a clerk would misread:\n"
        + "\n".join(lines)
    )


def test_lists_are_cards_on_a_phone(page):
    """At 390 px a list's rows are cards: each value under its column's title, the
    record's name on top, nothing to scroll sideways."""
    w = world.build()
    log_in(page, "xian", world.PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base}/secondments/")
    row = page.locator("table.list-cards tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    assert not page.locator("table.list-cards thead").is_visible()
    labels = page.eval_on_selector_all(
        "table.list-cards tbody tr:first-child td",
        "tds => tds.map(td => getComputedStyle(td, '::before').content)",
    )
    headers = page.eval_on_selector_all(
        "table.list-cards thead th", "ths => ths.map(th => th.innerText.trim())"
    )
    # Every value but the first (the card's title) is shown under its header.
    assert labels[0] in ("none", "normal")
    assert [label.strip('"') for label in labels[1:]] == headers[1:]
    assert w["in_A1"][world.Person].name in row.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "list-cards-phone.png"), full_page=True)
