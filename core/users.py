"""The signed-in user's row, read through the cache.

Every page and API call of a signed-in user loads their row (Django's
``AuthenticationMiddleware``): one query per request, about a twentieth of an
authenticated page's time under load. The backend keeps the row in the cache, and
every save or delete of a user drops it, so a password change (which ends the
user's other sessions: the session's hash no longer matches), a deactivation or a
new name is seen by the next request. The cache keeps a row at most a minute
(``CACHE_SECONDS``); with the cache unreachable (``core.resilience`` answers a
miss) the row is read from the database as before."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

CACHE_SECONDS = 60


def _key(user_id) -> str:
    return f"duikou.user.{user_id}"


class CachedUserBackend(ModelBackend):
    """Django's model backend (passwords, permissions), its ``get_user`` read
    through the cache."""

    def get_user(self, user_id):
        user = cache.get(_key(user_id))
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            # Stored as read: nothing computed on it yet (permission caches).
            cache.set(_key(user_id), user, CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget(user_id) -> None:
    """Drop a user's cached row, now and again when the transaction commits (a
    request reading the row in between would otherwise store the old one)."""
    cache.delete(_key(user_id))
    transaction.on_commit(lambda: cache.delete(_key(user_id)), robust=True)


def _changed(sender, instance, **kwargs):
    forget(instance.pk)


def connect():
    model = get_user_model()
    post_save.connect(_changed, sender=model, dispatch_uid="user_row_cache_save")
    post_delete.connect(_changed, sender=model, dispatch_uid="user_row_cache_delete")
