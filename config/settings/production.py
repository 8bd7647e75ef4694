"""Production: PostgreSQL and Redis, every secret from the environment, no defaults.

Refuses to start, naming the variable, when one is missing."""

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import redis_cache
from .env import env_bool, env_int, env_list, env_required, postgres_database

DEBUG = False
SECRET_KEY = env_required("DJANGO_SECRET_KEY", "a long random string")
_database_url = env_required(
    "DATABASE_URL", "PostgreSQL, e.g. postgres://user:password@db:5432/duikou"
)
_redis_url = env_required("REDIS_URL", "Redis, e.g. redis://redis:6379/0")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    env_required("DJANGO_ALLOWED_HOSTS", "comma-separated host names")

# Connections are kept for a minute and checked before reuse, so a PostgreSQL
# restart costs a reconnect, not an error.
DATABASES = {
    "default": postgres_database(
        dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
    )
}
# A database that does not answer is a 503 within seconds, not a hung worker.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
    "DUIKOU_DB_CONNECT_TIMEOUT", 3
)
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL 必须指向 PostgreSQL。 DATABASE_URL must point to PostgreSQL."
    )

CELERY_BROKER_URL = _redis_url
CELERY_RESULT_BACKEND = _redis_url
CACHES = redis_cache(_redis_url)

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_list("DJANGO_EMAIL_HOST", ["localhost"])[0]
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_list("DJANGO_DEFAULT_FROM_EMAIL", ["noreply@localhost"])[0]
