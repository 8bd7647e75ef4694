"""The Celery worker's heartbeat: a row per worker (``WorkerHeartbeat``) renewed
every ``INTERVAL`` seconds by a thread of the worker's main process, so that the
health check tells a running worker from a dead one, with or without Redis.

``config/celery_app.py`` connects ``start`` and ``stop`` to the worker's signals."""

import logging
import socket
import threading

from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

INTERVAL = 15.0
# A worker not heard from for this long is reported down (two beats missed, and
# some slack for a busy machine).
STALE_SECONDS = 60

_stopping = threading.Event()
_thread: threading.Thread | None = None


def beat(hostname: str) -> None:
    """Record that ``hostname`` is alive now."""
    from .models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname[:200], defaults={"seen_at": timezone.now()}
    )


def last_seen():
    """The most recent heartbeat of any worker, or None."""
    from .models import WorkerHeartbeat

    return (
        WorkerHeartbeat.objects.order_by("-seen_at")
        .values_list("seen_at", flat=True)
        .first()
    )


def _run(hostname: str) -> None:
    while not _stopping.is_set():
        try:
            close_old_connections()
            beat(hostname)
        except Exception:  # the database may be restarting: try again next time
            logger.warning("worker heartbeat not recorded", exc_info=True)
        finally:
            connection.close()
        _stopping.wait(INTERVAL)


def start(sender=None, **kwargs) -> None:
    """Start beating (the ``worker_ready`` signal; ``sender`` is the consumer)."""
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    _stopping.clear()
    _thread = threading.Thread(
        target=_run, args=(hostname,), name="duikou-heartbeat", daemon=True
    )
    _thread.start()


def stop(**kwargs) -> None:
    """Stop beating (the ``worker_shutdown`` signal)."""
    _stopping.set()
