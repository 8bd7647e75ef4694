"""A seconded teacher on a 390 px phone records an arrival, and writes a work log
entry with a photo, without network: the page keeps them (the photo too), says
so, and sends them once the network returns; the stint is stored once, awaiting
the host school, and the entry with its photo, which the host school reads."""

import contextlib
import datetime as dt
import time

import pytest

from dispatch.models import Stint, WorkLog
from tests import world

from .conftest import log_in, photos_on_disk, png, screenshot
from .page_text import problems, vocabulary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: page.errors.append(msg.text) if msg.type == "error" else None,
    )
    page.base = live_server.url
    page.context_ = context
    yield page
    context.close()


def wait_until(page, expression, timeout=15):
    """Poll ``expression`` in the page (wait_for_function evaluates a string the
    page's Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, expression
        page.wait_for_timeout(100)


def teacher_signs_in(page):
    """The seconded teacher of the test world signs in on the phone."""
    page.goto(f"{page.base}/accounts/login/")
    page.fill("#id_username", "jiaoshi")
    page.fill("#id_password", world.PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def offline(page):
    """The phone loses its network (and the page sees it)."""
    page.context_.set_offline(True)
    wait_until(page, "!navigator.onLine")


def fits_the_phone(page):
    """No sideways scrolling, and every button and field at least 44 px high."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    small = page.evaluate(
        """() => [...document.querySelectorAll(
            '.teacher .btn, .teacher input:not([type=hidden]), .teacher select,'
            + ' .teacher textarea')]
          .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
          .map(e => e.name || e.textContent.trim())"""
    )
    assert small == []


def test_an_arrival_recorded_offline_is_sent_once_when_online(phone):
    w = world.build()
    photos_on_disk(w)
    page = phone
    teacher_signs_in(page)
    # A teacher lands on their own page.
    assert page.url.endswith("/me/")
    assert page.locator("section.secondment").count() == 1
    fits_the_phone(page)
    screenshot(page, "teacher-home-390")

    page.click("a[href='/me/stints/add/']")
    page.wait_for_load_state("networkidle")
    # The service worker has taken the page (it keeps pages for offline use).
    wait_until(page, "navigator.serviceWorker.ready.then(() => true)")
    fits_the_phone(page)
    screenshot(page, "teacher-stint-form-390")

    secondment = w["in_A1"][Stint].secondment
    before = Stint.objects.filter(secondment=secondment).count()
    offline(page)
    page.fill("#id_start", "2024-11-04")
    page.click("main button[type=submit]")
    page.wait_for_selector("#offline-queue[data-queued]")
    assert "已离线保存，联网后自动提交" in page.inner_text("#offline-queue")
    screenshot(page, "teacher-stint-queued-390")
    assert Stint.objects.filter(secondment=secondment).count() == before

    page.context_.set_offline(False)
    wait_until(
        page, "document.getElementById('offline-queue').textContent.includes('已提交')"
    )
    stints = Stint.objects.filter(secondment=secondment, start=dt.date(2024, 11, 4))
    assert stints.count() == 1
    stint = stints.get()
    assert (stint.end, stint.confirmation) == (stint.start, "pending")
    assert stint.recorded_by == w["jiaoshi"]

    # A second page load sends nothing again: the queue is empty, and a replay of
    # the same key would be ignored.
    page.goto(f"{page.base}/me/")
    page.wait_for_load_state("networkidle")
    assert stints.count() == 1
    badge = page.locator(f"[data-stint='{stint.pk}'] [data-confirmation]")
    assert badge.inner_text() == stint.get_confirmation_display()
    fits_the_phone(page)
    screenshot(page, "teacher-home-after-390")
    assert page.errors == []


