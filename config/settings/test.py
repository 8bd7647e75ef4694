"""Test settings: SQLite by default; PostgreSQL and Redis when the environment names
them (CI sets DATABASE_URL and REDIS_URL)."""

import os
import tempfile
from pathlib import Path

import dj_database_url

from .base import *  # noqa: F403
from .base import file_cache, file_storages, filesystem_broker, sqlite_database
from .env import env_str, postgres_database

DEBUG = False
DEMO_FLUSH_ALLOWED = True
SECRET_KEY = "test-only-secret-key-not-used-anywhere-else-1c2d3e4f5a6b7c8d9e0f"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# One scratch folder per test run, shared with the worker processes the tests start
# (they inherit the variable), so both sides see the same broker folder and files.
if not env_str("DUIKOU_TEST_TMP"):
    os.environ["DUIKOU_TEST_TMP"] = tempfile.mkdtemp(prefix="duikou-test-")
_tmp = Path(os.environ["DUIKOU_TEST_TMP"])
# Under pytest-xdist (``make test``) each test process has a folder of its own (its
# SQLite files, broker folder, cache, media and exports) and a Celery queue of its
# own, and so do the Celery workers it starts: they inherit PYTEST_XDIST_WORKER.
_xdist_worker = env_str("PYTEST_XDIST_WORKER")
if _xdist_worker:
    _tmp = _tmp / _xdist_worker
    _tmp.mkdir(exist_ok=True)

_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": postgres_database(dj_database_url.parse(_database_url))}
else:
    DATABASES = {"default": sqlite_database(_tmp / "db.sqlite3")}
    # A file, not memory, so that a worker process can open the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(_tmp / "test-db.sqlite3")}
MEDIA_ROOT = Path(env_str("DUIKOU_MEDIA_ROOT", str(_tmp / "media")))
STATIC_ROOT = _tmp / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
EXPORT_ROOT = Path(env_str("DUIKOU_EXPORT_ROOT", str(_tmp / "exports")))

_redis_url = env_str("REDIS_URL")
if _redis_url:
    CELERY_BROKER_URL = _redis_url
    CELERY_RESULT_BACKEND = _redis_url
else:
    CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_RESULT_BACKEND = (
        filesystem_broker(_tmp / "celery")
    )
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
if _xdist_worker:
    CELERY_TASK_DEFAULT_QUEUE = f"duikou-test-{_xdist_worker}"

# A folder, as in the embedded set-up, so that the worker processes the tests start
# share it (statistics previews); not Redis, which each test clears.
CACHES = file_cache(_tmp / "cache")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **file_storages(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests read the dashboard right after their writes: every figure is computed in
# the request, however slow the machine; core/tests/test_refreshed*.py set it.
DUIKOU_REFRESH_IN_WORKER_AFTER = 3600
