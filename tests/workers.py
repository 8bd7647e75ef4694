"""Start a real Celery worker process for a test, and stop it afterwards."""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_env() -> dict:
    """Point a worker process at the database and export folder the test is using."""
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        url = f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    return {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DUIKOU_EXPORT_ROOT": str(settings.EXPORT_ROOT),
        "DUIKOU_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }


@contextlib.contextmanager
def celery_worker(env: dict | None = None, log_path: Path | None = None):
    """Yield a running worker (solo pool) with the given environment overrides.

    A value of None in ``env`` removes that variable."""
    environment = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    log = open(log_path or os.devnull, "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "--hostname=test-worker@%h",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
