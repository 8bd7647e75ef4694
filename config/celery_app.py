import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("duikou")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_ready.connect
def _heartbeat_start(sender=None, **kwargs):
    from core import heartbeat

    heartbeat.start(sender=sender)


@signals.worker_shutdown.connect
def _heartbeat_stop(**kwargs):
    from core import heartbeat

    heartbeat.stop()
