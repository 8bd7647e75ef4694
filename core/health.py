"""What ``/healthz`` reports: the database, the cache, the broker and the worker
heartbeat, each on its own, each answering within about a second (a frozen Redis
costs its short socket timeout, not a hung request)."""

import time
from urllib.parse import urlparse

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from . import heartbeat
from .resilience import OUTAGE_ERRORS

CHECKS = ("database", "cache", "broker", "worker")
_broker_clients: dict = {}


def database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        # The broken connection is closed at the end of the request, as always.
        return {"ok": False, "error": "unreachable"}
    return {"ok": True}


def _outage(exc) -> dict:
    kind = "timeout" if "timeout" in type(exc).__name__.lower() else "unreachable"
    return {"ok": False, "error": kind}


def cache_check() -> dict:
    """The Redis cache answers a PING (another cache: a write is read back)."""
    try:
        if hasattr(cache, "ping"):
            cache.ping()
        else:
            cache.set("duikou:healthz", "ok", 30)
            if cache.get("duikou:healthz") != "ok":
                return {"ok": False, "error": "unreachable"}
    except OUTAGE_ERRORS as exc:
        return _outage(exc)
    return {"ok": True}


def broker() -> dict:
    """Redis as the broker (its own URL and database) answers a PING; the
    embedded set-up's folder broker needs no server."""
    url = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if urlparse(url).scheme not in ("redis", "rediss"):
        return {"ok": True}
    client = _broker_clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        )
        _broker_clients[url] = client
    try:
        client.ping()
    except OUTAGE_ERRORS as exc:
        return _outage(exc)
    return {"ok": True}


def worker() -> dict:
    """A worker recorded its heartbeat within ``heartbeat.STALE_SECONDS``."""
    try:
        seen = heartbeat.last_seen()
    except Exception:  # noqa: BLE001 - the database check says why
        return {"ok": False, "error": "unknown"}
    if seen is None:
        return {"ok": False, "error": "no heartbeat"}
    age = max(0, int((timezone.now() - seen).total_seconds()))
    result = {
        "ok": age <= heartbeat.STALE_SECONDS,
        "last_seen": timezone.localtime(seen).isoformat(timespec="seconds"),
        "seconds_ago": age,
    }
    if not result["ok"]:
        result["error"] = "no recent heartbeat"
    return result


def report(required=CHECKS) -> tuple[dict, bool]:
    """(the report, whether every check in ``required`` passed)."""
    runners = {
        "database": database,
        "cache": cache_check,
        "broker": broker,
        "worker": worker,
    }
    checks = {}
    for name, run in runners.items():
        started = time.monotonic()
        checks[name] = run()
        checks[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    healthy = all(checks[name]["ok"] for name in required)
    return {
        "status": "ok" if healthy else "unavailable",
        "required": list(required),
        "checks": checks,
    }, healthy
