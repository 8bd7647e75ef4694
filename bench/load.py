"""Throughput of the running system under a mixed load of signed-in users (issue 15).

Starts gunicorn (production settings, 3 sync workers) on a copy of the county-scale
demo data, signs in the six demo users in turn (one session per client), and runs
closed-loop clients for a fixed time: each sends a request, waits for the answer and
sends the next. The mix: the dashboard, lists, details, forms, the statistics page,
API lists and a few writes (an activity's title through the API; all notifications
marked read). Then two baselines on the same server: the login page alone (no
session, no database) and ``healthz`` alone.

Prints requests per second, median and 95th-percentile latency and errors (any
answer other than 2xx/3xx, or no answer) per phase, and per page in the mix.

The machine may be shared: to compare two versions, give the other version's tree
with ``--before`` (``git archive <commit> | tar -x -C /tmp/before``); the versions
then run alternately, ``--rounds`` times each, against the same database, and the
table shows every run.

    createdb -h 127.0.0.1 -U postgres -T duikou_county duikou_load
    .venv/bin/python bench/load.py --before /tmp/before --rounds 2

The server's Python is this tree's ``.venv``; the client is this process (threads
with ``http.client``, no third-party package).
"""

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
USERS = ("admin", "sheng", "shi", "xian", "xuexiao", "duxue")
PASSWORD = "demo12345"
# The database alone decides (no Celery worker runs here; older versions ignore it).
HEALTHZ = "/healthz?require=database"

# Pages of the mix with their weights. "{pairing}" etc. are filled per user from
# the ids their API lists return, so each user asks only for what they may see.
MIX = (
    ("dashboard", "/", 4),
    ("list pairings", "/pairings/", 2),
    ("list schools", "/schools/", 2),
    ("list activities", "/activities/", 2),
    ("list secondments", "/secondments/", 2),
    ("list people", "/people/", 1),
    ("list projects", "/projects/", 1),
    ("list donations", "/donations/", 1),
    ("list reports", "/reports/mine/", 1),
    ("detail pairing", "/pairings/{pairing}/", 2),
    ("detail school", "/schools/{school}/", 2),
    ("detail activity", "/activities/{activity}/", 1),
    ("detail secondment", "/secondments/{secondment}/", 1),
    ("detail person", "/people/{person}/", 1),
    ("form activity", "/activities/add/", 1),
    ("form pairing", "/pairings/{pairing}/edit/", 1),
    ("statistics", "/statistics/", 1),
    ("api pairings", "/api/v1/pairings/", 2),
    ("api activities", "/api/v1/activities/", 2),
    ("api schools", "/api/v1/schools/", 1),
    ("api secondments", "/api/v1/secondments/", 1),
    ("write activity", "PATCH /api/v1/activities/{writable_activity}/", 1),
    ("write notifications", "POST /notifications/read-all/", 1),
)
IDS = {
    "pairing": "/api/v1/pairings/",
    "school": "/api/v1/schools/",
    "activity": "/api/v1/activities/",
    "secondment": "/api/v1/secondments/",
    "person": "/api/v1/people/",
}


# The server -------------------------------------------------------------------


