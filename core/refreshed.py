"""Figures that cost tens of milliseconds to seconds to compute for a large scope
(a county's or a province's dashboard and early warnings), kept per scope and
refreshed by the worker.

Each entry is kept with the data version it was computed at (``core.freshness``),
the day, when, and how long it took. A read at the current version on the same
day is served as it is. After a write of domain data, or on a later day (figures
move with the date: the current semester, the days left), the entry is out of
date, and then:

- a cheap entry (computed in less than ``DUIKOU_REFRESH_IN_WORKER_AFTER_MS``
  milliseconds: a school's) is computed again in the request, so small scopes
  always show their last write;
- a costly one (a county's, a province's) is served as it was, marked with the
  time it was computed, while the worker computes it afresh (asked once per data
  version); the next view shows the new figures;
- an entry older than ``DUIKOU_STALE_MAX_SECONDS``, a broker that does not take the
  task, or no entry at all: computed in the request, as before.

Beat also has the worker compute, every ``DUIKOU_WARM_FIGURES_SECONDS``, the
figures recent users open on wherever they are missing or out of date
(``warm_all``), so that few first views are computed in the request.

A computation is a module-level function ``(user, *args)`` registered by name
(``refreshable``), so the worker can run it from the name, the user's id and the
arguments; the arguments and the language are part of the key."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from contextvars import ContextVar
from importlib import import_module
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from . import freshness, resilience
from .scope import scope_digest, scope_of

_COMPUTATIONS: dict[str, Callable] = {}
TASK = "core.refresh_figures"
# An entry is kept this long (it is replaced at every refresh); a refresh asked of
# the worker is not asked again for the same data version for this long.
KEEP_SECONDS = 24 * 3600
ASKED_SECONDS = 300


# Inside the worker's refresh: a computation that reads another (the dashboard's
# warnings card reads the warnings) must get it at the current version, never
# the copy served while it is refreshed.
_FRESH_ONLY: ContextVar[bool] = ContextVar("fresh_only", default=False)


class Served(NamedTuple):
    value: Any
    computed_at: dt.datetime
    stale: bool  # out of date (a write, a day); the worker is computing it again


def refreshable(name: str):
    """Register ``function(user, *args)`` as the computation ``name``."""

    def register(function: Callable) -> Callable:
        _COMPUTATIONS[name] = function
        return function

    return register


def served(name: str, user, *args) -> Served:
    """The computation ``name`` for the user's scope and ``args``, as described
    above. ``args`` must be plain values (the worker gets them as JSON)."""
    language = translation.get_language()
    key = _key(name, user, language, args)
    version = freshness.current()
    entry = cache.get(key)
    if entry is not None:
        at_version, day, computed_at, seconds, value = entry
        if at_version == version and day == timezone.localdate():
            return Served(value, computed_at, False)
        age = (timezone.now() - computed_at).total_seconds()
        if (
            not _FRESH_ONLY.get()
            and seconds >= settings.DUIKOU_REFRESH_IN_WORKER_AFTER
            and age <= settings.DUIKOU_STALE_MAX_SECONDS
            and _ask_worker(key, version, name, user, language, args)
        ):
            return Served(value, computed_at, True)
    return compute(name, user, args, key=key, version=version)


def compute(name: str, user, args, *, key: str, version: str) -> Served:
    """Run the computation and keep it under ``key`` at ``version`` (the version
    read before it started: a write meanwhile leaves it stale, not wrongly
    fresh)."""
    began = time.monotonic()
    value = _COMPUTATIONS[name](user, *args)
    took, computed_at = time.monotonic() - began, timezone.now()
    day = timezone.localdate()
    cache.set(key, (version, day, computed_at, took, value), KEEP_SECONDS)
    return Served(value, computed_at, False)


def _ask_worker(key, version, name, user, language, args) -> bool:
    """Whether the worker computes the entry afresh: asked now, or already asked
    for this data version. False when the broker does not take it."""
    if not cache.add(f"{key}:asked:{version}", 1, ASKED_SECONDS):
        return True
    module = _COMPUTATIONS[name].__module__
    if resilience.wake(TASK, module, name, user.pk, language, list(args)):
        return True
    cache.delete(f"{key}:asked:{version}")
    return False


def refresh(module: str, name: str, user_id: int, language: str, args: list) -> None:
    """What the worker runs (``core.tasks.refresh_figures``); ``module`` registers
    the computation (the worker has not imported the dashboard's modules)."""
    from django.contrib.auth import get_user_model

    import_module(module)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or name not in _COMPUTATIONS:
        return
    token = _FRESH_ONLY.set(True)
    try:
        with translation.override(language):
            key = _key(name, user, language, args)
            compute(name, user, tuple(args), key=key, version=freshness.current())
    finally:
        _FRESH_ONLY.reset(token)


def warm_all(since_days: int) -> int:
    """Compute, in the worker, the kept figures users open on where they are
    missing or out of date (``settings.DUIKOU_WARMED``: functions of a user that
    read them), for one user of each scope signed in within ``since_days``, in the
    default language; the number of scopes. Run by beat
    (``core.warm_figures``), so that the first view after the cache was emptied,
    after a write or on a new day is served at once rather than computed in the
    request (a province's dashboard: seconds)."""
    from django.contrib.auth import get_user_model

    warmers = [import_string(path) for path in settings.DUIKOU_WARMED]
    since = timezone.now() - dt.timedelta(days=since_days)
    users = get_user_model().objects.filter(is_active=True, last_login__gte=since)
    seen: set[str] = set()
    token = _FRESH_ONLY.set(True)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            for user in users.order_by("-last_login").iterator():
                scope = scope_of(user)
                digest = scope_digest(scope)
                if scope.is_empty or digest in seen:
                    continue
                seen.add(digest)
                for warm in warmers:
                    warm(user)
    finally:
        _FRESH_ONLY.reset(token)
    return len(seen)


def _key(name: str, user, language, args) -> str:
    parts = [name, scope_digest(scope_of(user)), str(language), *map(str, args)]
    return "refreshed:" + ":".join(parts)
