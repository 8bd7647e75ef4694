"""The embedded default: runs with no variables set (SQLite, filesystem broker)."""

import dj_database_url

from .base import *  # noqa: F403
from .base import (
    VAR_DIR,
    file_cache,
    filesystem_broker,
    redis_cache,
    sqlite_database,
)
from .env import env_bool, env_str, postgres_database

# Off unless asked for (DJANGO_DEBUG=1): `make run` shows what a user meets, the
# site's own 404 and 500 pages, not Django's debug pages.
DEBUG = env_bool("DJANGO_DEBUG", False)
# `demo_data --flush` may replace an unchanged demo load (never in production).
DEMO_FLUSH_ALLOWED = True
SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY", "local-development-only-not-secret-7f3c9d2a8b1e4f6a0c5d"
)
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "staticfiles").mkdir(exist_ok=True)

_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": postgres_database(dj_database_url.parse(_database_url))
    if _database_url
    else sqlite_database(VAR_DIR / "db.sqlite3")
}

# The web server and the worker are two processes: the cache (statistics previews
# the worker computes, the data version) must be one they share.
_redis_url = env_str("REDIS_URL")
if _redis_url:
    CELERY_BROKER_URL = _redis_url
    CELERY_RESULT_BACKEND = _redis_url
    CACHES = redis_cache(_redis_url)
else:
    CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_RESULT_BACKEND = (
        filesystem_broker(VAR_DIR / "celery")
    )
    # The filesystem transport has no broadcast exchange for remote control.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    CACHES = file_cache(VAR_DIR / "cache")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Static files straight from the source folders, with or without DEBUG and with no
# collectstatic: WhiteNoise finds them as runserver would and sees edits at once.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
