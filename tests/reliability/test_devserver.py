"""`make run` as a user meets it: the `devserver` command (web server and Celery
worker with beat) started from outside, on a free port with a SQLite database and
broker folder of its own, as `make run` starts it.

- With no variable set, DEBUG is off: an unknown address is the site's own Chinese
  404 page (not Django's debug page), and static files are still served; the page
  answers under the host names a user types (127.0.0.1, localhost).
- Ctrl-C in the terminal (SIGINT to the process group), closing the terminal (SIGHUP)
  and `kill` (SIGTERM to the server process, which is also what `make` passes on
  when it is killed) stop the web server, the worker and its beat: no process of
  the command is left behind.
- A port already taken is said, and no worker is started (runserver leaves with
  os._exit on it, past any clean-up)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.reliability.conftest import free_port, wait_until
from tests.workers import ROOT

pytestmark = pytest.mark.slow

# A warm shutdown of the worker takes a few seconds (its poll loop, then beat);
# the command waits a bounded time before it kills what is left.
STOP_SECONDS = 30


def devserver_env(var_dir: Path) -> dict:
    """The environment of a user's shell: no database or broker named (CI sets
    them for the tests), the local settings, a data folder of the test's own."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DUIKOU_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER"}
    }
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    environment["DUIKOU_VAR_DIR"] = str(var_dir)
    return environment


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    """A migrated SQLite database, made once for the module."""
    folder = tmp_path_factory.mktemp("devserver-var")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=devserver_env(folder),
        check=True,
        timeout=300,
    )
    return folder


def get(url: str, host: str | None = None):
    """(status, body) of a GET; an HTTP error is an answer too."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def descendants(root: int) -> set[int]:
    """Every living process below ``root`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # "pid (name) state ppid ...": the name may hold spaces and parentheses.
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Devserver:
    """`manage.py devserver` in a session of its own, as a terminal runs `make run`."""

    def __init__(self, var_dir: Path, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.seen: set[int] = set()
        log = open(log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "devserver",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=devserver_env(var_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self) -> None:
        def first_page():
            assert self.process.poll() is None, self.log()
            try:
                return get(f"{self.url}/accounts/login/")[0] == 200
            except OSError:
                return False

        assert wait_until(first_page, timeout=120, interval=0.2), self.log()

    def wait_until_worker_ready(self) -> set[int]:
        """The processes below the command once the worker and its beat run."""
        assert wait_until(lambda: "ready." in self.log(), timeout=120), self.log()
        assert wait_until(
            lambda: (
                sum(
                    "celery" in command_line(pid)
                    for pid in descendants(self.process.pid)
                )
                >= 2
            ),
            timeout=30,
        ), self.log()
        self.seen = descendants(self.process.pid)
        return self.seen

    def kill_everything(self) -> None:
        """Whatever a failed test left: the command's group and its descendants."""
        left = descendants(self.process.pid) | self.seen | {self.process.pid}
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def devserver(var_dir, tmp_path):
    server = Devserver(var_dir, tmp_path / "devserver.log")
    yield server
    server.kill_everything()


def test_a_user_sees_the_sites_own_pages_with_debug_off(devserver):
    devserver.wait_until_serving()

    for host in ("127.0.0.1", "localhost"):
        status, _page = get(
            f"{devserver.url}/accounts/login/", f"{host}:{devserver.port}"
        )
        assert status == 200, host

    status, page = get(f"{devserver.url}/no-such-page/")
    assert status == 404
    assert "页面不存在" in page  # templates/404.html in the site's layout
    assert 'class="navbar' in page
    assert "DEBUG = True" not in page and "URLconf" not in page

    status, css = get(f"{devserver.url}/static/css/app.css")
    assert status == 200
    assert css.strip()
    assert get(f"{devserver.url}/static/vendor/bootstrap/bootstrap.min.css")[0] == 200


@pytest.mark.parametrize(
    ("signal_number", "to_group"),
    [
        pytest.param(signal.SIGINT, True, id="ctrl-c"),
        pytest.param(signal.SIGHUP, True, id="terminal-closed"),
        pytest.param(signal.SIGTERM, False, id="kill"),
    ],
)
def test_stopping_the_command_stops_the_worker_too(devserver, signal_number, to_group):
    devserver.wait_until_serving()
    below = devserver.wait_until_worker_ready()
    assert any("celery" in command_line(pid) for pid in below)

    started = time.monotonic()
    if to_group:
        os.killpg(devserver.process.pid, signal_number)
    else:
        devserver.process.send_signal(signal_number)

    devserver.process.wait(timeout=STOP_SECONDS)
    assert wait_until(
        lambda: not any(alive(pid) for pid in below),
        timeout=max(1.0, STOP_SECONDS - (time.monotonic() - started)),
    ), [command_line(pid) for pid in below if alive(pid)]


def processes_of(var_dir: Path) -> list[int]:
    """Living processes whose command line names the folder (the worker's beat
    schedule is in it), wherever they were reparented."""
    return [
        int(entry)
        for entry in os.listdir("/proc")
        if entry.isdigit()
        and str(var_dir) in command_line(int(entry))
        and alive(int(entry))
    ]


def test_a_taken_port_is_said_and_leaves_no_worker(var_dir, tmp_path):
    log_path = tmp_path / "devserver.log"
    with socket.create_server(("127.0.0.1", 0)) as taken, open(log_path, "wb") as log:
        port = taken.getsockname()[1]
        # Output to a file: a worker left behind would hold a pipe open.
        process = subprocess.Popen(
            [sys.executable, "manage.py", "devserver", "--port", str(port)],
            cwd=ROOT,
            env=devserver_env(var_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            returncode = process.wait(timeout=120)
        finally:
            left = processes_of(var_dir)
            for pid in [*left, process.pid]:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
    output = log_path.read_text(errors="replace")
    assert returncode != 0
    # Said before anything starts, naming the address.
    assert "Starting development server" not in output
    assert f"127.0.0.1:{port}" in output.strip().splitlines()[-1]
    assert [command_line(pid) for pid in left] == []
