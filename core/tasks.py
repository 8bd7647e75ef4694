import socket

from celery import shared_task
from django.db import connection


@shared_task(name="core.ping")
def ping(payload: str = "") -> dict:
    """Answer with where it ran: proves a worker is up and shares our settings."""
    return {
        "pong": payload,
        "hostname": socket.gethostname(),
        "database": connection.vendor,
    }


@shared_task(name="core.refresh_figures", ignore_result=True)
def refresh_figures(
    module: str, name: str, user_id: int, language: str, args: list
) -> None:
    """Compute a scope's costly figures afresh after a write (``core.refreshed``)."""
    from core import refreshed

    refreshed.refresh(module, name, user_id, language, args)
