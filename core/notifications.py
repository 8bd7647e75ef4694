"""In-app notifications."""

from collections.abc import Iterable

from django.utils import timezone

from .models import Notification


def notify(users: Iterable, message: str, url: str = "") -> int:
    """Leave ``message`` for each user; returns how many were written."""
    rows = [
        Notification(user_id=getattr(user, "pk", user), message=message[:300], url=url)
        for user in {getattr(u, "pk", u) for u in users}
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notification_read(*, notification: Notification) -> Notification:
    """Mark one notification read (once: the first reading time is kept)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
