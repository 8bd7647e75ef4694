"""Every list page of an importable record type exports its filtered rows to
Excel in the template's columns, and the file imports back unchanged."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from dispatch.models import Person
from imports import exports
from imports.models import ListExport
from imports.tests.helpers import upload
from tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


def people(n, school, prefix="名单"):
    for i in range(n):
        Person.objects.create(
            name=f"{prefix}{i:03d}", gender="F", home_school=school, subject="maths"
        )


def sheet_rows(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    return header, [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]


def test_the_list_page_offers_its_filtered_rows_in_excel(w, client):
    client.force_login(w["xian"])
    page = client.get("/people/?gender=F").content.decode()
    assert 'href="/imports/list/persons/?gender=F"' in page
    response = client.get("/imports/list/persons/?gender=F")
    assert response.status_code == 200
    header, rows = sheet_rows(response.content)
    names = sorted(r[header.index("姓名")] for r in rows)
    expected = sorted(
        Person.objects.filter(
            gender="F", home_school__region__path__startswith=w["A1"].path
        ).values_list("name", flat=True)
    )
    assert names == expected
    # Another county's people are not in it.
    assert "B1老师" not in names


def test_an_exported_list_imports_back_unchanged(w, client):
    people(3, w["a1s"])
    client.force_login(w["xian"])
    content = client.get("/imports/list/persons/").content
    _header, rows = sheet_rows(content)
    assert len(rows) >= 3
    job = upload(w["xian"], "persons", content, name="名单.xlsx")
    assert job.counts == {"new": 0, "updated": 0, "unchanged": len(rows), "error": 0}


def test_the_export_reads_the_same_number_of_queries_for_more_rows(w, client):
    client.force_login(w["xian"])
    people(5, w["a1s"])
    client.get("/imports/list/persons/")  # the user's row cached (core.users)
    with CaptureQueriesContext(connection) as few:
        client.get("/imports/list/persons/")
    people(40, w["a1s"], prefix="更多")
    with CaptureQueriesContext(connection) as many:
        client.get("/imports/list/persons/")
    assert len(many) == len(few)


def test_a_long_list_is_written_by_the_worker(w, client, settings):
    settings.DUIKOU_LIST_EXPORT_INLINE_ROWS = 2
    people(5, w["a1s"])
    client.force_login(w["xian"])
    response = client.get("/imports/list/persons/?search=名单")
    assert response.status_code == 302
    listed = exports.listed(
        exports.REGISTRY["persons"], w["xian"], response.wsgi_request.GET
    )
    job = ListExport.objects.get()
    assert response["Location"] == f"/imports/lists/{job.pk}/"
    assert client.get(f"/imports/lists/{job.pk}/download/").status_code == 404
    exports.build(job)  # the worker's part
    job.refresh_from_db()
    assert (job.status, job.rows) == ("done", listed.count())
    download = client.get(f"/imports/lists/{job.pk}/download/")
    header, rows = sheet_rows(b"".join(download.streaming_content))
    assert len(rows) == listed.count() >= 5
    client.force_login(w["shi"])
    assert client.get(f"/imports/lists/{job.pk}/").status_code == 404
    assert client.get(f"/imports/lists/{job.pk}/download/").status_code == 404


@pytest.mark.parametrize(
    "slug",
    [s for s, cls in exports.REGISTRY.items() if cls.filterset is not None],
)
def test_every_list_export_imports_back_unchanged(w, client, slug):
    client.force_login(w["xian"])
    response = client.get(f"/imports/list/{slug}/")
    assert response.status_code == 200
    header, rows = sheet_rows(response.content)
    assert header == [c.header for c in exports.REGISTRY[slug].all_columns()]
    assert rows, slug
    job = upload(w["xian"], slug, response.content)
    assert job.problems == [], job.problems
    assert job.counts["unchanged"] == len(rows), job.counts