def log_out(page):
    """Through the menu, as on a phone: the collapsed bar, the user menu, 退出. On a
    busy machine a click on the menu can land while the bar is still unfolding and
    leave it shut: the menu is opened again until 退出 shows."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    button = page.locator("form[data-logout] button[type=submit]")
    menu = page.locator("#user-menu")
    for _attempt in range(5):
        if button.is_visible():
            break
        if not menu.is_visible():
            page.click("button.navbar-toggler")
            menu.wait_for(state="visible")
        menu.click()
        with contextlib.suppress(PlaywrightTimeoutError):
            button.wait_for(state="visible", timeout=3_000)
    button.click()


def caches_left(page) -> list:
    return page.evaluate(
        "() => caches.keys().then(n => n.filter(x => x.startsWith('duikou-')))"
    )


def test_logging_out_leaves_no_page_of_the_teacher_on_the_phone(phone):
    """A shared phone: after 退出 the pages the service worker kept for offline use
    are gone, the worker with them, and a queue with unsent forms is not dropped
    without asking."""
    w = world.build()
    photos_on_disk(w)
    page = phone
    teacher_signs_in(page)
    wait_until(page, "navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{page.base}/me/")  # now through the worker, into its cache
    page.wait_for_load_state("networkidle")
    wait_until(page, "caches.keys().then(n => n.some(x => x.startsWith('duikou-')))")

    # A form queued offline: logging out asks first; "cancel" keeps everything.
    page.goto(f"{page.base}/me/stints/add/")
    offline(page)
    page.fill("#id_start", "2024-11-04")
    page.click("main button[type=submit]")
    page.wait_for_selector("#offline-queue[data-queued]")
    # The page asks once it has counted the queue (asynchronously: on a busy
    # machine later than a fixed wait would allow). Answered "cancel" as it comes:
    # a question left open would hold the click until it timed out.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    log_out(page)
    for _ in range(100):
        if asked:
            break
        page.wait_for_timeout(100)
    assert asked, "退出 did not ask about the unsent form"
    assert "1" in asked[0] and "退出" in asked[0]
    assert "/me/" in page.url  # still logged in, still queued
    assert caches_left(page)

    # Sent once online, then 退出 asks nothing and leaves nothing behind.
    page.context_.set_offline(False)
    wait_until(
        page, "document.getElementById('offline-queue').textContent.includes('已提交')"
    )
    page.on("dialog", lambda d: asked.append(d.message) or d.dismiss())
    log_out(page)
    page.wait_for_url("**/accounts/login/**")
    assert len(asked) == 1
    assert caches_left(page) == []
    assert (
        page.evaluate(
            "() => navigator.serviceWorker.getRegistrations().then(r => r.length)"
        )
        == 0
    )
    assert page.errors == []


def test_a_work_log_with_a_photo_written_offline_is_sent_when_online(phone):
    """In a village without signal: the entry and its photo are kept on the phone
    (the photo as a file in the browser's IndexedDB), sent once the network
    returns, and stored with the photo, which the page then shows."""
    w = world.build()
    photos_on_disk(w)
    page = phone
    teacher_signs_in(page)
    page.click("a[href='/me/log/add/']")
    page.wait_for_load_state("networkidle")
    wait_until(page, "navigator.serviceWorker.ready.then(() => true)")

    secondment = w["in_A1"][Stint].secondment
    offline(page)
    page.fill("#id_date", "2024-11-05")
    page.select_option("#id_kind", "daily")
    page.fill("#id_taught", "七年级数学 一元一次方程")
    page.fill("#id_activities", "参加镇中心校教研活动")
    page.set_input_files(
        "#id_photos",
        files=[{"name": "板书.png", "mimeType": "image/png", "buffer": png(8, 6)}],
    )
    assert page.inner_text("[data-photo-chosen]") == "已选择 1 张照片"
    fits_the_phone(page)
    screenshot(page, "teacher-log-offline-390")
    page.click("main button[type=submit]")
    page.wait_for_selector("#offline-queue[data-queued]")
    assert page.inner_text("#offline-queue") == (
        "已离线保存（含 1 张照片），联网后自动提交。"
    )
    # The form is cleared for the next entry, its photo with it.
    wait_until(page, "!document.querySelector('[data-photo-chosen]').textContent")
    fits_the_phone(page)
    screenshot(page, "teacher-log-queued-390")
    logs = WorkLog.objects.filter(secondment=secondment, date=dt.date(2024, 11, 5))
    assert not logs.exists()

    page.context_.set_offline(False)
    wait_until(
        page, "document.getElementById('offline-queue').textContent.includes('已提交')"
    )
    log = logs.get()
    assert (log.taught, log.activities, log.kind) == (
        "七年级数学 一元一次方程",
        "参加镇中心校教研活动",
        "daily",
    )
    assert log.recorded_by == w["jiaoshi"]
    (photo,) = log.photos.all()
    assert (photo.original_name, photo.content_type) == ("板书.png", "image/png")
    with photo.file.open("rb") as stored:
        assert stored.read() == png(8, 6)

    # The entry and its photo on the teacher's page.
    page.goto(f"{page.base}/me/")
    page.wait_for_load_state("networkidle")
    entry = page.locator(f"[data-work-log='{log.pk}']")
    assert "一元一次方程" in entry.inner_text()
    wait_until(
        page,
        f"document.querySelector(\"[data-work-log='{log.pk}'] img\").naturalWidth > 0",
    )
    fits_the_phone(page)
    screenshot(page, "teacher-log-sent-390")
    assert page.errors == []

    # The host school reads it, photo and all, on the secondment's page.
    host = page.context_.browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    host.base = page.base
    log_in(host, "xuexiao", world.PASSWORD)
    host.goto(f"{page.base}/secondments/{secondment.pk}/")
    entry = host.locator(f"[data-work-log='{log.pk}']")
    assert "一元一次方程" in entry.inner_text()
    wait_until(
        host,
        f"document.querySelector(\"[data-work-log='{log.pk}'] img\").naturalWidth > 0",
    )
    assert host.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    codes, fields = vocabulary()
    assert problems(host, {"xuexiao"}, codes, fields) == []
    screenshot(host, "host-school-work-log-390")
    host.context.close()


def test_a_work_log_the_phone_cannot_keep_offline_stays_in_the_form(phone):
    """The phone's storage is full (IndexedDB refuses the entry): the page says so
    in Chinese, and what was typed stays in the form."""
    world.build()
    page = phone
    teacher_signs_in(page)
    page.goto(f"{page.base}/me/log/add/")
    page.evaluate(
        """() => { IDBObjectStore.prototype.add = function () {
             throw new DOMException('full', 'QuotaExceededError'); }; }"""
    )
    offline(page)
    page.fill("#id_taught", "七年级数学 一元一次方程")
    page.set_input_files(
        "#id_photos",
        files=[{"name": "板书.png", "mimeType": "image/png", "buffer": png()}],
    )
    page.click("main button[type=submit]")
    wait_until(
        page,
        "document.getElementById('offline-queue').textContent.includes('没能保存')",
    )
    assert "少选几张照片" in page.inner_text("#offline-queue")
    assert page.input_value("#id_taught") == "七年级数学 一元一次方程"
    assert page.inner_text("[data-photo-chosen]") == "已选择 1 张照片"
    fits_the_phone(page)
    screenshot(page, "teacher-log-not-kept-390")
    page.context_.set_offline(False)
