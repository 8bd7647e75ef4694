"""In-app notifications."""

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import Notification
from .resilience import attempt

# The unread count in every page's header is kept this long in the cache, and
# dropped when the user's notifications change (after the commit). A count read
# from the database just before a change and cached just after it, or a drop lost
# to a Redis outage, shows at most this long.
UNREAD_SECONDS = 60


def unread_count(user) -> int:
    """How many notifications ``user`` has not read."""
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_SECONDS)
    return count


def _unread_key(user_id) -> str:
    return f"notifications:unread:{user_id}"


def _changed(user_ids) -> None:
    keys = [_unread_key(pk) for pk in user_ids]
    transaction.on_commit(
        lambda: attempt("forget unread counts", cache.delete_many, keys)
    )


def notify(users: Iterable, message: str, url: str = "") -> int:
    """Leave ``message`` for each user; returns how many were written."""
    rows = [
        Notification(user_id=getattr(user, "pk", user), message=message[:300], url=url)
        for user in {getattr(u, "pk", u) for u in users}
    ]
    Notification.objects.bulk_create(rows)
    _changed(row.user_id for row in rows)
    return len(rows)


def notification_read(*, notification: Notification) -> Notification:
    """Mark one notification read (once: the first reading time is kept)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _changed([notification.user_id])
    return notification


def notifications_read_all(*, user) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    marked = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    _changed([user.pk])
    return marked
