"""The main pages under the Content-Security-Policy, in headless Chromium: the
browser reports no violation, and the pages' scripts (now in static files) still
work: the charts draw, choosing a year, semester or language reloads the page, the
review queue's "all" box ticks every report, searchable selects search, a formset
grows a row, and the API documentation renders."""

import pytest

from reporting.models import SemesterReport
from tests import world

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation, as the page saw it (the console shows one too, as an error).
WATCH = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${where}`);
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH)
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations || []")


def visit(page, path: str):
    page.goto(f"{page.base}{path}")
    page.wait_for_load_state("networkidle")
    assert violations(page) == [], path


def test_the_main_pages_run_their_scripts_without_a_violation(watched):
    page = watched
    w = world.build()
    report = w["in_A1"][SemesterReport]
    SemesterReport.objects.filter(pk=report.pk).update(status="submitted")

    page.goto(f"{page.base}/accounts/login/")
    assert violations(page) == []
    log_in(page, "xian", world.PASSWORD)

    # The dashboard: the charts draw with their translated series names; choosing
    # a school year reloads the page for it.
    visit(page, "/?year=2024")
    page.wait_for_selector("#chart-region[data-rendered=true] canvas")
    for chart in ("chart-region", "chart-month", "chart-source"):
        assert page.locator(f"#{chart}[data-rendered=true] canvas").count() == 1
    screenshot(page, "csp-dashboard")
    year = page.locator("select[name=year]")
    other = year.locator("option:not([selected])").first.get_attribute("value")
    with page.expect_navigation():
        year.select_option(other)
    assert f"year={other}" in page.url
    assert violations(page) == []

    # The pairing page: choosing a semester reloads it.
    visit(page, f"/pairings/{w['pA1'].pk}/")
    semester = page.locator("#compliance select[name=semester]")
    with page.expect_navigation():
        semester.select_option(str(w["period"].pk))
    assert f"semester={w['period'].pk}" in page.url
    assert violations(page) == []

    # The review queue: "all" ticks every submitted report.
    visit(page, "/reports/review/")
    boxes = page.locator("input[name=report]")
    assert boxes.count() >= 1
    page.check("input[data-check-all]")
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.uncheck("input[data-check-all]")
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))

    # A form: a searchable select searches as one types; a formset grows a row.
    visit(page, "/secondments/add/")
    page.click("#id_person-ts-control")
    page.keyboard.type("A1")
    page.locator("#id_person-ts-dropdown .option").first.wait_for()
    page.keyboard.press("Escape")
    rows = page.locator("table.formset tbody tr")
    before = rows.count()
    page.click("button.add-row")
    assert rows.count() == before + 1
    screenshot(page, "csp-secondment-form")
    assert violations(page) == []

    # The language switch reloads the page in English, then back in Chinese.
    visit(page, "/pairings/")
    with page.expect_navigation():
        page.select_option("nav select[name=language]", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("nav select[name=language]", "zh-hans")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert violations(page) == []
    assert page.errors == []


def test_the_admin_and_the_api_documentation_run_without_a_violation(watched):
    page = watched
    world.build()
    log_in(page, "admin", world.PASSWORD)

    visit(page, "/admin/pairings/pairing/")
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    assert violations(page) == []

    visit(page, "/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=20000)
    screenshot(page, "csp-api-docs")
    assert violations(page) == []
    visit(page, "/api/redoc/")
    page.wait_for_selector("h1:has-text('对口支援管理系统 API')", timeout=20000)
    assert violations(page) == []
    # (The admin's pages have no icon: the browser's /favicon.ico is a 404.)
    assert [e for e in page.errors if "Refused" in e or "Policy" in e] == []
