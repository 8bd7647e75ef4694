import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

DEMO_USERS = ["admin", "sheng", "shi", "xian", "xuexiao", "duxue"]


class Command(BaseCommand):
    help = "Start the web server and a Celery worker (with beat) together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        worker = subprocess.Popen(
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
            ]
        )
        try:
            self._print_banner(host, port)
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            worker.send_signal(signal.SIGTERM)
            for _second in range(20):
                if worker.poll() is not None:
                    break
                time.sleep(0.5)
            else:
                worker.kill()

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
        self.stdout.write("\n".join(lines) + "\n")
