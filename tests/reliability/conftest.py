"""Fixtures of the fault suite: private servers that a test may stop, freeze and
restart without touching anyone else's.

- ``redis_server``: a ``redis-server`` of the test's own, on a free port in a temporary
  folder (``stop``/``start``, ``freeze``/``thaw`` with SIGSTOP/SIGCONT, and the
  context managers ``stopped()``/``frozen()``).
- ``redis_cache``: Django's cache pointed at ``redis_server`` with the production
  options (``config.settings.base.redis_cache``), so a test in this process sees
  what a production request sees when Redis goes away.
- ``postgres_cluster``: a private PostgreSQL cluster (``initdb`` in a temporary
  folder, run as the ``postgres`` user when the tests run as root), shared by the
  session; ``stop``/``start``/``restart``, ``create_database``, ``sql``.
- ``live_site``: a real gunicorn with the production settings against a database of
  its own in that cluster and its own Redis; requests come from outside
  (``live_site.client()``), a Celery worker on demand (``live_site.worker()``),
  ``live_site.manage(...)`` runs a management command against the same database.

A missing binary (``redis-server``, PostgreSQL 15) skips the test with the reason;
with ``CI=true`` it is a failure."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

ROOT = Path(__file__).resolve().parent.parent.parent
PG_BIN = Path(os.environ.get("DUIKOU_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _missing(reason: str):
    if CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# Redis -----------------------------------------------------------------------------


class RedisServer:
    """One ``redis-server`` process on a fixed port: stopping and starting it again
    keeps the address, as a restarted Redis in production does."""

    def __init__(self, binary: str, folder: Path):
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.is_frozen = False

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.settimeout(0.5)
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        if self.process is not None:
            return
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        if not wait_until(self.ping, timeout=15):
            self.stop()
            pytest.fail(f"redis-server did not start (see {self.folder}/redis.log)")

    def stop(self) -> None:
        """Stop the server as a crash does: its connections are cut at once."""
        if self.process is None:
            return
        self.thaw()
        self.process.kill()
        self.process.wait()
        self.process = None

    def freeze(self) -> None:
        """The server keeps its connections and answers nothing (SIGSTOP): a hung
        Redis, the case that costs a client its whole timeout."""
        if self.process is not None and not self.is_frozen:
            os.kill(self.process.pid, signal.SIGSTOP)
            self.is_frozen = True

    def thaw(self) -> None:
        if self.process is not None and self.is_frozen:
            os.kill(self.process.pid, signal.SIGCONT)
            self.is_frozen = False

    @contextlib.contextmanager
    def stopped(self):
        self.stop()
        try:
            yield self
        finally:
            self.start()

    @contextlib.contextmanager
    def frozen(self):
        self.freeze()
        try:
            yield self
        finally:
            self.thaw()


def _redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        _missing("redis-server is not installed (apt-get install redis-server)")
    return binary


@contextlib.contextmanager
def running_redis():
    folder = Path(tempfile.mkdtemp(prefix="duikou-redis-"))
    server = RedisServer(_redis_binary(), folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def redis_server():
    """A private Redis, running, for one test."""
    with running_redis() as server:
        yield server


@pytest.fixture
def redis_cache(settings, redis_server):
    """Django's default cache on ``redis_server``, with the production options."""
    from django.core.cache import caches

    from config.settings.base import redis_cache as redis_cache_settings

    settings.CACHES = redis_cache_settings(redis_server.url(0))
    yield redis_server
    redis_server.thaw()
    caches.close_all()
