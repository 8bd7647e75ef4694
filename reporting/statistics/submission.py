"""Table 5, 学期报告报送情况表: for each semester (reporting period) inside the span,
region by region down to the counties with subtotals and the total (expected,
submitted, on time, late, approved, returned, missing, completion rate), then the
schools still missing, by school, county and pairing.

The figures are those of the semester's lock date (锁定日): each report's status
then, read from its history, so a past semester keeps its figures whatever happens
to its reports later; expected schools are those of the pairings in force then.
One grouped query (by region) per semester, one for the missing schools and one
for their pairings: the query count never grows with regions or schools."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.scope import visible
from pairings.models import PairingParty, School
from pairings.selectors import pairings_in_force
from reporting.board import selectors as board
from reporting.choices import ReportStatus
from reporting.compliance.engine import among
from reporting.models import ReportEvent, ReportingPeriod, SemesterReport
from reporting.reports.services import expected_schools

from . import base, grouping
from .base import Column, HeaderCell, Row, Table

CODE = "report_submission"
LABEL = "label"
FIGURES = ["expected", "submitted", "on_time", "late", "approved", "returned"]
SUBMITTED = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)
# In the list of missing schools, the school, its pairings and its report status
# sit in the first figure columns (the table has one set of columns).
# The pairings' names are long: in the last column, so the figures stay narrow.
SCHOOL, STATUS, PAIRINGS = FIGURES[0], FIGURES[1], "rate"
BLANK = dict.fromkeys([*FIGURES, "missing", "rate"], "")


def build(*, user, spec) -> Table:
    """Table 5 for the user's scope: every semester the spec names or that lies
    wholly inside its span, one block each."""
    span = base.period_of(spec)
    semesters = _semesters(spec, span)
    rows: list[Row] = []
    unit_name = ""
    for period in semesters:
        if len(semesters) > 1:
            rows.append(Row({**BLANK, LABEL: str(period)}, kind="subtotal"))
        block, unit_name = _block(user, spec, period)
        rows += block
    if not semesters:
        unit_name = "、".join(
            r.name for r in grouping.top_regions(user=user, spec=spec)
        )
    return Table(
        code=CODE,
        title=_("Semester report submission"),
        period_label=span.label,
        unit=_("Unit: schools, %"),
        header=header(),
        columns=columns(),
        rows=rows,
        notes=notes(semesters),
        unit_name=unit_name,
    )


def _semesters(spec, span) -> list[ReportingPeriod]:
    if spec.span == "semester":
        return [ReportingPeriod.objects.get(pk=spec.semester)]
    return list(
        ReportingPeriod.objects.filter(
            start__gte=span.start, end__lte=span.end
        ).order_by("start")
    )


def as_of(period) -> dt.datetime:
    """The moment a semester's figures are read: the end of its lock date."""
    day = period.lock_date + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def schools_then(user, period, level_total):
    """The expected schools of the period in the user's scope and the table's area,
    with ``status_then`` (their report's status at the lock date, None without
    one) and ``late_then`` (first submitted after the deadline)."""
    cut = as_of(period)
    events = ReportEvent.objects.filter(
        report__school_id=OuterRef("pk"), report__period=period, created_at__lt=cut
    ).order_by("-created_at", "-pk")
    report = SemesterReport.objects.filter(school_id=OuterRef("pk"), period=period)
    return (
        visible(School.objects.filter(pk__in=expected_schools(period)), user)
        .filter(level_total.within(grouping.SELF))
        .annotate(
            status_then=Subquery(events.values("to_status")[:1]),
            late_then=Subquery(report.values("is_late")[:1]),
        )
    )


def _block(user, spec, period) -> tuple[list[Row], str]:
    """The semester's rows, region by region with subtotals and the total, then
    its missing schools."""
    rows_of = grouping.groups(
        user=user,
        spec=base.Spec(**{**spec.as_dict(), "group": "region"}),
        as_of=period.end,
    )
    schools = schools_then(user, period, rows_of.total)
    # Each school lies in one row of each level: count by region (as it was
    # then) once, and add the counts up per row of every level.
    by_region = [
        (row.pop("path_then"), row)
        for row in schools.annotate(
            path_then=rows_of.levels[grouping.DATA].path(grouping.SELF)
        )
        .order_by()
        .values("path_then")
        .annotate(**board.counts("status_then", "late_then"))
    ]
    figures = {
        name: grouping.fold_paths(by_region, level)
        for name, level in rows_of.levels.items()
    }
    rows = []
    for entry in rows_of.entries:
        counts = figures[entry.level_name].get(entry.key) or {}
        rows.append(_figures(entry, counts))
    rows += _missing(schools, rows_of, period)
    return rows, rows_of.unit_name


