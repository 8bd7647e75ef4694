"""Savepoints a caller already holds.

A write that may break a database constraint runs in a savepoint of its own, so
that the caller can answer the violation and go on (a page shows the message
again with the form). A row of an Excel import is already processed inside a
savepoint that is rolled back whenever the row fails: a second savepoint around
each of its writes costs two round trips each and protects nothing. Such
a caller declares its savepoint (``covering``), and the writes ask ``own`` for
theirs."""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.db import transaction

_COVERED: ContextVar[bool] = ContextVar("savepoint_covered", default=False)


@contextlib.contextmanager
def covering() -> Iterator[None]:
    """Inside: the caller rolls its savepoint back on any failure and then clears
    the connection's rollback mark (``transaction.set_rollback(False)``)."""
    token = _COVERED.set(True)
    try:
        yield
    finally:
        _COVERED.reset(token)


def own():
    """A savepoint for one write, unless the caller's covers it."""
    if _COVERED.get():
        return contextlib.nullcontext()
    return transaction.atomic()
