"""Reads of regions, schools and pairings, each owning its joins."""

import datetime as dt

from django.db.models import Prefetch

from core.scope import region_q, visible

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
    return Pairing.objects.filter(
        status__in=IN_FORCE_STATUSES, start_date__lte=end, end_date__gte=start
    )


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


def pairing_actuals(pairing, years: list[int]) -> dict[tuple[int, str], object]:
    """Actual figures of a pairing per school year (by its first year, as the
    agreements' yearly targets are) and target metric, to set beside the targets.
    A handful of grouped queries."""
    from django.db.models import Count, IntegerField, Q, Sum
    from django.db.models.functions import Coalesce

    from dispatch.choices import ActivityKind, SecondmentKind
    from dispatch.models import Activity, BackboneCultivation, Stint
    from projects.choices import FundingKind
    from projects.models import FundingLine

    from . import periods
    from .choices import TargetMetric as M

    if not years:
        return {}
    actual: dict[tuple[int, str], object] = {}
    kinds = {
        SecondmentKind.TEACHING: M.TEACHING_SECONDMENTS,
        SecondmentKind.ATTACHMENT: M.MANAGER_SECONDMENTS,
        SecondmentKind.SHADOWING: M.SHADOWING,
    }
    for year in years:
        span = periods.school_year(year)
        rows = (
            Stint.objects.filter(
                secondment__pairing=pairing,
                secondment__kind__in=list(kinds),
                **periods.overlaps(span),
            )
            .values("secondment__kind")
            .annotate(n=Count("secondment_id", distinct=True))
        )
        for row in rows:
            actual[(year, kinds[row["secondment__kind"]])] = row["n"]
    first, last = periods.school_year(min(years)), periods.school_year(max(years))
    lessons = [ActivityKind.DEMONSTRATION_LESSON, ActivityKind.OPEN_LESSON]
    for row in (
        Activity.objects.filter(pairing=pairing, date__range=(first.start, last.end))
        .annotate(year=school_year_of("date"))
        .values("year")
        .annotate(
            lessons=Sum("lessons", filter=Q(kind__in=lessons)),
            lectures=Count("id", filter=Q(kind=ActivityKind.LECTURE)),
            research=Count("id", filter=Q(kind=ActivityKind.RESEARCH)),
            trainees=Sum("teacher_participants", filter=Q(kind=ActivityKind.TRAINING)),
        )
    ):
        year = row["year"]
        actual[(year, M.DEMONSTRATION_LESSONS)] = row["lessons"] or 0
        actual[(year, M.LECTURES)] = row["lectures"]
        actual[(year, M.RESEARCH_ACTIVITIES)] = row["research"]
        actual[(year, M.TRAINEES)] = row["trainees"] or 0
    for row in (
        BackboneCultivation.objects.filter(
            pairing=pairing, recognised_on__range=(first.start, last.end)
        )
        .annotate(year=school_year_of("recognised_on"))
        .values("year")
        .annotate(n=Count("id"))
    ):
        actual[(row["year"], M.BACKBONE_TEACHERS)] = row["n"]
    # Undated lines count on 31 December of their year: in the school year that
    # starts that year.
    for row in (
        FundingLine.objects.filter(
            Q(pairing=pairing) | Q(project__pairing=pairing), kind=FundingKind.RECEIVED
        )
        .annotate(
            school_year=Coalesce(
                school_year_of("date"), "year", output_field=IntegerField()
            )
        )
        .filter(school_year__in=years)
        .values("school_year")
        .annotate(total=Sum("amount"))
    ):
        actual[(row["school_year"], M.FUNDS)] = row["total"]
    return {key: value for key, value in actual.items() if key[0] in years}


def latest_period():
    """The latest reporting period that has started (the default semester)."""
    from django.utils import timezone

    from reporting.models import ReportingPeriod

    return (
        ReportingPeriod.objects.filter(start__lte=timezone.localdate())
        .order_by("-start")
        .first()
    )


def compliance_pairings(*, user, semester, region=None):
    """The user's pairings active in the semester (optionally in a region), in name
    order: what the compliance list judges."""
    pairings = pairing_list(user=user).filter(
        start_date__lte=semester.end, end_date__gte=semester.start
    )
    if region is not None:
        pairings = pairings.filter(
            region_q(pairings.model, ("parties__school",), (region.path,))
        )
    return pairings.order_by("name", "pk")


def compliance_matching(rows, *, rule: str, result: str):
    """The judged pairings whose result (for one rule, or any rule) is ``result``;
    "pass" without a rule means every rule passes."""
    if rule:
        return [r for r in rows if r.result(rule).status == result]
    if result == "pass":
        return [r for r in rows if r.passed]
    return [r for r in rows if any(x.status == result for x in r.results)]
