"""The semesters as reporting periods give them, for the pages below this app that
count per semester (``pairings.periods.semesters_between``)."""

import datetime as dt

from pairings import periods
from reporting.models import ReportingPeriod


def semesters_between(start: dt.date, end: dt.date) -> list[periods.Period]:
    """The reporting periods overlapping [start, end], oldest first."""
    rows = ReportingPeriod.objects.filter(start__lte=end, end__gte=start)
    return [periods.semester(period) for period in rows.order_by("start")]
