"""Failure handling in one process: the health check's report, the 503 while the
database is unreachable (pages and API), the Chinese parse error. The same seen
from outside, against real servers that stop: ``tests/reliability/``."""

import datetime as dt
from importlib import import_module

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db
# The session store in use: reading the session is the first query of a request.
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


def beat(seconds_ago: int) -> None:
    WorkerHeartbeat.objects.create(
        hostname="celery@worker",
        seen_at=timezone.now() - dt.timedelta(seconds=seconds_ago),
    )


# healthz -------------------------------------------------------------------------


def test_healthz_is_200_with_every_check_when_all_are_fine(client):
    beat(5)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert 5 <= body["checks"]["worker"]["seconds_ago"] <= 60
    # Local time, as everything the system shows.
    assert body["checks"]["worker"]["last_seen"].endswith("+08:00")


@pytest.mark.parametrize("seconds_ago", [None, 600], ids=["never", "stale"])
def test_a_dead_worker_is_503_but_not_for_the_web_containers_check(client, seconds_ago):
    if seconds_ago is not None:
        beat(seconds_ago)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    # deploy/healthcheck.py asks only for the database.
    for require in ("database", "db"):
        narrowed = client.get("/healthz", {"require": require})
        assert narrowed.status_code == 200
        assert narrowed.json()["checks"]["worker"]["ok"] is False


def test_healthz_reports_an_unreachable_database_as_503(client, monkeypatch):
    beat(1)

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # Undone before the test's database teardown, which uses the same connection.
    with monkeypatch.context() as patch:
        patch.setattr("core.health.connection.cursor", refuse)
        patch.setattr("core.heartbeat.last_seen", refuse)
        response = client.get("/healthz", {"require": "database"})
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert (checks["database"]["ok"], checks["database"]["error"]) == (
        False,
        "unreachable",
    )
    assert checks["worker"]["ok"] is False


def test_healthz_refuses_an_unknown_check(client):
    response = client.get("/healthz", {"require": "database,mail"})
    assert response.status_code == 400
    assert response.json()["unknown"] == ["mail"]


def test_the_healthcheck_script_asks_only_for_the_database():
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "deploy" / "healthcheck.py"
    assert "/healthz?require=database" in script.read_text()


# The database unreachable --------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch, admin_user):
    """Logged in; then every read of the session (the first query of a request)
    fails as it does while PostgreSQL restarts."""
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)

    def refuse(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", refuse)
    return client


def test_a_page_is_a_chinese_503_with_retry_after(database_down):
    response = database_down.get("/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "暂时无法使用" in page
    assert "数据库暂时无法连接" in page
    assert "Server error" not in page


def test_the_api_answers_json_503_in_its_error_format(database_down):
    response = database_down.get("/api/v1/schools/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}
    assert "数据库暂时无法连接" in response.json()["detail"]


def test_an_api_view_failing_on_the_database_is_json_503(client, w, monkeypatch):
    client.force_login(w["xian"])

    def refuse(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("pairings.models.School.objects.get_queryset", refuse)
    response = client.get("/api/v1/schools/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "数据库暂时无法连接" in response.json()["detail"]


def test_other_server_errors_under_the_api_are_json_500(admin_user, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)

    def broken(self, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(SessionStore, "load", broken)
    response = client.get("/api/v1/schools/")
    assert response.status_code == 500
    assert "detail" in response.json()
    page = client.get("/")
    assert page.status_code == 500
    assert "系统出错了" in page.content.decode()


# The API's parse errors ----------------------------------------------------------


def test_malformed_json_is_told_in_chinese_in_the_400_format(client, w):
    client.force_login(w["xian"])
    body = '{"name": "梓园小学",'  # cut off after the comma
    response = client.post(
        "/api/v1/schools/", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    column = len(body) + 1  # the error is at the end of the text
    assert detail == f"请求内容不是有效的 JSON（第 1 行第 {column} 列）。"
    assert "parse" not in detail.lower()
