"""A county clerk's semester of data entry for a pairing, in headless Chromium."""

import pytest

from dispatch.models import Activity, Secondment
from pairings.models import Pairing
from tests import world

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def choose(page, field, text):
    """Pick ``text`` in a searchable select (Tom Select fed by the autocomplete)."""
    page.click(f"#id_{field}-ts-control")
    page.keyboard.type(text)
    option = page.locator(f"#id_{field}-ts-dropdown .option", has_text=text).first
    option.wait_for()
    option.click()
    page.keyboard.press("Escape")


def test_county_clerk_enters_a_pairing_secondment_and_activity(page):
    w = world.build()
    log_in(page, "xian", world.PASSWORD)

    # A pairing with two supporting schools.
    page.goto(f"{page.base}/pairings/add/")
    choose(page, "programme", "城乡学校对口帮扶")
    page.fill("#id_name", "历下两校帮扶乡村小学")
    page.select_option("#id_status", "active")
    page.fill("#id_start_date", "2024-09-01")
    page.fill("#id_end_date", "2027-08-31")
    choose(page, "supporting", "历下实验小学")
    choose(page, "supporting", "历下第二实验小学")
    choose(page, "receiving", "历下乡村小学")
    screenshot(page, "pairing-form")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已保存" in page.content()
    pairing = Pairing.objects.get(name="历下两校帮扶乡村小学")
    assert pairing.parties.filter(side="supporting").count() == 2
    row = page.locator("tr.rule-time_on_post")
    assert row.get_attribute("data-status") == "no_data"

    # A secondment with two stints, from the pairing page.
    page.click("text=新增派遣")
    page.wait_for_load_state("networkidle")
    choose(page, "person", "A1老师")
    page.select_option("#id_direction", "to_receiving")
    page.select_option("#id_kind", "teaching")
    choose(page, "sending_school", "历下实验小学")
    choose(page, "host_school", "历下乡村小学")
    page.fill("#id_planned_start", "2024-09-01")
    page.fill("#id_planned_end", "2025-01-19")
    page.select_option("#id_subject", "maths")
    page.fill("#id_stints-0-start", "2024-09-02")
    page.fill("#id_stints-0-end", "2024-09-20")
    page.fill("#id_stints-1-start", "2024-10-08")
    page.fill("#id_stints-1-end", "2024-10-20")
    screenshot(page, "secondment-form")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    # The person is on post elsewhere until 30 October (the world's secondment):
    # the clerk is told where, and nothing is saved.
    overlap = page.locator(".invalid-feedback, .errorlist, .text-danger").filter(
        has_text="另一派遣"
    )
    assert overlap.count() >= 1, page.content()
    assert "2024-09-02 至 2024-10-30" in overlap.first.inner_text()
    screenshot(page, "secondment-form-overlap")
    assert not Secondment.objects.filter(pairing=pairing).exists()
    page.fill("#id_stints-0-start", "2024-11-04")
    page.fill("#id_stints-0-end", "2024-11-22")
    page.fill("#id_stints-1-start", "2024-12-02")
    page.fill("#id_stints-1-end", "2024-12-14")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已保存" in page.content()
    secondment = Secondment.objects.get(pairing=pairing)
    assert secondment.stints.count() == 2

    # The pairing page now judges time on post: 19 + 13 = 32 days.
    page.goto(f"{page.base}/pairings/{pairing.pk}/?semester={w['period'].pk}")
    assert page.locator("tr.rule-time_on_post").get_attribute("data-status") == "pass"
    assert page.locator("tr.rule-research").get_attribute("data-status") == "fail"

    # A teaching-research activity turns the research rule green.
    page.click("text=登记活动")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_kind", "research")
    page.fill("#id_title", "数学集体教研")
    page.fill("#id_date", "2024-11-12")
    page.select_option("#id_host_side", "receiving")
    page.fill("#id_teacher_participants", "12")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert Activity.objects.filter(pairing=pairing, title="数学集体教研").exists()
    page.goto(f"{page.base}/pairings/{pairing.pk}/?semester={w['period'].pk}")
    assert page.locator("tr.rule-research").get_attribute("data-status") == "pass"
    screenshot(page, "pairing-detail")
    assert page.errors == []


def test_dashboard_renders_its_charts(page):
    world.build()
    log_in(page, "sheng", world.PASSWORD)
    page.goto(f"{page.base}/?year=2024")
    page.wait_for_selector("#chart-region[data-rendered=true] canvas")
    for chart in ("chart-region", "chart-month", "chart-source"):
        assert page.locator(f"#{chart}[data-rendered=true] canvas").count() == 1
    screenshot(page, "dashboard")
    assert page.errors == []
