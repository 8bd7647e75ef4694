"""Reads of aid projects, funding lines and donations."""

import datetime as dt

from django.db.models import Q


def funding_from(day: dt.date) -> Q:
    """Funding lines dated on or after ``day``; an undated line counts on
    31 December of its year (as in the statistics tables)."""
    return Q(date__gte=day) | Q(date__isnull=True, year__gte=day.year)


def funding_until(day: dt.date) -> Q:
    """Funding lines dated on or before ``day``; an undated line counts on
    31 December of its year."""
    last_full_year = day.year if (day.month, day.day) == (12, 31) else day.year - 1
    return Q(date__lte=day) | Q(date__isnull=True, year__lte=last_full_year)


def funding_between(start: dt.date, end: dt.date) -> Q:
    """Funding lines dated in [start, end], undated ones on 31 December of their
    year: what the dashboard's 到位资金 sums and the funding list's dates filter."""
    return funding_from(start) & funding_until(end)
