"""Test-run wiring: which services the run uses, and what a missing service means.

On a laptop, tests that need PostgreSQL, Redis or a Celery worker on Redis are skipped
with the reason. With CI=true a missing service is a failure, never a skip."""

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _database_vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    return "postgresql" if "postgresql" in engine else engine.rsplit(".", 1)[-1]


def redis_available() -> bool:
    url = os.environ.get("REDIS_URL")
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname, parsed.port or 6379), timeout=2
        ) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def pytest_report_header(config):
    vendor = _database_vendor()
    redis = os.environ.get("REDIS_URL") or "not set (embedded filesystem broker)"
    lines = [f"duikou: database={vendor}, REDIS_URL={redis}, CI={CI}"]
    if vendor != "postgresql":
        lines.append(
            "duikou: PostgreSQL-only tests will be skipped; "
            "set DATABASE_URL=postgres://... to run them"
        )
    return lines


def _missing(reason: str):
    if CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and _database_vendor() != "postgresql":
        _missing("this test needs PostgreSQL (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and not redis_available():
        _missing(
            "this test needs Redis (set REDIS_URL=redis://... to a running server)"
        )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: test transactions roll back, so the
    data-version token (renewed on commit) would not tell one test's data from the
    next one's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _deferred_rules_hold(request):
    """On PostgreSQL some rules are deferred triggers that fire at commit; tests roll
    back instead of committing, so fire them at the end of each database test."""
    yield
    uses_db = request.node.get_closest_marker("django_db") or any(
        name in request.fixturenames
        for name in ("db", "transactional_db", "admin_client")
    )
    if uses_db and _database_vendor() == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Back to deferred: the shared world's transaction (``w``) goes on
            # around the next test, and a setting lasts until the transaction ends.
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    """The test world (``tests/world.py``), built once per test module inside a
    transaction that is rolled back after the module's last test. Each test runs
    inside it in a savepoint of its own (pytest-django's ``db``), so what a test
    writes is gone before the next one starts."""
    from django.db import transaction

    from tests import world

    with django_db_blocker.unblock(), transaction.atomic():
        built = world.build()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def w(_world, db):
    """The world for one test: fresh copies of the module's objects, so that a test
    changing an object in memory does not hand the change to the next test. A
    module with tests that commit (``transaction=True``) defines its own ``w``."""
    import copy

    return copy.deepcopy(_world)
