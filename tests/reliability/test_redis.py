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
