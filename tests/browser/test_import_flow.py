"""A county clerk imports a ledger in the browser with a real Celery worker:
upload → the check lists every error → download the marked file → fix the cell in
it → upload again → confirm → the rows are in, and the import can be undone."""

import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from dispatch.models import Person
from tests import world
from tests.workers import celery_worker, worker_env

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ledger(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["历下区支教教师名册（2024年）"])
    sheet.append(["姓名", "性别", "所在学校", "学科", "联系电话"])
    sheet.append(["王芳", "女", "历下实验小学", "语文", "１３８００１３８０００"])
    sheet.append(["赵六", "难", "历下实验小学", "数学", ""])
    book.save(path)
    return path


def test_upload_check_fix_and_confirm(page, tmp_path, settings):
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.MEDIA_ROOT = tmp_path / "media"
    world.build()
    with celery_worker(worker_env(), log_path=tmp_path / "worker.log"):
        log_in(page, "xian", world.PASSWORD)
        page.goto(f"{page.base}/imports/")
        screenshot(page, "import-index")
        page.select_option("#id_record_type", "persons")
        page.set_input_files("#id_file", str(ledger(tmp_path / "名册.xlsx")))
        page.click("#import-upload button[type=submit]")
        page.wait_for_selector("#import-counts", timeout=60_000)
        screenshot(page, "import-checked")
        problems = page.locator("#import-problems tbody tr")
        assert problems.count() == 1
        assert (
            "4" in problems.nth(0).inner_text()
            and "性别" in problems.nth(0).inner_text()
        )
        assert "难" in problems.nth(0).inner_text()

        with page.expect_download() as download:
            page.click("text=下载错误标注文件")
        marked = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        sheet = marked.worksheets[0]
        assert sheet["B4"].fill.fgColor.rgb.endswith("FFC7CE")
        # The clerk fixes the cell in the marked file and uploads it as it is.
        sheet["B4"] = "男"
        fixed = tmp_path / "名册-改.xlsx"
        marked.save(fixed)

        page.goto(f"{page.base}/imports/")
        page.select_option("#id_record_type", "persons")
        page.set_input_files("#id_file", str(fixed))
        page.click("#import-upload button[type=submit]")
        page.wait_for_selector("#import-counts", timeout=60_000)
        assert page.locator("#import-problems").count() == 0
        # The marked file's own error column is not the template's: said, ignored.
        assert "错误说明" in page.locator(".alert-warning").inner_text()
        page.check("input[name=mode][value=all]")
        page.click("#import-confirm button[type=submit]")
        page.wait_for_selector("#import-undo", timeout=60_000)
        body = page.locator("main").inner_text()
        assert "新增 2 条" in body
        screenshot(page, "import-applied")
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot(page, "import-applied-phone")
        assert Person.objects.get(name="王芳").phone == "13800138000"
        assert Person.objects.get(name="赵六").gender == "M"

        page.click("#import-undo button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "已撤销导入" in page.locator("main").inner_text()
        assert not Person.objects.filter(name__in=["王芳", "赵六"]).exists()
    assert page.errors == []


def test_several_secondments_from_the_pairings_page(page, tmp_path, settings):
    w = world.build()
    log_in(page, "xian", world.PASSWORD)
    page.goto(f"{page.base}/pairings/{w['pA1'].pk}/")
    page.click("#batch-secondments")
    page.wait_for_selector("#batch-form")
    page.fill("input[name=r0-name]", "新来的老师")
    page.select_option("select[name=r0-gender]", label="女")
    page.select_option("select[name=r0-subject]", label="语文")
    page.select_option("select[name=r0-sending_school]", label=w["a1s"].name)
    page.select_option("select[name=r0-host_school]", label=w["a1r"].name)
    page.select_option("select[name=r0-kind]", index=1)
    page.fill("input[name=r0-planned_start]", "2024-09-01")
    page.fill("input[name=r0-planned_end]", "2025-01-15")
    # The second line is wrong: its plan lies before the pairing.
    page.fill("input[name=r1-name]", "第二位老师")
    page.select_option("select[name=r1-gender]", label="男")
    page.select_option("select[name=r1-subject]", label="数学")
    page.select_option("select[name=r1-sending_school]", label=w["a1s"].name)
    page.select_option("select[name=r1-host_school]", label=w["a1r"].name)
    page.select_option("select[name=r1-kind]", index=1)
    page.fill("input[name=r1-planned_start]", "2020-09-01")
    page.fill("input[name=r1-planned_end]", "2021-01-15")
    page.click("#batch-form button[type=submit]:not([name])")
    page.wait_for_selector(".is-invalid")
    screenshot(page, "batch-secondments-error")
    assert page.locator("input[name=r0-name]").input_value() == "新来的老师"
    assert not Person.objects.filter(name="新来的老师").exists()
    page.fill("input[name=r1-planned_start]", "2024-09-01")
    page.fill("input[name=r1-planned_end]", "2025-01-15")
    page.click("#batch-form button[type=submit]:not([name])")
    page.wait_for_url(f"**/pairings/{w['pA1'].pk}/")
    assert "2" in page.locator(".alert-success").inner_text()
    assert Person.objects.filter(name__in=["新来的老师", "第二位老师"]).count() == 2
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base}/pairings/{w['pA1'].pk}/secondments/batch/")
    screenshot(page, "batch-secondments-phone")
    assert page.errors == []
