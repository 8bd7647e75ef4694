"""`make run`: migrate, load the demo data the first time, then serve the site and
run a Celery worker (with beat) beside it until Ctrl-C, which stops both.

One process does the migration, the demo data and the web server, so Django starts
once, not three times (the first page comes seconds sooner). The worker runs in a
session of its own: only this command stops it, whichever way the command is told
to stop (Ctrl-C, a closed terminal, ``kill``), and it dies with the command if the
command is killed outright."""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

DEMO_USERS = ["admin", "sheng", "shi", "xian", "xuexiao", "duxue"]
# A warm shutdown lets a running task finish; an idle worker takes a few seconds
# (its broker poll, then beat). Past this, what is left is killed: export and
# import jobs are resumed by the sweeper.
WORKER_STOP_SECONDS = 15
# Addresses that mean "every interface": the Host header is then whatever name or
# address a browser on the network uses.
ALL_INTERFACES = {"0.0.0.0", "::", "0"}
PR_SET_PDEATHSIG = 1


class Stop(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled as Ctrl-C is."""


def _raise_stop(signum, frame):
    raise Stop


def _die_with_parent():
    """In the worker, before it starts: SIGTERM when this command dies, even by
    SIGKILL (Linux; elsewhere the command's own clean-up is all there is)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def allowed_hosts(host: str, configured: list[str], explicit: bool) -> list[str]:
    """``ALLOWED_HOSTS`` with the address the server listens on: a page asked for
    by the name the banner prints must answer. Bound to every interface, any name
    is allowed unless DJANGO_ALLOWED_HOSTS names them."""
    hosts = list(configured)
    name = host.strip("[]")
    if name in ALL_INTERFACES:
        if not explicit and "*" not in hosts:
            hosts.append("*")
        return hosts
    entry = f"[{name}]" if ":" in name else name  # as a Host header writes it
    if entry not in hosts:
        hosts.append(entry)
    return hosts


class Command(BaseCommand):
    help = (
        "Migrate, load the demo data if the database has no school, then start the "
        "web server and a Celery worker (with beat); Ctrl-C stops both."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--demo-scale",
            help="load the demo data at this scale when the database has no school",
        )

    def handle(self, *args, host, port, demo_scale, **options):
        self._check_port_free(host, port)
        # Before the migration: a stop while it runs leaves nothing behind either.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _raise_stop)
        settings.ALLOWED_HOSTS = allowed_hosts(
            host,
            settings.ALLOWED_HOSTS,
            explicit=bool(os.environ.get("DJANGO_ALLOWED_HOSTS")),
        )
        call_command("migrate", interactive=False, skip_checks=False)
        if demo_scale:
            call_command("demo_data", scale=demo_scale, if_empty=True)
        worker = self._start_worker()
        try:
            self._print_banner(host, port)
            # The system checks ran with the migration. No reloader: it would
            # serve from a second process, which this clean-up does not reach.
            call_command(
                "runserver", f"{host}:{port}", use_reloader=False, skip_checks=True
            )
        finally:
            self._stop_worker(worker)

    def _check_port_free(self, host, port):
        """runserver leaves with os._exit on a taken port, past every clean-up:
        find out before the worker starts."""
        address = host.strip("[]")
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            with socket.create_server((address, int(port)), family=family):
                pass
        except OSError as error:
            raise CommandError(
                _(
                    "Cannot listen on %(host)s:%(port)s (%(error)s). Choose another "
                    "port, e.g. make run PORT=8080."
                )
                % {"host": host, "port": port, "error": error.strerror or error}
            ) from error

    def _start_worker(self) -> subprocess.Popen:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}",
                "--pool=solo",
                "--loglevel=INFO",
            ],
            # Its own session: the terminal's Ctrl-C reaches this command only,
            # which stops the worker and its beat as one group.
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def _stop_worker(self, worker: subprocess.Popen) -> None:
        if worker.poll() is not None:
            return
        self.stdout.write(_("Stopping the Celery worker…"))
        try:
            self._signal_worker(worker, signal.SIGTERM)
            worker.wait(timeout=WORKER_STOP_SECONDS)
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            # A second Ctrl-C, or a task that does not finish: do not wait more.
            pass
        # The worker's group: beat too, if the worker left it behind.
        self._signal_worker(worker, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=5)

    @staticmethod
    def _signal_worker(worker, signum):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(worker.pid, signum)

    def _print_banner(self, host, port):
        users = get_user_model().objects.filter(username__in=DEMO_USERS)
        found = {
            u.username: u
            for u in users.prefetch_related(
                "memberships__school", "memberships__region"
            )
        }
        lines = [
            "",
            _("Partner assistance system: http://%(host)s:%(port)s/")
            % {"host": host, "port": port},
            _("Celery worker started (broker: %(broker)s).")
            % {"broker": settings.CELERY_BROKER_URL.split("://")[0]},
            _("REST API documentation: http://%(host)s:%(port)s/api/docs/")
            % {"host": host, "port": port},
            _("Demo logins (password demo12345):"),
        ]
        for username in DEMO_USERS:
            user = found.get(username)
            if user is None:
                continue
            roles = ", ".join(
                f"{m.get_role_display()} {m.school or m.region or ''}".strip()
                for m in user.memberships.all()
            )
            lines.append(f"  {username:<8} {roles}")
        lines.append(_("Ctrl-C stops the web server and the worker."))
        self.stdout.write("\n".join(lines) + "\n")
