"""Reads of regions, schools and pairings, each owning its joins."""

import datetime as dt

from django.db.models import Prefetch, Q

from core.scope import visible

from .choices import PairingStatus
from .models import (
    Agreement,
    Pairing,
    PairingParty,
    Programme,
    School,
    SchoolRegionChange,
)

# A pairing is in force from its start to its end date (for a terminated one, the
# day it was terminated) unless it never left preparation.
IN_FORCE_STATUSES = (
    PairingStatus.ACTIVE,
    PairingStatus.ENDED,
    PairingStatus.TERMINATED,
)


def pairings_in_force(*, start: dt.date, end: dt.date):
    """Pairings in force at some day of [start, end], as they were then: one that
    was terminated or ended later still counts, one that starts later does not
    (domain.md §5a)."""
    return Pairing.objects.filter(in_force(start=start, end=end))


def in_force(*, start: dt.date | None = None, end: dt.date | None = None) -> Q:
    """Pairings in force at some day of [start, end] (either end open): the
    condition of ``pairings_in_force``, for the pairing list's filters."""
    q = Q(status__in=IN_FORCE_STATUSES)
    if start is not None:
        q &= Q(end_date__gte=start)
    if end is not None:
        q &= Q(start_date__lte=end)
    return q


def regions_then(as_of: dt.date) -> dict[int, str]:
    """school id → region path on ``as_of``, for the schools moved since then (the
    former region of their first move after that day)."""
    result: dict[int, str] = {}
    for school_id, path in (
        SchoolRegionChange.objects.filter(changed_on__gt=as_of)
        .order_by("school_id", "changed_on", "pk")
        .values_list("school_id", "former_region__path")
    ):
        result.setdefault(school_id, path)
    return result


def parties_prefetch():
    return Prefetch(
        "parties",
        queryset=PairingParty.objects.select_related("school").order_by(
            "-side", "-is_lead", "id"
        ),
    )


def party_names_prefetch():
    """The parties with only what a list row shows of them: side, order and the
    school's name (a list page builds 150 of them)."""
    return Prefetch(
        "parties",
        queryset=PairingParty.objects.select_related("school")
        .only("pairing_id", "side", "is_lead", "school__name")
        .order_by("-side", "-is_lead", "id"),
    )


def school_list(*, user):
    return visible(School.objects.select_related("region"), user)


def programme_list(*, user):
    return visible(Programme.objects.select_related("region"), user)


def pairing_list(*, user):
    return visible(
        Pairing.objects.select_related("programme").prefetch_related(
            parties_prefetch()
        ),
        user,
    )


def agreement_list(*, user):
    return visible(Agreement.objects.select_related("pairing"), user)


def school_year_of(field: str):
    """Database expression: the school year (by its first year) of a date field,
    1 September to 31 August."""
    from django.db.models import Case, IntegerField, When
    from django.db.models.functions import ExtractYear

    return Case(
        When(**{f"{field}__month__gte": 9}, then=ExtractYear(field)),
        default=ExtractYear(field) - 1,
        output_field=IntegerField(),
    )
