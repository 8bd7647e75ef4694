"""Key figures and chart series for the home page, within the user's scope.

Everything is aggregated in the database; the figures carry the URL of the filtered
list behind them, so a clerk can check any number."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractMonth, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import freshness, refreshed
from core.choices import Direction
from core.scope import highest, only_own_records, scope_digest, scope_of, visible
from dispatch.models import Activity, Secondment, Stint
from dispatch.selectors import counted_stints
from pairings import periods
from pairings.models import Pairing, Region
from pairings.selectors import pairings_in_force, school_year_of
from projects.choices import FundingKind, FundingSource
from projects.models import FundingLine
from projects.selectors import funding_between
from reporting.board import selectors as board
from reporting.compliance import engine as compliance
from reporting.compliance.forecast import warnings_for
from reporting.models import ReportingPeriod, SemesterReport
from reporting.reports.services import expected_schools


def _url(name, **params):
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


CACHE_SECONDS = 600


def figures(user, year: int) -> dict:
    """The dashboard of one school year, kept per scope, year, day and language
    (``core.refreshed``: at province scale it aggregates some 250,000 activities
    and 90,000 stints, so after a write a province's figures are shown as they
    were, with ``updating_since``, while the worker computes them afresh)."""
    served = refreshed.served("dashboard", user, year)
    stale = served.computed_at if served.stale else None
    return {
        **served.value,
        "updating_since": stale,
        # Figures from an earlier day show that day too.
        "updating_earlier_day": bool(stale)
        and timezone.localtime(stale).date() != timezone.localdate(),
    }


@refreshed.refreshable("dashboard")
def _dashboard(user, year: int) -> dict:
    return _figures(user, year)


def opening(user) -> tuple[list[int], int]:
    """The school years up to the current one with data in the user's scope,
    newest first, and the year the dashboard opens on: the newest of them, else
    the current one."""
    current = periods.school_year_of(timezone.localdate())
    with_data = [y for y in years_with_data(user) if y <= current]
    return with_data, with_data[0] if with_data else current


def warm(user) -> None:
    """What the dashboard opens on (its years, the opening year's figures, the
    warnings card with the warnings behind the inbox), read so that the worker
    computes what is missing or out of date (``core.refreshed.warm_all``)."""
    if only_own_records(user):  # a seconded teacher has no dashboard
        return
    _with_data, year = opening(user)
    figures(user, year)
    warnings(user)


def years_with_data(user) -> list[int]:
    """The school years (by their first year), newest first, in which the user's
    scope has an activity, a stint on post or a funding line: the dashboard opens
    on the newest of them rather than on an empty current year."""
    return refreshed.served("dashboard-years", user).value


@refreshed.refreshable("dashboard-years")
def _years(user) -> list[int]:
    return _years_with_data(user)


# Pairings whose early warnings the dashboard lists; the rest are counted.
WARNED_PAIRINGS_SHOWN = 5


def warnings(user) -> dict:
    """The early warnings of the current semester (``forecast.warnings_for``): how
    many, on how many pairings, and the first pairings' warnings, each pairing
    linking to its page. Empty when there is none (not yet within the warning
    window, or every rule on course). Kept like the figures."""
    return refreshed.served("dashboard-warnings", user).value


@refreshed.refreshable("dashboard-warnings")
def _warnings_card(user) -> dict:
    return _warnings(user)


def _warnings(user) -> dict:
    found = warnings_for(user)
    if not found:
        return {}
    pairings: dict[int, dict] = {}
    for w in found:
        pairing = pairings.setdefault(
            w.pairing.id, {"name": w.pairing.name, "url": w.url, "messages": []}
        )
        pairing["messages"].append(w.message)
    return {
        "count": len(found),
        "pairings": len(pairings),
        "semester_end": found[0].semester_end,
        "days_left": found[0].days_left,
        "shown": list(pairings.values())[:WARNED_PAIRINGS_SHOWN],
    }


def _years_with_data(user) -> list[int]:
    today = timezone.localdate()
    activities = (
        visible(Activity.objects.all(), user)
        .annotate(y=school_year_of("date"))
        .values_list("y")
    )
    # A stint has data in the years of its first and of its last day so far.
    stints = visible(Stint.objects.filter(start__lte=today), user)
    first_days = stints.annotate(y=school_year_of("start")).values_list("y")
    last_days = stints.annotate(
        last=Least("end", Value(today)), y=school_year_of("last")
    ).values_list("y")
    # An undated line counts on 31 December of its year, in the school year
    # starting that year.
    funds = (
        visible(FundingLine.objects.all(), user)
        .annotate(
            y=Coalesce(school_year_of("date"), "year", output_field=IntegerField())
        )
        .values_list("y")
    )
    years = {
        y
        for (y,) in activities.order_by().union(
            first_days.order_by(), last_days.order_by(), funds.order_by()
        )
    }
    return sorted(years, reverse=True)


def _figures(user, year: int) -> dict:
    """The figures of the cards and charts; each card carries the URL of the list
    filtered as it counts, so the list shows the same number."""
    span = periods.school_year(year)
    start, end = span.start.isoformat(), span.end.isoformat()
    pairings = visible(pairings_in_force(start=span.start, end=span.end), user)
    # Time on post counts the stints the host school confirmed.
    stints = visible(Stint.objects.filter(counted_stints()), user).filter(
        **periods.overlaps(span)
    )
    by_direction = {
        row["secondment__direction"]: row
        for row in stints.values("secondment__direction").annotate(
            people=Count("secondment__person_id", distinct=True),
            times=Count("secondment_id", distinct=True),
            **periods.days_on_post(span),
        )
    }
    on_post = {"on_post_from": start, "on_post_to": end}

    def direction(code):
        row = by_direction.get(code, {})
        return {
            "people": row.get("people", 0),
            "times": row.get("times", 0),
            "url": _url("dispatch:secondment_list", direction=code, **on_post),
        }

    activities = visible(Activity.objects.all(), user).filter(
        date__range=(span.start, span.end)
    )
    funds = visible(FundingLine.objects.all(), user).filter(
        funding_between(span.start, span.end), kind=FundingKind.RECEIVED
    )
    received = funds.aggregate(total=Sum("amount"))["total"] or 0
    semester = (
        ReportingPeriod.objects.filter(start__lte=min(span.end, timezone.localdate()))
        .filter(end__gte=span.start)
        .order_by("-start")
        .first()
    )
    return {
        "year": year,
        "span": span,
        "active_pairings": {
            "value": pairings.count(),
            "url": _url("pairings:pairing_list", in_force_from=start, in_force_to=end),
        },
        "out": direction(Direction.TO_RECEIVING),
        "back": direction(Direction.TO_SUPPORTING),
        # Both directions, as the secondment list without a direction shows them.
        "days_on_post": {
            "value": sum(periods.days_of(row) for row in by_direction.values()),
            "url": _url("dispatch:secondment_list", **on_post),
        },
        "activities": {
            "value": activities.count(),
            "url": _url("dispatch:activity_list", date_from=start, date_to=end),
        },
        "funds_received": {
            "value": received,
            "url": _url(
                "projects:fundingline_list",
                kind=FundingKind.RECEIVED,
                date_from=start,
                date_to=end,
            ),
        },
        "compliance": _compliance(user, semester),
        "reports_outstanding": _outstanding(user, semester),
        "charts": {
            "by_region": _by_region(user, stints, activities),
            "by_month": _by_month(span, activities, stints),
            "by_source": _by_source(funds),
        },
    }


def _compliance(user, semester):
    """Share of pairings meeting every rule in the latest semester (cached briefly:
    it is the one figure that reads every rule's tables)."""
    if semester is None:
        return None
    parts = (freshness.current(), semester.pk, scope_digest(scope_of(user)))
    key = "dashboard-compliance:" + ":".join(map(str, parts))
    cached = cache.get(key)
    if cached is None:
        pairings = visible(Pairing.objects.all(), user).filter(
            start_date__lte=semester.end, end_date__gte=semester.start
        )
        results = compliance.evaluate(pairings, periods.semester(semester))
        cached = {
            "passed": sum(1 for r in results if r.passed),
            "total": len(results),
        }
        cache.set(key, cached, 600)
    rate = (
        round(100 * cached["passed"] / cached["total"], 1) if cached["total"] else None
    )
    return {
        **cached,
        "rate": rate,
        "semester": str(semester),
        "url": _url("reporting:compliance", semester=semester.pk),
    }


def _outstanding(user, semester):
    """Schools expected to report for the semester that have not submitted (no
    report, a draft or a returned one): for regions' staff those of the board's
    missing list, for school staff their own schools."""
    if semester is None:
        return None
    scope = scope_of(user)
    if scope.is_admin or scope.region_paths:
        value = board.missing_schools(user=user, period=semester).count()
        url = _url("reporting:board_missing", period=semester.pk)
    else:
        submitted = SemesterReport.objects.filter(
            period=semester, status__in=board.SUBMITTED
        )
        value = (
            expected_schools(semester)
            .filter(pk__in=scope.school_ids)
            .exclude(pk__in=submitted.values("school_id"))
            .count()
        )
        url = _url("reporting:my_reports")
    return {"value": value, "semester": str(semester), "url": url}


def _by_region(user, stints, activities):
    """Secondments (人次, by host school) and activities (by the schools of their
    pairing) per region one level below the user's top regions, and for each top
    region a bar of its own schools (a county's schools attached to no township)
    when it has any. An activity counts once in each bar holding one of its
    pairing's schools."""
    scope = scope_of(user)
    if scope.is_admin or not scope.region_paths:
        parents = Region.objects.filter(level=1)
    else:
        parents = Region.objects.filter(path__in=highest(scope.region_paths))
    parents = list(parents.order_by("path").values("pk", "path", "name"))
    children = list(
        Region.objects.filter(parent__in=[p["pk"] for p in parents])
        .order_by("path")
        .values("path", "name", "parent_id")
    )
    with_children = {c["parent_id"] for c in children}
    bars = [(c["path"], c["name"]) for c in children] + [
        (
            p["path"],
            _("%(region)s (directly)") % {"region": p["name"]}
            if p["pk"] in with_children
            else p["name"],
        )
        for p in parents
    ]

    def per_bar(queryset, school_path):
        # The first bar whose region holds the school: a child region before
        # its parent's own bar.
        bar = Case(
            *[
                When(**{f"{school_path}__startswith": path}, then=Value(i))
                for i, (path, _name) in enumerate(bars)
            ],
            output_field=IntegerField(),
        )
        rows = (
            queryset.annotate(bar=bar)
            .order_by()
            .values("bar")
            .annotate(n=Count("id", distinct=True))
        )
        return {row["bar"]: row["n"] for row in rows}

    if not bars:
        return {"labels": [], "secondments": [], "activities": []}
    secondments = per_bar(
        visible(Secondment.objects.all(), user).filter(
            pk__in=stints.values("secondment_id")
        ),
        "host_school__region__path",
    )
    acts = per_bar(activities, "pairing__parties__school__region__path")
    shown = [
        i
        for i in range(len(bars))
        if i < len(children) or secondments.get(i) or acts.get(i)
    ]
    return {
        "labels": [bars[i][1] for i in shown],
        "secondments": [secondments.get(i, 0) for i in shown],
        "activities": [acts.get(i, 0) for i in shown],
    }


# A school year's months in order, September first.
MONTHS = [9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8]


def _by_month(span, activities, stints):
    """Activities dated and stints starting in each month of the school year, each
    at its month's place (a stint that began before the year is on post in it but
    did not start in it)."""
    acts = dict(
        activities.annotate(m=ExtractMonth("date"))
        .values("m")
        .annotate(n=Count("id"))
        .values_list("m", "n")
    )
    starts = dict(
        stints.filter(start__gte=span.start)
        .annotate(m=ExtractMonth("start"))
        .values("m")
        .annotate(n=Count("id"))
        .values_list("m", "n")
    )
    return {
        "labels": [_("Month %(m)s") % {"m": m} for m in MONTHS],
        "activities": [acts.get(m, 0) for m in MONTHS],
        "stints": [starts.get(m, 0) for m in MONTHS],
    }


def _by_source(funds):
    names = dict(FundingSource.choices)
    rows = funds.values("source").annotate(total=Sum("amount")).order_by("-total")
    return [
        {
            "name": str(names.get(r["source"], r["source"])),
            "value": float(r["total"] / 10000),
        }
        for r in rows
    ]
