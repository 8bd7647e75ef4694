"""Production refuses to start without its variables; check --deploy passes."""

import os
import subprocess
import sys

import pytest

from tests.workers import ROOT

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x7#Kp2!vQ9zL0mN4rT8wY1uB6cE3fH5jA_dG-sI@oP&lR*eW(tU)yZ",
    "DATABASE_URL": "postgres://duikou:secret@db.example:5432/duikou",
    "REDIS_URL": "redis://redis.example:6379/0",
    "DJANGO_ALLOWED_HOSTS": "duikou.example.cn",
}


def run_manage(env, *args):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.pop("DATABASE_URL", None)
    environment.pop("REDIS_URL", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS"],
)
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert f"缺少必需的环境变量 {missing}" in result.stderr
    assert f"Missing required environment variable {missing}" in result.stderr


def test_production_refuses_a_database_that_is_not_postgresql():
    env = dict(PRODUCTION_ENV, DATABASE_URL="sqlite:////tmp/x.sqlite3")
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_production_passes_check_deploy():
    result = run_manage(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_embedded_default_needs_no_database_or_broker_settings(tmp_path):
    result = run_manage({"DUIKOU_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_streamed_queries_are_planned_for_all_their_rows():
    """Every streamed query reads all its rows: on PostgreSQL the session says so
    (cursor_tuple_fraction = 1), in production and local settings alike."""
    from django.db import connection

    from config.settings.env import postgres_database

    options = postgres_database(
        {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": "-c a=b"}}
    )["OPTIONS"]["options"]
    assert options == "-c a=b -c cursor_tuple_fraction=1"
    sqlite = {"ENGINE": "django.db.backends.sqlite3"}
    assert postgres_database(dict(sqlite)) == sqlite
    if connection.vendor != "postgresql":
        pytest.skip("没有 PostgreSQL (DATABASE_URL 未设置): 只检查了设置")
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        assert float(cursor.fetchone()[0]) == 1.0
    result = run_manage(
        PRODUCTION_ENV,
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['options'])",
    )
    assert result.stdout.splitlines()[-1] == "-c cursor_tuple_fraction=1", result.stderr
