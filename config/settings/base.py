"""Settings shared by every environment. Everything comes from the environment."""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str, file_storages

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("DUIKOU_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
# `demo_data --flush` deletes every domain row: allowed only by local and test
# settings, and then only on a database holding an unchanged demo load.
DEMO_FLUSH_ALLOWED = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "core.admin_site.DuikouAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "core",
    "pairings",
    "dispatch",
    "projects",
    "reporting",
    "imports",
    "reminders",
    "inbox",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Security headers (core/security.py; Django's SecurityMiddleware adds the last two).
# Scripts only from the site's own files; styles too, but for a <style> block that
# carries the request's nonce; images also as data: URLs (Bootstrap's icons).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'nonce-{nonce}'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend, the signed-in user's row read through the cache.
    "core.users.CachedUserBackend",
]
# Lock an account from one address out after repeated failures.
AXES_FAILURE_LIMIT = env_int("DUIKOU_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DUIKOU_LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Sessions end after a period of inactivity (every request renews the cookie).
SESSION_COOKIE_AGE = env_int("DUIKOU_SESSION_IDLE_MINUTES", 120) * 60
SESSION_SAVE_EVERY_REQUEST = True
# Rows in the database read through the cache; an unchanged session is written
# again at most once a minute (core/sessions.py), not on every page.
SESSION_ENGINE = "core.sessions"
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.navigation.context",
                "core.views_notifications.unread_count",
            ],
        },
    },
]

