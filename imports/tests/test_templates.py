"""The template a clerk downloads: Chinese headers, the 说明 sheet, dropdowns for
choice columns, date formats, A4 print setup; and the pages' query counts."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from imports.tests.helpers import headers, row_for, upload, workbook_bytes
from imports.types import REGISTRY
from tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


@pytest.mark.parametrize("slug", list(REGISTRY))
def test_every_template(w, client, slug):
    client.force_login(w["admin"])
    response = client.get(f"/imports/template/{slug}/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    data, notes = book["数据"], book["说明"]
    columns = REGISTRY[slug].all_columns()
    assert [c.value for c in data[1]] == [c.header for c in columns]
    # Required headers are red; the others black.
    for cell, column in zip(data[1], columns, strict=True):
        assert (
            cell.font.color is not None and cell.font.color.rgb.endswith("C00000")
        ) == column.required
        assert cell.font.name == "宋体"
    # Every column is explained, with the values it accepts.
    explained = {
        row[0].value: row for row in notes.iter_rows(min_row=2) if row[0].value
    }
    for column in columns:
        assert column.header in explained
        if column.choices:
            assert explained[column.header][3].value == "、".join(column.choices)
    # A dropdown on each choice column, from the hidden 选项 sheet.
    lists = {
        str(v.sqref).split(":")[0]: v for v in data.data_validations.dataValidation
    }
    choice_letters = {
        data.cell(row=1, column=n).column_letter
        for n, column in enumerate(columns, start=1)
        if column.choices
    }
    assert {ref.rstrip("0123456789") for ref in lists} == choice_letters
    assert book["选项"].sheet_state == "hidden"
    # Printed on A4 landscape at 100 %, the header row on every page.
    assert str(data.page_setup.paperSize) == data.PAPERSIZE_A4
    assert data.page_setup.orientation == "landscape"
    assert data.page_setup.scale in (None, 100)
    assert data.print_title_rows.replace("$", "") == "1:1"


def test_a_date_typed_into_the_template_stays_a_date(w, client):
    client.force_login(w["xian"])
    book = load_workbook(
        io.BytesIO(client.get("/imports/template/secondments/").content)
    )
    sheet = book["数据"]
    letter = next(c.column_letter for c in sheet[1] if c.value == "计划开始日期")
    assert sheet.column_dimensions[letter].number_format == "yyyy-mm-dd"


def test_the_import_pages_read_as_many_queries_for_more_imports(w, client):
    client.force_login(w["xian"])
    content = workbook_bytes(
        [
            headers("persons"),
            row_for(
                "persons", 姓名="甲", 性别="女", 所在学校="历下实验小学", 学科="语文"
            ),
        ]
    )
    upload(w["xian"], "persons", content)
    client.get("/imports/")  # the process's first request fills its caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/imports/").status_code == 200
        assert client.get("/api/v1/imports/").status_code == 200
    for _ in range(4):
        upload(w["xian"], "persons", content)
    with CaptureQueriesContext(connection) as many:
        client.get("/imports/")
        client.get("/api/v1/imports/")
    assert len(many) == len(few), "\n".join(q["sql"][:120] for q in many)
