"""A county user manager creates a school account in the browser."""

import pytest
from django.contrib.auth import get_user_model

from tests import world

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_manager_creates_a_school_user(page):
    w = world.build()
    log_in(page, "xian", world.PASSWORD)
    assert "欢迎" in page.content()
    screenshot(page, "home-xian")
    page.click("text=系统")
    page.click("text=用户管理")
    page.click("text=新建用户")
    page.fill("#id_username", "lixiaoming")
    page.fill("#id_last_name", "李")
    page.fill("#id_first_name", "晓明")
    page.fill("#id_password", "Kx7-lesson-plan")
    page.select_option("#id_role", "school")
    # The school field is a searchable select fed by the scoped autocomplete.
    page.click("#id_school-ts-control")
    page.keyboard.type("乡村")
    page.wait_for_selector(".ts-dropdown .option")
    options = page.locator(".ts-dropdown .option").all_inner_texts()
    assert any("历下乡村小学" in o for o in options)
    assert not any("市南" in o for o in options)
    page.locator(".ts-dropdown .option", has_text="历下乡村小学").click()
    screenshot(page, "user-create-xian")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已创建用户" in page.content()
    screenshot(page, "user-detail-xian")
    user = get_user_model().objects.get(username="lixiaoming")
    assert user.memberships.get().school == w["a1r"]
    assert page.errors == []


def test_login_lockout_page_is_chinese(page, settings):
    world.build()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(page, "duxue", "wrong")
    assert "请输入一个正确的" in page.content() or "账号已锁定" in page.content()
    log_in(page, "duxue", world.PASSWORD)
    assert "账号已锁定" in page.content()
    screenshot(page, "locked-out")
