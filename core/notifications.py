"""In-app notifications."""

from collections.abc import Iterable

from .models import Notification


def notify(users: Iterable, message: str, url: str = "") -> int:
    """Leave ``message`` for each user; returns how many were written."""
    rows = [
        Notification(user_id=getattr(user, "pk", user), message=message[:300], url=url)
        for user in {getattr(u, "pk", u) for u in users}
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)
