"""Redis is a cache and a broker, never a reason to fail a request or lose a write.

In this process (the cache pointed at a private Redis that the test stops or
freezes), then from outside against a live production-like site."""

import time

import pytest
from django.core.cache import cache
from django.db import transaction

from core import freshness, resilience


@pytest.fixture(autouse=True)
def _breaker_closed():
    resilience.breaker.reset()
    yield
    resilience.breaker.reset()


# The cache in this process -----------------------------------------------------------


def test_a_stopped_redis_is_a_cache_miss(redis_cache):
    cache.set("figure", 42)
    with redis_cache.stopped():
        assert cache.get("figure") is None
        assert cache.get("figure", "computed") == "computed"
        assert cache.get_or_set("other", lambda: "fresh") == "fresh"
        assert cache.add("lock", True) is False
        cache.set("figure", 43)  # dropped, not raised
        cache.delete("figure")


def test_a_frozen_redis_costs_one_short_wait_then_none(redis_cache):
    cache.set("figure", 42)
    with redis_cache.frozen():
        started = time.monotonic()
        assert cache.get("figure") is None
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(20):
            assert cache.get("figure") is None
        rest = time.monotonic() - started
    assert first < 1.5
    assert rest < 0.2


def test_the_cache_is_used_again_once_redis_answers(redis_cache, monkeypatch):
    monkeypatch.setattr(resilience, "PAUSE_SECONDS", 0.2)
    with redis_cache.frozen():
        assert cache.get("figure") is None
    time.sleep(0.3)
    cache.set("figure", 42)
    assert cache.get("figure") == 42


def test_one_redis_client_serves_every_call_and_outlives_a_restart(redis_cache):
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client  # made once, not per call
    cache.set("figure", 42)
    with redis_cache.stopped():
        assert cache.get("figure") is None
    resilience.breaker.reset()
    cache.set("figure", 43)  # the same client, on a new connection
    assert cache.get("figure") == 43
    assert cache._cache.get_client() is client


def test_the_health_check_ping_is_not_forgiven(redis_cache):
    cache.ping()
    with redis_cache.stopped(), pytest.raises(resilience.OUTAGE_ERRORS):
        cache.ping()


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_while_redis_is_down_renews_the_token_when_it_returns(
    redis_cache, monkeypatch
):
    from pairings.models import Region

    monkeypatch.setattr(resilience, "PAUSE_SECONDS", 0.2)
    before = freshness.current()
    with redis_cache.frozen():
        with transaction.atomic():
            Region.objects.create(code="990000", name="测试省", level=1)
        assert Region.objects.filter(code="990000").count() == 1
    time.sleep(0.3)
    # Redis kept the old token while it was frozen; the figures cached under it
    # are from before the write and must not be served.
    assert freshness.current() != before


def test_attempt_says_whether_the_call_happened(redis_server):
    import redis

    client = redis.Redis.from_url(redis_server.url(), socket_connect_timeout=0.3)
    assert resilience.attempt("set a key", client.set, "k", "v") is True
    redis_server.stop()
    assert resilience.attempt("set a key", client.set, "k", "v") is False
    with pytest.raises(ZeroDivisionError):
        resilience.attempt("a bug", lambda: 1 / 0)


# From outside: gunicorn with the production settings -----------------------------

live = pytest.mark.slow


@pytest.fixture(scope="module")
def region_id(live_site):
    out = live_site.shell(
        "from pairings.models import Region;"
        "print(Region.objects.create(code='990000', name='测试省', level=1).pk)"
    )
    return int(out.strip().splitlines()[-1])


@pytest.fixture
def clerk(live_services):
    client = live_services.client()
    client.login("admin", "fault-suite-admin")
    return client


def school_form(region_id: int, code: str) -> dict:
    return {
        "code": code,
        "name": f"测试学校{code[-4:]}",
        "region": region_id,
        "stage": "primary",
        "ownership": "public",
        "locality": "rural",
    }


def schools_with_code(site, code: str) -> int:
    return site.sql("SELECT count(*) FROM pairings_school WHERE code = %s", [code])[0][
        0
    ]


@live
@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_a_page_write_during_a_redis_outage_is_saved_once_and_answered(
    live_services, clerk, region_id, fault
):
    site = live_services
    code = "5099000001" if fault == "stopped" else "5099000002"
    clerk.get("/schools/add/")
    with getattr(site.redis, fault)():
        started = time.monotonic()
        response = clerk.post("/schools/add/", data=school_form(region_id, code))
        took = time.monotonic() - started
    assert response.status_code == 302, response.text[:300]
    assert schools_with_code(site, code) == 1
    assert took < 3
    assert "Traceback" not in site.server_log()


@live
def test_an_api_write_with_redis_stopped_is_201_and_saved_once(
    live_services, clerk, region_id
):
    site = live_services
    code = "5099000003"
    with site.redis.stopped():
        response = clerk.request(
            "POST", "/api/v1/schools/", json=school_form(region_id, code)
        )
    assert response.status_code == 201, response.text[:300]
    assert schools_with_code(site, code) == 1


@live
@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_the_dashboard_answers_within_two_seconds_while_redis_is_away(
    live_services, clerk, fault
):
    site = live_services
    assert clerk.get("/").status_code == 200
    with getattr(site.redis, fault)():
        for _ in range(4):  # both gunicorn workers, each more than once
            started = time.monotonic()
            response = clerk.get("/")
            assert response.status_code == 200
            assert time.monotonic() - started < 2
            assert "执行中的结对" in response.text  # the figures, computed
    assert clerk.get("/").status_code == 200


@live
def test_healthz_tells_redis_from_the_database(live_services):
    site = live_services
    client = site.client()
    with site.redis.stopped():
        response = client.get("/healthz")
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["database"]["ok"] is True
        assert checks["cache"]["ok"] is False
        assert checks["broker"]["ok"] is False
        # The web container stays healthy: pages work without Redis.
        assert client.get("/healthz?require=database").status_code == 200
    with site.redis.frozen():
        started = time.monotonic()
        response = client.get("/healthz?require=database")
        assert response.status_code == 200
        assert time.monotonic() - started < 3
    checks = client.get("/healthz").json()["checks"]
    assert checks["cache"]["ok"] is True
    assert checks["broker"]["ok"] is True


@live
def test_a_running_worker_is_reported_and_a_stopped_one_is_not(live_services):
    from tests.workers import wait_for

    site = live_services
    client = site.client()

    def worker_ok():
        return client.get("/healthz").json()["checks"]["worker"]["ok"]

    site.sql("DELETE FROM core_workerheartbeat")
    assert worker_ok() is False
    with site.worker():
        assert wait_for(worker_ok, timeout=60)
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
    rows = site.sql("SELECT hostname FROM core_workerheartbeat")
    assert len(rows) == 1 and rows[0][0].startswith("test-worker@")
    # A worker that stopped beating a minute ago is reported down.
    site.sql("UPDATE core_workerheartbeat SET seen_at = now() - interval '61 seconds'")
    assert worker_ok() is False
    assert client.get("/healthz").status_code == 503