def _figures(entry, counts) -> Row:
    values = {LABEL: entry.label}
    values.update({name: counts.get(name, 0) for name in FIGURES})
    values["missing"] = values["expected"] - values["submitted"]
    values["rate"] = base.rate(values["submitted"], values["expected"])
    return Row(values, kind=entry.kind, level=entry.depth)


def _missing(schools, rows_of, period) -> list[Row]:
    """The schools that had not submitted by the lock date: the county (the row
    it counts in), the school, its report's status then and its pairings in
    force."""
    not_sent = schools.filter(
        ~Q(status_then__in=SUBMITTED) | Q(status_then__isnull=True)
    )
    data = rows_of.levels[grouping.DATA]
    missing = list(
        not_sent.annotate(
            path_then=data.path(grouping.SELF), bucket=data.key(grouping.SELF)
        )
        .order_by("path_then", "name")
        .values_list("pk", "name", "bucket", "status_then")
    )
    if not missing:
        return []
    counties = {e.key: e.label for e in rows_of.entries if e.kind == grouping.DATA}
    pairings = _pairing_names([pk for pk, *_rest in missing], period)
    return [
        Row(
            {
                **BLANK,
                LABEL: _("Schools not yet submitted (%(n)s)") % {"n": len(missing)},
            },
            kind="subtotal",
        ),
        Row(
            {
                **BLANK,
                LABEL: pgettext("statistics table", "County (district)"),
                SCHOOL: pgettext("statistics table", "School"),
                STATUS: pgettext("statistics table", "Report status"),
                PAIRINGS: pgettext("statistics table", "Pairings"),
            },
            kind="subtotal",
        ),
        *[
            Row(
                {
                    **BLANK,
                    LABEL: counties.get(data.bucket(bucket), ""),
                    SCHOOL: name,
                    STATUS: status_label(status),
                    PAIRINGS: pairings.get(pk, ""),
                },
                level=1,
            )
            for pk, name, bucket, status in missing
        ],
    ]


def _pairing_names(school_ids: list[int], period) -> dict[int, str]:
    """school id → the names of its pairings in force in the period (one query).
    The ids are those already read (one array parameter on PostgreSQL), so the
    schools' status at the lock date is not worked out a second time."""
    names: dict[int, list[str]] = defaultdict(list)
    for school_id, name in (
        PairingParty.objects.filter(
            among("school_id", school_ids),
            pairing__in=pairings_in_force(start=period.start, end=period.end),
        )
        .order_by("pairing__name", "pairing_id")
        .values_list("school_id", "pairing__name")
    ):
        names[school_id].append(name)
    return {school_id: "、".join(found) for school_id, found in names.items()}


def status_label(status) -> str:
    if status is None:
        return _("no report started")
    return str(ReportStatus(status).label)


# Layout ----------------------------------------------------------------------------

H = HeaderCell


def header() -> list[list[HeaderCell]]:
    return [
        [
            H(pgettext("statistics table", "Region")),
            H(pgettext("statistics table", "Expected")),
            H(pgettext("statistics table", "Submitted")),
            H(pgettext("statistics table", "On time")),
            H(pgettext("statistics table", "Late")),
            H(pgettext("statistics table", "Approved")),
            H(pgettext("statistics table", "Returned")),
            H(pgettext("statistics table", "Not submitted")),
            H(pgettext("statistics table", "Completion rate (%)")),
        ]
    ]


def columns() -> list[Column]:
    return [
        Column(LABEL, "text", 24),
        *[Column(name) for name in [*FIGURES, "missing"]],
        Column("rate", "rate"),
    ]


def notes(semesters) -> list[str]:
    result = [
        _(
            "Expected: every school party to a pairing in force during the "
            "semester, including pairings ended or terminated since. Figures are "
            "those of the semester's lock date, from each report's history."
        ),
        _(
            "Submitted: reports submitted or approved by the lock date; on time and "
            "late split them by the first submission (a resubmission after a "
            "return does not make a report late). A returned report counts as not "
            "submitted until it is submitted again."
        ),
        _(
            "Schools count in the region where they lay at the end of the semester; "
            "a partner school in another region reports to its own bureau. Every "
            "school counts once: the rows add up to the subtotals and the total."
        ),
    ]
    if not semesters:
        result.append(_("No semester lies wholly inside the period."))
    elif len(semesters) > 1:
        result.append(
            _("One block per semester lying wholly inside the period: %(list)s.")
            % {"list": "、".join(str(p) for p in semesters)}
        )
    return result
