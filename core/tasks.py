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
