"""Reusable reads of the dispatch app."""

from django.db.models import Q

from .choices import StintConfirmation


def counted_stints(prefix: str = "", *, include_unconfirmed: bool = False) -> Q:
    """The stints whose days on post count: those the host school confirmed (a
    stint the teacher or the sending school recorded waits for it), or every stint
    when ``include_unconfirmed``. ``prefix`` leads from the model queried to the
    stint ("stints__", "secondment__stints__"...; "" for stints themselves). The
    one definition used by the statistics, the compliance rules, the report
    prefill, the dashboard and the forecast."""
    if include_unconfirmed:
        return Q()
    return Q(**{f"{prefix}confirmation": StintConfirmation.CONFIRMED})
