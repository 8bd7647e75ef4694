"""A task goes through a real broker to a real worker process and back."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.tasks import ping
from tests.workers import ROOT, celery_worker


def test_round_trip_on_embedded_filesystem_broker(tmp_path):
    """The default set-up of `make run`: no server, kombu's filesystem transport."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DUIKOU_VAR_DIR": str(tmp_path),
        "REDIS_URL": None,
        "DATABASE_URL": None,
    }
    with celery_worker(env, log_path=tmp_path / "worker.log"):
        environment = {k: v for k, v in os.environ.items() if k not in env}
        environment.update({k: v for k, v in env.items() if v is not None})
        result = subprocess.run(
            [sys.executable, "manage.py", "worker_check", "--timeout", "60"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
    log = Path(tmp_path / "worker.log").read_text(errors="replace")
    assert result.returncode == 0, result.stderr + log
    assert "Celery" in result.stdout
    assert "sqlite" in result.stdout
    # The message really travelled through the broker folder.
    assert (tmp_path / "celery" / "queue").is_dir()


@pytest.mark.redis
def test_round_trip_on_redis(tmp_path):
    with celery_worker(log_path=tmp_path / "worker.log"):
        answer = ping.delay("over redis").get(timeout=60)
    assert answer["pong"] == "over redis"
    assert answer["database"] in {"postgresql", "sqlite"}


def test_worker_check_fails_clearly_without_a_worker(tmp_path):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local", DUIKOU_VAR_DIR=str(tmp_path)
    )
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "worker_check", "--timeout", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Celery" in result.stderr
