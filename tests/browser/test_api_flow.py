"""A county user creates an API token in the browser, reads the interactive API
documentation (served from local files) and a program then uses the key."""

import re

import pytest
from django.test import Client

from core.models import Notification
from tests import world

from .conftest import ARTIFACTS, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_user_creates_a_token_and_reads_the_api_docs(page):
    w = world.build()
    # Nothing may be fetched from outside, nor be missing.
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    log_in(page, "xian", world.PASSWORD)
    page.click("#user-menu")
    page.click("text=接口令牌")
    page.fill("#id_name", "省平台同步")
    page.click("#token-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    key = page.inner_text("#new-token-key").strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40}", key)
    assert "仅显示这一次" in page.content()
    screenshot(page, "api-token-created")

    # The key works for a program, and only within the user's scope.
    program = Client()
    response = program.get("/api/v1/schools/", HTTP_AUTHORIZATION=f"Token {key}")
    names = {row["name"] for row in response.json()["results"]}
    assert w["a1r"].name in names and w["b1r"].name not in names

    page.goto(f"{page.base}/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=20000)
    tags = page.locator(".opblock-tag").all_inner_texts()
    assert any("secondments" in t for t in tags)
    # Sections in the domain's order, each named in Chinese as well.
    assert [t.split()[0] for t in tags][:3] == ["regions", "schools", "school-profiles"]
    assert any("派遣（人次）" in t for t in tags)
    assert any("报告附件" in t for t in tags)
    page.screenshot(
        path=str(screenshot(page, "api-docs").with_name("api-docs-top.png"))
    )
    # "Try it out" works with the browser session, a write too (CSRF header).
    Notification.objects.create(user=w["xian"], message="请尽快报送")
    operation = page.locator("#operations-notifications-notifications_read_all_create")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=20000)
    assert status.inner_text().strip() == "200"
    assert '"marked": 1' in operation.locator(".live-responses-table").inner_text()
    operation.screenshot(path=str(ARTIFACTS / "api-try.png"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    page.goto(f"{page.base}/api/redoc/")
    page.wait_for_selector("h1:has-text('对口支援管理系统 API')", timeout=20000)
    # The sidebar names operations in Chinese; sections carry their description.
    assert page.locator("text=派遣 · 列表").count() > 0
    assert "派遣（人次） Secondments" in page.content()
    page.screenshot(
        path=str(screenshot(page, "api-redoc").with_name("api-redoc-top.png"))
    )

    page.goto(f"{page.base}/accounts/tokens/")
    page.click("#tokens button:has-text('吊销')")
    page.wait_for_load_state("networkidle")
    assert "已吊销" in page.content()
    response = program.get("/api/v1/schools/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert failed == []
    assert page.errors == []
