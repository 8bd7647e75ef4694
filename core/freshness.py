"""A token that changes whenever domain data changes, so that cached figures (the
dashboard) are never older than the last committed write.

The audit trail sees every write (``core.audit.record``); it asks for a new token
once the transaction commits. The token is random rather than a counter: if the
cache drops it, a fresh one is made and every entry keyed by the old one misses,
instead of a reset counter matching entries from long ago.

Redis may be away (``core.resilience``): then the token cannot be read and every
cached figure is computed afresh; a renewal that could not be written is made once
Redis answers again, and never turns the committed write into an error."""

import uuid

from django.core.cache import cache
from django.db import transaction

from . import resilience

KEY = "duikou:data-version"


def current() -> str:
    return cache.get_or_set(KEY, lambda: uuid.uuid4().hex, timeout=None)


def changed(model) -> None:
    """Rows of ``model`` changed in the current transaction. Bookkeeping that
    changes no figure (a model with ``changes_no_figure = True``: export jobs, API
    tokens) keeps the token."""
    if not getattr(model, "changes_no_figure", False):
        # Robust: the write is committed; a failing side effect is logged, and the
        # user is told it saved (a retry would make a second row).
        transaction.on_commit(_renew, robust=True)


def _renew() -> None:
    cache.set(KEY, uuid.uuid4().hex, timeout=None)


resilience.on_recovery(_renew)
