"""Hostile input from outside, against gunicorn with the production settings: a zip
bomb attached to a report, dates no record can have, and the security headers the
production server sends."""

import re
from pathlib import Path

import pytest

from tests.test_hostile_input import ROW, Part, workbook

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
PASSWORD = "demo12345"  # tests/world.py's


@pytest.fixture(scope="module")
def world_ids(live_site):
    """The test world (tests/world.py) in the live site's database, its period open
    for editing; the seeded superuser makes way for the world's ``admin``."""
    out = live_site.shell(
        "import datetime as dt\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.utils import timezone\n"
        "from reporting.models import ReportAttachment, SemesterReport\n"
        "from tests import world\n"
        "get_user_model().objects.filter(username='admin').delete()\n"
        "w = world.build()\n"
        "w['period'].lock_date = timezone.localdate() + dt.timedelta(days=30)\n"
        "w['period'].save()\n"
        "ReportAttachment.objects.all().delete()\n"
        "print(w['in_A1'][SemesterReport].pk, w['pA1'].pk)\n"
    )
    report, pairing = out.strip().splitlines()[-1].split()
    return {"report": int(report), "pairing": int(pairing)}


def logged_in(site, username):
    client = site.client()
    client.login(username, PASSWORD)
    return client


def stored_files(site) -> list[Path]:
    media = Path(site.environment["DUIKOU_MEDIA_ROOT"])
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_a_zip_bomb_is_refused_and_nothing_is_stored(live_site, world_ids):
    site = live_site
    size = 8 * MiB
    chunk = ROW * (size // len(ROW)) + b" " * (size % len(ROW))
    bomb = workbook(Part.repeated("xl/worksheets/sheet1.xml", chunk, 128))
    school = logged_in(site, "xuexiao")
    report = world_ids["report"]
    school.get(f"/reports/{report}/edit/")
    response = school.post(
        f"/reports/{report}/attachments/", files={"file": ("统计表.xlsx", bomb)}
    )
    assert response.status_code == 302
    # (The client sends the production's Secure cookies again only on its own
    # requests, so the message is read with one, not by following the redirect.)
    response = school.get(response.headers["Location"])
    assert "该文档解压后超过 100 MB" in response.text
    count = site.sql("SELECT count(*) FROM reporting_reportattachment")[0][0]
    assert count == 0
    assert stored_files(site) == []
    # The API says the same.
    response = school.post(
        f"/api/v1/reports/{report}/attachments/",
        files={"file": ("统计表.xlsx", bomb)},
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith("该文档解压后超过")
    assert stored_files(site) == []


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_implausible_dates_are_refused_in_chinese(live_site, world_ids, date):
    site = live_site
    admin = logged_in(site, "admin")
    admin.get("/")
    data = {
        "pairing": world_ids["pairing"],
        "kind": "school",
        "title": "日期有误的协议",
        "signed_on": date,
    }
    response = admin.request("POST", "/api/v1/agreements/", json=data)
    assert response.status_code == 400, response.text[:300]
    (message,) = response.json()["signed_on"]
    assert re.fullmatch(r"请输入 1949-10-01 至 \d{4}-\d\d-\d\d 之间的日期。", message)
    response = admin.post(
        "/agreements/add/",
        data={
            **data,
            **{
                f"targets-{k}": v for k, v in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))
            },
        },
    )
    assert response.status_code == 200
    assert "请输入 1949-10-01 至" in response.text
    count = site.sql(
        "SELECT count(*) FROM pairings_agreement WHERE title = %s", ["日期有误的协议"]
    )[0][0]
    assert count == 0


def test_the_production_server_sends_the_security_headers(live_site, world_ids):
    admin = logged_in(live_site, "admin")
    for path in ("/", "/accounts/login/", "/pairings/", "/admin/", "/api/v1/"):
        response = admin.get(path)
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
