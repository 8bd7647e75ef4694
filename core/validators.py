"""Validators shared by the models of every app.

A validator on a model field runs wherever the record is validated: the page's
form, the admin, the API (its writes go through the page's form) and any import
that calls ``full_clean()``, so the rule is stated once, here."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# The founding of the People's Republic: no record of the system can be older.
EARLIEST_DATE = dt.date(1949, 10, 1)
YEARS_AHEAD = 10


def latest_date(today: dt.date | None = None) -> dt.date:
    """Ten years after today (28 February for a 29 February ten years on)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def plausible_date(value: dt.date) -> None:
    """Refuse a date before 1949-10-01 or more than ten years ahead of today: such a
    date is a typing or import error (0001-01-01, 9999-12-31), never a record."""
    if value is None:
        return
    if isinstance(value, dt.datetime):
        value = value.date()
    if value >= EARLIEST_DATE and value.year < dt.date.today().year + YEARS_AHEAD:
        # Well within the bounds whatever today is in the site's time zone (the
        # machine's day differs from it by one at most): the common case,
        # answered without asking for the time zone (an import checks thousands
        # of dates).
        return
    latest = latest_date()
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()},
            code="implausible_date",
        )
