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
import pwd
import shutil
import signal
import socket
import subprocess
import sys
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


# PostgreSQL ------------------------------------------------------------------------


class PostgresCluster:
    """A private PostgreSQL cluster in a temporary folder, on a port of its own.

    When the tests run as root, the server runs as the ``postgres`` user (PostgreSQL
    refuses root), in a folder that user owns."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                _missing("running as root and there is no postgres user")
            os.chown(folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, check=check
        )

    def init(self) -> None:
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def is_ready(self) -> bool:
        result = subprocess.run(
            [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
        )
        return result.returncode == 0

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast`` cuts every connection and shuts down cleanly; ``immediate`` is
        a crash (recovery on the next start)."""
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"
        )

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    @contextlib.contextmanager
    def stopped(self, mode: str = "fast"):
        self.stop(mode)
        try:
            yield self
        finally:
            self.start()

    def ensure_running(self) -> None:
        if not self.is_ready():
            self.start()

    def sql(self, query: str, params=None, database: str = "postgres") -> list:
        """Run one statement (autocommit); the rows it returns, if any."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def create_database(self, name: str, template: str | None = None) -> str:
        clause = f" TEMPLATE {template}" if template else ""
        self.sql(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_cluster():
    """A private PostgreSQL cluster for the session; a test that stops it gets it
    started again (``ensure_running``) before the next one."""
    if not (PG_BIN / "initdb").exists():
        _missing(
            f"PostgreSQL server binaries not found in {PG_BIN} "
            "(apt-get install postgresql-15, or set DUIKOU_PG_BIN)"
        )
    folder = Path(tempfile.mkdtemp(prefix="duikou-pg-"))
    cluster = PostgresCluster(folder)
    try:
        cluster.init()
        cluster.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"private PostgreSQL did not start: {exc.stderr}")
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


# A live site ------------------------------------------------------------------------


def site_environment(database_url: str, redis_url: str, folder: Path) -> dict:
    """The environment of a production deployment on the private servers."""
    environment = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "DUIKOU_TEST_TMP", "PYTEST_CURRENT_TEST"):
        environment.pop(name, None)
    (folder / "staticfiles").mkdir(parents=True, exist_ok=True)
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "fault-suite-only-" + "x" * 40,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DUIKOU_VAR_DIR": str(folder),
            "DUIKOU_MEDIA_ROOT": str(folder / "media"),
            "DUIKOU_EXPORT_ROOT": str(folder / "exports"),
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    return environment


def manage(environment: dict, *args: str, timeout: float = 600) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


@pytest.fixture(scope="session")
def migrated_template(postgres_cluster):
    """A database migrated once per session; each live site copies it."""
    name = "duikou_template"
    postgres_cluster.create_database(name)
    folder = Path(tempfile.mkdtemp(prefix="duikou-template-"))
    with running_redis() as redis:
        manage(
            site_environment(postgres_cluster.url(name), redis.url(), folder),
            "migrate",
            "--noinput",
        )
    shutil.rmtree(folder, ignore_errors=True)
    return name


class LiveClient:
    """An outside client of the live site (``requests``), logged in with a form as
    a browser is. Production cookies are ``Secure``; the site is reached over plain
    HTTP here, so the client keeps sending them."""

    def __init__(self, base_url: str):
        import requests

        self.base_url = base_url
        self.session = requests.Session()

    def _csrf(self) -> dict:
        for cookie in self.session.cookies:
            cookie.secure = False
        token = self.session.cookies.get("csrftoken")
        return {"X-CSRFToken": token} if token else {}

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def request(self, method: str, path: str, **kwargs):
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        headers = {**self._csrf(), **kwargs.pop("headers", {})}
        return self.session.request(
            method, self.base_url + path, headers=headers, **kwargs
        )

    def post(self, path: str, data=None, **kwargs):
        return self.request("POST", path, data=data, **kwargs)

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        response = self.post(
            "/accounts/login/", data={"username": username, "password": password}
        )
        assert response.status_code == 302, response.text[:500]


class LiveSite:
    def __init__(self, url, environment, cluster, database, redis, folder):
        self.url = url
        self.environment = environment
        self.cluster = cluster
        self.database = database
        self.redis = redis
        self.folder = folder
        self.log = folder / "gunicorn.log"

    def client(self) -> LiveClient:
        return LiveClient(self.url)

    def manage(self, *args: str) -> str:
        return manage(self.environment, *args)

    def shell(self, code: str) -> str:
        """Run Python in a Django shell of the site (production settings, its
        database and Redis): seed rows, read results."""
        return self.manage("shell", "-c", code)

    def sql(self, query: str, params=None) -> list:
        return self.cluster.sql(query, params, database=self.database)

    def worker(self, log_name: str = "worker.log"):
        """A real Celery worker (solo pool) of the site, as a context manager."""
        from tests.workers import celery_worker

        return celery_worker(env=self.environment, log_path=self.folder / log_name)

    def server_log(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def live_site(postgres_cluster, migrated_template):
    """gunicorn with the production settings, on a database of its own (a copy of
    the migrated template) and a Redis of its own, for one test module. Seeds a
    superuser ``admin`` / ``fault-suite-admin``."""
    postgres_cluster.ensure_running()
    folder = Path(tempfile.mkdtemp(prefix="duikou-live-"))
    database = f"duikou_live_{folder.name.rsplit('-', 1)[-1].lower()}"
    postgres_cluster.create_database(database, template=migrated_template)
    port = free_port()
    with running_redis() as redis:
        environment = site_environment(
            postgres_cluster.url(database), redis.url(0), folder
        )
        site = LiveSite(
            f"http://127.0.0.1:{port}",
            environment,
            postgres_cluster,
            database,
            redis,
            folder,
        )
        site.shell(
            "from django.contrib.auth import get_user_model;"
            "get_user_model().objects.create_superuser("
            "'admin', 'admin@example.org', 'fault-suite-admin')"
        )
        log = open(site.log, "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "30",
                "--graceful-timeout",
                "2",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

        def serving():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return True
            except OSError:
                return False

        try:
            if not wait_until(serving, timeout=60):
                pytest.fail(f"gunicorn did not start:\n{site.server_log()}")
            yield site
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            postgres_cluster.ensure_running()
            with contextlib.suppress(Exception):
                postgres_cluster.sql(f'DROP DATABASE "{database}" WITH (FORCE)')
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def live_services(live_site):
    """Puts the live site's servers back after a test that stopped or froze them."""
    yield live_site
    live_site.redis.thaw()
    live_site.redis.start()
    live_site.cluster.ensure_running()
