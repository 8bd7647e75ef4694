from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.tasks import ping


class Command(BaseCommand):
    help = "Send a ping task through the broker and wait for the worker's answer."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, timeout, **options):
        result = ping.delay("worker_check")
        try:
            answer = result.get(timeout=timeout)
        except CeleryTimeout as exc:
            raise CommandError(
                _("No Celery worker answered within %(seconds)s seconds.")
                % {"seconds": timeout}
            ) from exc
        self.stdout.write(
            _("Celery worker is running on %(host)s (database: %(db)s).")
            % {"host": answer["hostname"], "db": answer["database"]}
        )
