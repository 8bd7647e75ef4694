"""An Excel import under a killed worker, from outside: gunicorn with the production
settings, its own PostgreSQL and Redis, a real Celery worker and beat. The worker is
SIGKILLed in the middle of applying the rows; the sweeper hands the job to the next
worker, which resumes after the last whole chunk: every row once, nobody clicks."""

import io
import signal

import pytest
from openpyxl import Workbook

from tests.reliability.test_jobs import beat, logs, wait_for, worker

pytestmark = pytest.mark.slow

PASSWORD = "demo12345"
ROWS = 60


@pytest.fixture(scope="module")
def world(live_site):
    live_site.shell(
        "from django.contrib.auth import get_user_model\n"
        "from tests import world\n"
        "get_user_model().objects.filter(username='admin')"
        ".update(username='seeded-admin')\n"
        "world.build()\n"
    )
    return live_site


def ledger() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "性别", "所在学校", "学科"])
    for n in range(ROWS):
        sheet.append([f"导入教师{n:03d}", "女", "历下实验小学", "语文"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def job_row(site, job_id) -> dict:
    (row,) = site.sql(
        "SELECT status, applied_rows, attempts FROM imports_importjob WHERE id = %s",
        [job_id],
    )
    return dict(zip(("status", "applied_rows", "attempts"), row, strict=True))


def people(site) -> list:
    return site.sql(
        "SELECT name, count(*) FROM dispatch_person WHERE name LIKE '导入教师%%' "
        "GROUP BY name"
    )


def test_a_worker_killed_mid_import_is_resumed_without_duplicates(world, live_services):
    site = world
    client = site.client()
    client.login("xian", PASSWORD)
    client.get("/imports/")
    # Ten rows a chunk, and a pause after each, so that the kill lands mid-import.
    slow = {"DUIKOU_IMPORT_CHUNK_ROWS": "10", "DUIKOU_IMPORT_THROTTLE_SECONDS": "2"}
    with beat(site, "beat-imports.log"):
        with worker(site, "worker-import-check.log"):
            response = client.post(
                "/imports/",
                data={"record_type": "persons"},
                files={"file": ("台账.xlsx", ledger())},
            )
            assert response.status_code == 302, response.text[:500]
            job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
            assert wait_for(
                lambda: job_row(site, job_id)["status"] == "checked", timeout=120
            ), logs(site)
        detail = client.get(f"/imports/{job_id}/")
        assert "确认导入" in detail.text

        with worker(site, "worker-import-killed.log", **slow) as doomed:
            client.get(f"/imports/{job_id}/")
            response = client.post(
                f"/imports/{job_id}/confirm/", data={"mode": "valid"}
            )
            assert response.status_code == 302
            assert wait_for(
                lambda: job_row(site, job_id)["applied_rows"] >= 20, timeout=120
            ), logs(site)
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=30)
        row = job_row(site, job_id)
        assert row["status"] == "applying"
        assert 20 <= row["applied_rows"] < ROWS

        with worker(site, "worker-import-after.log"):
            assert wait_for(
                lambda: job_row(site, job_id)["status"] == "applied", timeout=120
            ), logs(site)
    found = people(site)
    assert len(found) == ROWS
    assert {count for _name, count in found} == {1}
    assert job_row(site, job_id)["attempts"] >= 2
    page = client.get(f"/imports/{job_id}/")
    assert "新增 60 条" in page.text