class Server:
    """gunicorn serving one source tree with production settings."""

    def __init__(self, source: Path, args, name: str):
        self.source, self.args, self.name = source, args, name
        self.process = None
        self.var = Path(tempfile.mkdtemp(prefix=f"duikou_load_{name}_"))
        (self.var / "staticfiles").mkdir()

    def environment(self) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "DUIKOU_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY="load-benchmark-" + "x" * 50,
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{self.args.db}",
            REDIS_URL=f"redis://127.0.0.1:6379/{self.args.redis_db}",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_LOG_LEVEL="WARNING",
            DUIKOU_VAR_DIR=str(self.var),
            PYTHONPATH=str(self.source),
        )
        return env

    def start(self):
        log = open(self.var / "gunicorn.log", "w")  # noqa: SIM115 (kept open)
        self.process = subprocess.Popen(
            [
                str(PYTHON),
                "-m",
                "gunicorn",
                "config.wsgi",
                "--chdir",
                str(self.source),
                "--workers",
                str(self.args.workers),
                "--bind",
                f"127.0.0.1:{self.args.port}",
                "--backlog",
                "256",
                "--timeout",
                "60",
            ],
            env=self.environment(),
            # The tree to serve first on sys.path (python -m puts the cwd there).
            cwd=self.source,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Client(self.args.port).get(HEALTHZ)[0] == 200:
                    # Every worker imports the app lazily: warm each one.
                    for _ in range(self.args.workers * 4):
                        Client(self.args.port).get("/accounts/login/")
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        self.stop()
        sys.exit(f"gunicorn did not start; see {self.var / 'gunicorn.log'}")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# The client -------------------------------------------------------------------


class Client:
    """One browser: its own connection and cookies. Production sets secure cookies
    and trusts X-Forwarded-Proto, so the client says it came through HTTPS."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, headers=None):
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "zh-hans",
            **(headers or {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method not in ("GET", "HEAD"):
            headers["Origin"] = self.origin
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0].strip('"')
                if cookie_value:
                    self.cookies[name] = cookie_value
                else:
                    self.cookies.pop(name, None)
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, content

    def get(self, path):
        return self.request("GET", path)

    def sign_in(self, username: str):
        status, page = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            body=urlencode(
                {
                    "username": username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": token.group(1).decode(),
                }
            ),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302:
            sys.exit(f"sign-in of {username} answered {status}")


def ids_of(client: Client) -> dict[str, list[int]]:
    found = {}
    for kind, path in IDS.items():
        status, content = client.get(path)
        found[kind] = [row["id"] for row in json.loads(content)["results"]][:20]
    # Writes touch the user's own rows only: one activity per user, chosen from
    # those the user may change (the API's PATCH answers 200).
    found["writable_activity"] = []
    for pk in found["activity"]:
        status, _ = client.request(
            "PATCH",
            f"/api/v1/activities/{pk}/",
            body=json.dumps({}),
            headers={"Content-Type": "application/json"},
        )
        if status == 200:
            found["writable_activity"] = [pk]
            break
    return found


def plan_for(client: Client, ids: dict) -> list[tuple[str, str, str]]:
    """The user's pages: every page of the mix the user can open (a page outside the
    user's role is left out, so that errors count only real failures)."""
    plan = []
    for name, spec, weight in MIX:
        method, _, path = spec.rpartition(" ")
        method = method or "GET"
        keys = re.findall(r"{(\w+)}", path)
        if any(not ids.get(key) for key in keys):
            continue
        path = path.format(**{key: ids[key][0] for key in keys})
        if method == "GET" and client.get(path)[0] != 200:
            continue
        plan += [(name, method, path)] * weight
    return plan


def body_for(method: str, path: str, rng: random.Random):
    if method == "PATCH":
        title = f"压测活动 {rng.randrange(1_000_000)}"
        return json.dumps({"title": title}), {"Content-Type": "application/json"}
    return "", {"Content-Type": "application/x-www-form-urlencoded"}


class CpuMeter:
    """CPU seconds spent by the server's processes (gunicorn's and the database
    backends serving it) while a phase runs: a throughput that a busy, shared
    machine does not distort as much as requests per second do. Sampled twice a
    second; a process that ends between samples loses its last half second."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, master_pid: int, db: str):
        import psycopg

        self.master_pid, self.db = master_pid, db
        self.connection = psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        )
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.backends: set[int] = set()
        self.running = False

    @staticmethod
    def cpu(pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / CpuMeter.TICK

    def pids(self) -> set[int]:
        children = set()
        for task in Path(f"/proc/{self.master_pid}/task").glob("*/children"):
            children |= {int(p) for p in task.read_text().split()}
        backends = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.db,)
        ).fetchall()
        self.backends |= {pid for (pid,) in backends}
        return {self.master_pid, *children, *(pid for (pid,) in backends)}

    def sample(self, starting=False):
        for pid in self.pids():
            value = self.cpu(pid)
            if value is None:
                continue
            # A process born during the phase spent all its CPU in it.
            self.first.setdefault(pid, value if starting else 0.0)
            self.last[pid] = value

    def __enter__(self):
        self.sample(starting=True)
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _loop(self):
        while self.running:
            time.sleep(0.5)
            self.sample()

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.sample()
        self.connection.close()

    @property
    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)

    @property
    def database_seconds(self) -> float:
        """The share of ``seconds`` spent by the PostgreSQL backends."""
        spent = self.last.items()
        return sum(v - self.first[pid] for pid, v in spent if pid in self.backends)


# What the failed requests answered, by page ("write activity: 409"), over the run.
FAILURES: Counter = Counter()


def run_phase(port, clients, duration, make_plan, meter=None):
    """Closed loop: every client sends its next request as soon as the last answers."""
    samples: list[tuple[str, float, bool]] = []
    lock = threading.Lock()
    start_barrier = threading.Barrier(len(clients) + 1)
    stop_at = [0.0]

    def loop(index, client, plan):
        rng = random.Random(index)
        local = []
        start_barrier.wait()
        while time.monotonic() < stop_at[0]:
            name, method, path = rng.choice(plan)
            body, headers = (
                body_for(method, path, rng)
                if method != "GET"
                else (
                    None,
                    None,
                )
            )
            began = time.perf_counter()
            try:
                status, _ = client.request(method, path, body=body, headers=headers)
                ok = 200 <= status < 400
            except (OSError, http.client.HTTPException) as exc:
                status, ok = type(exc).__name__, False
            if not ok:
                FAILURES[f"{name}: {status}"] += 1
            local.append((name, time.perf_counter() - began, ok))
        with lock:
            samples.extend(local)

    threads = [
        threading.Thread(target=loop, args=(i, c, make_plan(i, c)), daemon=True)
        for i, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    with meter or contextlib.nullcontext():
        stop_at[0] = time.monotonic() + duration
        began = time.monotonic()
        start_barrier.wait()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - began
    return samples, seconds


def summary(samples, seconds, cpu=None) -> dict:
    times = sorted(t for _, t, _ in samples)
    if not times:
        empty = ("n", "rps", "p50", "p95", "errors", "cpu", "db_cpu")
        return dict.fromkeys(empty, 0)
    return {
        "n": len(times),
        # Server CPU per request (gunicorn and PostgreSQL), in milliseconds.
        "cpu": cpu.seconds * 1000 / len(times) if cpu else 0,
        "db_cpu": cpu.database_seconds * 1000 / len(times) if cpu else 0,
        "rps": len(times) / seconds,
        "p50": statistics.median(times) * 1000,
        "p95": times[math.ceil(0.95 * len(times)) - 1] * 1000,
        "errors": sum(not ok for _, _, ok in samples),
    }


def measure(args, name: str, source: Path) -> dict:
    server = Server(source, args, name)
    server.start()
    try:
        clients = []
        plans = {}
        for index in range(args.clients):
            client = Client(args.port)
            username = USERS[index % len(USERS)]
            client.sign_in(username)
            if username not in plans:
                plans[username] = plan_for(client, ids_of(client))
            clients.append((username, client))
        meter = CpuMeter(server.process.pid, args.db)
        mixed, seconds = run_phase(
            args.port,
            [c for _, c in clients],
            args.duration,
            lambda i, c: plans[clients[i][0]],
            meter,
        )
        results = {"mixed": (summary(mixed, seconds, meter), mixed)}
        for phase, path in (
            ("login page", "/accounts/login/"),
            ("healthz", HEALTHZ),
        ):
            anonymous = [Client(args.port) for _ in range(args.clients)]
            meter = CpuMeter(server.process.pid, args.db)
            samples, seconds = run_phase(
                args.port,
                anonymous,
                args.baseline_duration,
                lambda i, c, phase=phase, path=path: [(phase, "GET", path)],
                meter,
            )
            results[phase] = (summary(samples, seconds, meter), samples)
        return results
    finally:
        server.stop()


def print_runs(runs):
    print()
    print(
        "| run | phase | requests | req/s | p50 ms | p95 ms | errors "
        "| CPU ms/request | req/s per 2 CPU s |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, results in runs:
        for phase, (s, _) in results.items():
            capacity = 2000 / s["cpu"] if s["cpu"] else 0
            print(
                f"| {label} | {phase} | {s['n']} | {s['rps']:.1f} | {s['p50']:.0f} "
                f"| {s['p95']:.0f} | {s['errors']} | {s['cpu']:.1f} "
                f"| {capacity:.0f} |"
            )
    print()
    by_version = defaultdict(list)
    for label, results in runs:
        by_version[label.split(" ")[0]].extend(results["mixed"][1])
    print("Mixed load, per page (all runs of a version): p50 ms / p95 ms / errors")
    names = sorted({name for samples in by_version.values() for name, _, _ in samples})
    print("| page | " + " | ".join(by_version) + " |")
    print("| --- |" + " ---: |" * len(by_version))
    for name in names:
        cells = []
        for samples in by_version.values():
            s = summary([x for x in samples if x[0] == name], 1)
            cells.append(f"{s['p50']:.0f} / {s['p95']:.0f} / {s['errors']}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="another source tree to compare")
    parser.add_argument(
        "--after", type=Path, default=ROOT, help="the tree measured (default: this)"
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--duration", type=float, default=60, help="mixed, seconds")
    parser.add_argument("--baseline-duration", type=float, default=15)
    parser.add_argument("--db", default="duikou_load")
    parser.add_argument("--redis-db", type=int, default=7)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    versions = [("after", args.after.resolve())]
    if args.before:
        versions.insert(0, ("before", args.before.resolve()))
    runs = []
    for round_ in range(1, args.rounds + 1):
        for label, source in versions:
            load = os.getloadavg()[0]
            results = measure(args, label, source)
            s = results["mixed"][0]
            print(
                f"{label} round {round_}: mixed {s['rps']:.1f} req/s, p50 "
                f"{s['p50']:.0f} ms, p95 {s['p95']:.0f} ms, {s['errors']} errors, "
                f"{s['cpu']:.1f} CPU ms per request (database {s['db_cpu']:.1f}) "
                f"(load average before the run {load:.2f})",
                flush=True,
            )
            runs.append((f"{label} {round_}", results))
    print_runs(runs)
    if FAILURES:
        print("\nFailed requests, by page and answer (every run):")
        for what, count in FAILURES.most_common():
            print(f"  {what}: {count}")


if __name__ == "__main__":
    main()
