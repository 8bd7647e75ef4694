"""Key figures and chart series for the home page, within the user's scope.

Everything is aggregated in the database; the figures carry the URL of the filtered
list behind them, so a clerk can check any number."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import freshness
from core.choices import Direction
from core.scope import scope_of, visible
from dispatch.models import Activity, Secondment, Stint
from pairings import periods
from pairings.choices import PairingStatus
from pairings.models import Pairing, Region
from projects.choices import FundingKind, FundingSource
from projects.models import FundingLine
from reporting.choices import ReportStatus
from reporting.compliance import engine as compliance
from reporting.models import ReportingPeriod, SemesterReport


def _url(name, **params):
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


CACHE_SECONDS = 600


def figures(user, year: int) -> dict:
    """The dashboard of one school year, cached per scope, year and language until
    the next write of domain data (at most ten minutes): at province scale it
    aggregates some 250,000 activities and 90,000 stints."""
    # The current semester moves with the date: it is part of the key.
    parts = (
        freshness.current(),
        scope_digest(scope_of(user)),
        year,
        get_language(),
        timezone.localdate().isoformat(),
    )
    key = "dashboard:" + ":".join(map(str, parts))
    cached = cache.get(key)
    if cached is None:
        cached = _figures(user, year)
        cache.set(key, cached, CACHE_SECONDS)
    return cached


def scope_digest(scope) -> str:
    """The same text for the same scope in every process (``hash()`` of a string
    differs between processes). Users with the same regions and schools share it:
    nothing on the dashboard depends on who the user is beyond that."""
    return hashlib.sha1(repr(replace(scope, user_id=None)).encode()).hexdigest()


def _figures(user, year: int) -> dict:
    span = periods.school_year(year)
    start, end = span.start.isoformat(), span.end.isoformat()
    pairings = visible(Pairing.objects.all(), user)
    active = pairings.filter(
        status=PairingStatus.ACTIVE, start_date__lte=span.end, end_date__gte=span.start
    ).count()
    stints = visible(Stint.objects.all(), user).filter(**periods.overlaps(span))
    by_direction = {
        row["secondment__direction"]: row
        for row in stints.values("secondment__direction").annotate(
            people=Count("secondment__person_id", distinct=True),
            times=Count("secondment_id", distinct=True),
            **periods.days_on_post(span),
        )
    }

    def direction(code):
        row = by_direction.get(code, {})
        return {
            "people": row.get("people", 0),
            "times": row.get("times", 0),
            "url": _url(
                "dispatch:secondment_list",
                direction=code,
                on_post_from=start,
                on_post_to=end,
            ),
        }

    days = sum(periods.days_of(row) for row in by_direction.values())
    activities = visible(Activity.objects.all(), user).filter(
        date__range=(span.start, span.end)
    )
    funds = visible(FundingLine.objects.all(), user).filter(
        # Undated lines count in the calendar year the school year starts in.
        Q(date__range=(span.start, span.end)) | Q(date__isnull=True, year=year),
        kind=FundingKind.RECEIVED,
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
            "value": active,
            "url": _url("pairings:pairing_list", status="active", active_on=start),
        },
        "out": direction(Direction.TO_RECEIVING),
        "back": direction(Direction.TO_SUPPORTING),
        "days_on_post": days,
        "activities": {
            "value": activities.count(),
            "url": _url("dispatch:activity_list", date_from=start, date_to=end),
        },
        "funds_received": {
            "value": received,
            "url": _url("projects:fundingline_list", kind="received"),
        },
        "compliance": _compliance(user, semester),
        "reports_outstanding": _outstanding(user, semester),
        "charts": {
            "by_region": _by_region(user, span, stints, activities),
            "by_month": _by_month(activities, stints),
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
    if semester is None:
        return None
    reports = visible(SemesterReport.objects.filter(period=semester), user)
    return {
        "value": reports.filter(
            status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED]
        ).count(),
        "semester": str(semester),
    }


def _by_region(user, span, stints, activities):
    """Secondments (人次) and activities per child region of the user's top region."""
    scope = scope_of(user)
    if scope.is_admin or not scope.region_paths:
        parents = Region.objects.filter(level=1)
    else:
        parents = Region.objects.filter(path__in=scope.region_paths)
    children = list(
        Region.objects.filter(parent__in=parents)
        .order_by("path")
        .values("path", "name")
    )
    if not children:
        return {"labels": [], "secondments": [], "activities": []}
    depth = children[0]["path"].count("/")

    def per_child(queryset, school_path):
        counts = defaultdict(int)
        rows = queryset.values(school_path).annotate(n=Count("id", distinct=True))
        for row in rows:
            path = row[school_path] or ""
            prefix = "/".join(path.split("/")[:depth]) + "/"
            counts[prefix] += row["n"]
        return counts

    secondments = per_child(
        visible(Secondment.objects.all(), user).filter(
            pk__in=stints.values("secondment_id")
        ),
        "host_school__region__path",
    )
    acts = per_child(activities, "pairing__parties__school__region__path")
    return {
        "labels": [c["name"] for c in children],
        "secondments": [secondments.get(c["path"], 0) for c in children],
        "activities": [acts.get(c["path"], 0) for c in children],
    }


def _by_month(activities, stints):
    """Activities and stints starting, per month of the school year."""
    months = [9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8]
    acts = dict(
        activities.annotate(m=ExtractMonth("date"))
        .values("m")
        .annotate(n=Count("id"))
        .values_list("m", "n")
    )
    starts = dict(
        stints.annotate(m=ExtractMonth("start"))
        .values("m")
        .annotate(n=Count("id"))
        .values_list("m", "n")
    )
    return {
        "labels": [_("Month %(m)s") % {"m": m} for m in months],
        "activities": [acts.get(m, 0) for m in months],
        "stints": [starts.get(m, 0) for m in months],
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
