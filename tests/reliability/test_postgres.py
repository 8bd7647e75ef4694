"""PostgreSQL restarts cost no 500 (from outside: gunicorn with the production
settings, its connections kept for a minute and checked before reuse)."""

import pytest

pytestmark = pytest.mark.slow

PAGES = ["/", "/schools/", "/api/v1/schools/", "/healthz?require=database"]


@pytest.fixture
def clerk(live_services):
    client = live_services.client()
    client.login("admin", "fault-suite-admin")
    return client


def warm(client, times: int = 6) -> None:
    """Requests enough for every gunicorn worker to hold a database connection."""
    for _ in range(times):
        for path in PAGES:
            assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("mode", ["fast", "immediate"], ids=["restart", "crash"])
def test_after_a_restart_the_first_requests_are_200(live_services, clerk, mode):
    warm(clerk)
    live_services.cluster.restart(mode)
    statuses = [clerk.get(path).status_code for _ in range(6) for path in PAGES]
    assert statuses == [200] * len(statuses)


def test_while_the_database_is_down_pages_are_a_chinese_503(live_services, clerk):
    warm(clerk, times=2)
    with live_services.cluster.stopped():
        for path in ["/", "/schools/"]:
            response = clerk.get(path)
            assert response.status_code == 503, path
            assert int(response.headers["Retry-After"]) > 0
            assert response.headers["Content-Type"].startswith("text/html")
            assert "系统暂时无法使用" in response.text
            assert "数据库暂时无法连接" in response.text
        # Nothing was changed, and it says so: a write is refused the same way.
        response = clerk.post("/schools/add/", data={"code": "5099000009"})
        assert response.status_code == 503
    assert clerk.get("/").status_code == 200


def test_while_the_database_is_down_the_api_answers_json_503(live_services, clerk):
    warm(clerk, times=2)
    with live_services.cluster.stopped():
        response = clerk.get("/api/v1/schools/")
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert response.headers["Content-Type"].startswith("application/json")
        body = response.json()
        assert list(body) == ["detail"]  # the format of the API's 400s and 404s
        assert "数据库暂时无法连接" in body["detail"]
    assert clerk.get("/api/v1/schools/").status_code == 200


def test_healthz_reports_the_database_down_and_back(live_services):
    client = live_services.client()
    assert client.get("/healthz?require=database").status_code == 200
    with live_services.cluster.stopped():
        response = client.get("/healthz?require=database")
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["database"]["ok"] is False
        assert checks["cache"]["ok"] is True
    assert client.get("/healthz?require=database").status_code == 200