# Form widgets render through Django's Jinja2 widget templates where there are
# some (half the time of the Django template engine), the admin's through Django's.
FORM_RENDERER = "core.rendering.FormRenderer"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# What a membership attaches a user to (as AUTH_USER_MODEL names the user): core
# reads scope through these and names no domain app itself.
SCOPE_REGION_MODEL = "pairings.Region"
SCOPE_SCHOOL_MODEL = "pairings.School"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files live outside the web root and are served only through views that
# check the user's data scope; MEDIA_URL is never routed to the file system.
MEDIA_ROOT = Path(env_str("DUIKOU_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/files/"
EXPORT_ROOT = Path(env_str("DUIKOU_EXPORT_ROOT", str(VAR_DIR / "exports")))
# Attachments ("default") and export workbooks ("exports"): the file system, or an
# S3-compatible store when DUIKOU_S3_BUCKET is set (several web and worker hosts).
STORAGES = {
    **file_storages(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
EXPORT_RETENTION_DAYS = env_int("DUIKOU_EXPORT_RETENTION_DAYS", 7)
DUIKOU_ATTACHMENT_MAX_BYTES = env_int("DUIKOU_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# An Office attachment (a ZIP package) may unpack to at most this much.
DUIKOU_ATTACHMENT_MAX_UNPACKED_BYTES = env_int(
    "DUIKOU_ATTACHMENT_MAX_UNPACKED_BYTES", 100 * 1024 * 1024
)
# Seconds to pause after every 1,000 rows written: 0 in real use; the crash tests set
# it so that a worker can be killed in the middle of a workbook.
DUIKOU_EXPORT_THROTTLE_SECONDS = float(env_str("DUIKOU_EXPORT_THROTTLE_SECONDS", "0"))
# Excel import: the largest upload, the most rows one file may hold, and (fault
# tests only) a pause after each applied chunk, so that a worker can be killed
# in the middle of an import.
DUIKOU_IMPORT_MAX_BYTES = env_int("DUIKOU_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
DUIKOU_IMPORT_MAX_ROWS = env_int("DUIKOU_IMPORT_MAX_ROWS", 50_000)
DUIKOU_IMPORT_THROTTLE_SECONDS = float(env_str("DUIKOU_IMPORT_THROTTLE_SECONDS", "0"))
DUIKOU_IMPORT_CHUNK_ROWS = env_int("DUIKOU_IMPORT_CHUNK_ROWS", 1000)
# A list export of more rows than this is written by the worker, not the request.
DUIKOU_LIST_EXPORT_INLINE_ROWS = env_int("DUIKOU_LIST_EXPORT_INLINE_ROWS", 5000)
# Export jobs and their queue (reporting/exports/jobs.py): a running job without a
# heartbeat for this long is interrupted and built once more; a waiting job queued
# this long ago and never taken by a worker is queued again; the sweeper's period.
DUIKOU_EXPORT_HEARTBEAT_TIMEOUT = env_int("DUIKOU_EXPORT_HEARTBEAT_TIMEOUT", 60)
DUIKOU_EXPORT_REQUEUE_SECONDS = env_int("DUIKOU_EXPORT_REQUEUE_SECONDS", 120)
DUIKOU_EXPORT_SWEEP_SECONDS = env_int("DUIKOU_EXPORT_SWEEP_SECONDS", 60)
# Early warning (reporting/compliance/forecast.py): a rule projected to fail by the
# semester's end is warned of from this many days before that end.
DUIKOU_WARNING_DAYS = env_int("DUIKOU_WARNING_DAYS", 30)
# Figures that took at least this long to compute (a county's or a province's
# dashboard and warnings) are, after a write, shown as they were while the worker
# computes them afresh; cheaper ones are computed again in the request
# (core/refreshed.py). A page shows three such figures: at 20 ms each stays well
# inside the page's 100 ms (at 100 ms a county's three made 140 ms).
# Figures older than DUIKOU_STALE_MAX_SECONDS are always computed in the request.
DUIKOU_REFRESH_IN_WORKER_AFTER = env_int("DUIKOU_REFRESH_IN_WORKER_AFTER_MS", 20) / 1000
DUIKOU_STALE_MAX_SECONDS = env_int("DUIKOU_STALE_MAX_SECONDS", 24 * 3600)
# Every this many seconds the worker computes the figures users open on (the
# dashboard, its warnings) for each scope signed in within the last
# DUIKOU_WARM_SIGNED_IN_DAYS days, where they are missing or out of date, so the
# first view after a write, a new day or an emptied cache is served at once; 0: never.
DUIKOU_WARM_FIGURES_SECONDS = env_int("DUIKOU_WARM_FIGURES_SECONDS", 600)
DUIKOU_WARM_SIGNED_IN_DAYS = env_int("DUIKOU_WARM_SIGNED_IN_DAYS", 30)
DUIKOU_WARMED = ["reporting.dashboard.figures.warm"]

# Reminders (reminders/): days after which a reminder not acted on is escalated to
# the level above; attempts to deliver to a robot or address and the first wait
# between them (doubling); seconds a robot may take to answer; the site's address
# that links in robot messages and e-mails start with (pages store paths).
DUIKOU_REMINDER_ESCALATE_DAYS = env_int("DUIKOU_REMINDER_ESCALATE_DAYS", 3)
DUIKOU_REMINDER_MAX_ATTEMPTS = env_int("DUIKOU_REMINDER_MAX_ATTEMPTS", 5)
DUIKOU_REMINDER_RETRY_SECONDS = env_int("DUIKOU_REMINDER_RETRY_SECONDS", 60)
DUIKOU_REMINDER_WEBHOOK_TIMEOUT = env_int("DUIKOU_REMINDER_WEBHOOK_TIMEOUT", 10)
DUIKOU_SITE_URL = env_str("DUIKOU_SITE_URL", "")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
# After 退出, the login page (not Django's "logged out" page in the admin's layout).
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Programs send a token; the browser (and the API docs pages) a session.
        "core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON in, JSON out: nested items (stints, targets) have one clear form.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "对口支援管理系统 API (Partner-assistance API)",
    "DESCRIPTION": (
        "学校对口支援与结对帮扶管理系统的接口。认证：浏览器会话，"
        "或在“接口令牌”页面创建的令牌（请求头 `Authorization: Token <令牌>`）。"
        "所有数据按用户的数据范围过滤，范围外的对象返回 404。\n\n"
        "The REST API of the partner-assistance system. Authenticate with the browser "
        "session or a token created on the API tokens page (`Authorization: Token "
        "<key>`). Every answer is limited to the user's data scope; objects outside "
        "it are 404."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind" or "status": give each choice set its own name.
    "ENUM_NAME_OVERRIDES": {
        "SecondmentKindEnum": "dispatch.choices.SecondmentKind",
        "SecondmentStatusEnum": "dispatch.choices.SecondmentStatus",
        "ActivityKindEnum": "dispatch.choices.ActivityKind",
        "ProgrammeKindEnum": "pairings.choices.ProgrammeKind",
        "PairingStatusEnum": "pairings.choices.PairingStatus",
        "AgreementKindEnum": "pairings.choices.AgreementKind",
        "ProjectCategoryEnum": "projects.choices.ProjectCategory",
        "FundingKindEnum": "projects.choices.FundingKind",
        "DonorKindEnum": "projects.choices.DonorKind",
        "GoodsCategoryEnum": "projects.choices.GoodsCategory",
        "ReportStatusEnum": "reporting.choices.ReportStatus",
        "ExportStatusEnum": "reporting.choices.ExportStatus",
        "FundingSourceEnum": "projects.choices.FundingSource",
        "AuditSourceEnum": "core.models.AuditEntry.Source",
        "AuditActionEnum": "core.models.AuditEntry.Action",
        "PairingModeEnum": "pairings.choices.PairingMode",
        "ImportModeEnum": "imports.choices.ImportMode",
        "ImportStatusEnum": "imports.choices.ImportStatus",
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.name_parameter_enums",
        "core.api.schema.describe_tags",
    ],
}

# Celery: the broker and result backend are chosen per environment.
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_BEAT_SCHEDULE = {
    "sweep-imports": {
        "task": "imports.sweep",
        "schedule": DUIKOU_EXPORT_SWEEP_SECONDS,
        "options": {"expires": DUIKOU_EXPORT_SWEEP_SECONDS},
    },
    "expire-exports": {"task": "reporting.expire_exports", "schedule": 60 * 60},
    # Reminders: escalate those not acted on, daily at 8:00 Beijing time; queue
    # again those whose sending never went out (a broker down at the time).
    "escalate-reminders": {
        "task": "reminders.escalate",
        "schedule": crontab(hour=8, minute=0),
    },
    # Stints awaiting their host school and early warnings, daily before that.
    "produce-reminders": {
        "task": "reminders.produce",
        "schedule": crontab(hour=7, minute=30),
    },
    "sweep-reminders": {
        "task": "reminders.sweep",
        "schedule": 5 * 60,
        "options": {"expires": 5 * 60},
    },
    **(
        {
            "warm-figures": {
                "task": "core.warm_figures",
                "schedule": DUIKOU_WARM_FIGURES_SECONDS,
                "options": {"expires": DUIKOU_WARM_FIGURES_SECONDS},
            }
        }
        if DUIKOU_WARM_FIGURES_SECONDS
        else {}
    ),
    "sweep-exports": {
        "task": "reporting.sweep_exports",
        "schedule": DUIKOU_EXPORT_SWEEP_SECONDS,
        # A sweep the worker did not reach in time is dropped, not piled up.
        "options": {"expires": DUIKOU_EXPORT_SWEEP_SECONDS},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; the login log keeps them already.
    "loggers": {"axes": {"level": "WARNING"}},
}


def sqlite_database(path: str | Path) -> dict:
    """SQLite shared by the web server and the worker: WAL and immediate transactions,
    so that a writer waits for the lock instead of failing with "database is locked"."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
    }


def filesystem_broker(folder: Path) -> tuple[str, dict, str]:
    """kombu's filesystem transport: a real broker that needs no server."""
    queue = folder / "queue"
    processed = folder / "processed"
    control = folder / "control"
    results = folder / "results"
    for directory in (queue, processed, control, results):
        directory.mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(processed),
        "control_folder": str(control),
        "store_processed": False,
    }
    return "filesystem://localhost/", options, f"file://{results}"


# Seconds a cache call may wait for Redis. The cache only saves work: a request that
# cannot reach it computes instead (``core.freshness``), so it must give up quickly
# rather than hang on a frozen server.
REDIS_CONNECT_TIMEOUT = float(env_str("DUIKOU_REDIS_CONNECT_TIMEOUT", "0.3"))
REDIS_SOCKET_TIMEOUT = float(env_str("DUIKOU_REDIS_SOCKET_TIMEOUT", "0.5"))


def redis_cache(url: str) -> dict:
    """The cache on Redis, with short timeouts and no retries: an unreachable or
    frozen Redis costs a request one short wait, then the cache misses for a few
    seconds (``core.resilience.ResilientRedisCache``) and figures are computed."""
    return {
        "default": {
            "BACKEND": "core.resilience.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "health_check_interval": 30,
            },
        }
    }


def file_cache(folder: Path) -> dict:
    """A cache in a folder: shared by the web server and the worker of the embedded
    set-up, which have no Redis (a process's memory is its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(folder),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
