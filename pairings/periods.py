"""Time axes: calendar year, school year (1 Sep – 31 Aug), semester (from the reporting
period), programme cycle, or any date range. A stint spanning a boundary counts in each
period it overlaps, for the days inside it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Sum,
    Value,
)
from django.db.models.functions import Greatest, Least
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("period ends before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def school_year_of(day: dt.date) -> int:
    """The school year a day belongs to, by its starting calendar year."""
    return day.year if day.month >= 9 else day.year - 1


def school_year(year: int) -> Period:
    return Period(
        dt.date(year, 9, 1),
        dt.date(year + 1, 8, 31),
        _("school year %(start)s-%(end)s") % {"start": year, "end": year + 1},
    )


def calendar_year(year: int) -> Period:
    return Period(
        dt.date(year, 1, 1), dt.date(year, 12, 31), _("year %(year)s") % {"year": year}
    )


def semester(reporting_period) -> Period:
    return Period(reporting_period.start, reporting_period.end, str(reporting_period))


def date_range(start: dt.date, end: dt.date) -> Period:
    return Period(start, end, f"{start.isoformat()} – {end.isoformat()}")


def clipped_days(start: dt.date, end: dt.date, period: Period) -> int:
    """Days of [start, end] that fall inside the period (inclusive dates)."""
    first, last = max(start, period.start), min(end, period.end)
    return max((last - first).days + 1, 0)


def clipped_duration(period: Period, start="start", end="end"):
    """Database expression: the part of a stint inside the period, as a duration one
    day short (add the count of stints to get inclusive days)."""
    return ExpressionWrapper(
        Least(F(end), Value(period.end, output_field=DateField()))
        - Greatest(F(start), Value(period.start, output_field=DateField())),
        output_field=DurationField(),
    )


def days_on_post(period: Period, start="start", end="end", *, filter=None) -> dict:
    """Aggregates of the days on post inside the period of the stints grouped or
    aggregated (both ends included; a stint across the period's edge counts its
    days inside): give them to ``annotate``/``aggregate``, read with ``days_of``.
    ``filter``: only the stints matching it (a conditional aggregate).
    The one definition of days on post in the database; ``Stint.days`` is the same
    for one stint in Python."""
    return {
        "clipped": Sum(clipped_duration(period, start, end), filter=filter),
        "stints": Count("pk", filter=filter),
    }


def days_on_post_of(stints) -> int:
    """Days on post of stints in hand (``Stint.days`` each, both ends included)."""
    return sum(stint.days for stint in stints)


def days_of(row: dict) -> int:
    """The days on post of a row aggregated with ``days_on_post``."""
    if not row.get("stints"):
        return 0
    return whole_days(row.get("clipped")) + row["stints"]


def whole_days(value) -> int:
    """A duration from the database as whole days (0 for none)."""
    if value is None:
        return 0
    if isinstance(value, dt.timedelta):
        return value.days
    return int(value)  # some backends return whole days


def overlaps(period: Period, start="start", end="end") -> dict:
    return {f"{start}__lte": period.end, f"{end}__gte": period.start}


# The semesters' real dates are reporting periods, kept by an app above this one;
# it hands them down here (``register_semesters`` in its ``ready()``) so that pages
# below it count days per semester on the same dates as the compliance rules.
_semester_source = None


def register_semesters(source) -> None:
    """``source(start, end)``: the semesters (``Period``) overlapping the dates."""
    global _semester_source
    _semester_source = source


def semesters_between(start: dt.date, end: dt.date) -> list[Period]:
    """The semesters that overlap [start, end], in order (none if no app defines
    semesters)."""
    return list(_semester_source(start, end)) if _semester_source else []
