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


@shared_task(name="core.warm_figures", ignore_result=True)
def warm_figures() -> int:
    """Compute the kept figures of recent users' scopes where they are missing or
    out of date (``core.refreshed.warm_all``); run by beat."""
    from django.conf import settings

    from core import refreshed

    return refreshed.warm_all(settings.DUIKOU_WARM_SIGNED_IN_DAYS)


@shared_task(name="core.refresh_figures", ignore_result=True)
def refresh_figures(
    module: str, name: str, user_id: int, language: str, args: list
) -> None:
    """Compute a scope's costly figures afresh after a write (``core.refreshed``)."""
    from core import refreshed

    refreshed.refresh(module, name, user_id, language, args)
