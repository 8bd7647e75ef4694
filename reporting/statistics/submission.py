"""Table 5, 学期报告报送情况表: for each semester (reporting period) inside the span,
the completeness board region by region (expected, submitted, on time, late,
approved, returned, missing, completion rate) with its total, then the schools
still missing, by name.

The figures are those of the completeness board (``reporting.board``), so the table
and the board always agree. Each semester costs the board's grouped queries plus one
for its missing schools: the query count grows with the number of semesters (two a
school year), never with the number of regions or schools."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from reporting import board
from reporting.choices import ReportStatus
from reporting.models import ReportingPeriod

from . import base, grouping
from .base import Column, HeaderCell, Row, Table

CODE = "report_submission"
LABEL = "label"
FIGURES = [*board.FIGURES, "missing"]
# In the list of missing schools, the school and its status sit in the first
# figure columns (the table has one set of columns).
SCHOOL, STATUS = FIGURES[0], FIGURES[1]


def build(*, user, spec) -> Table:
    """Table 5 for the user's scope: every semester the spec names or that lies
    wholly inside its span, one block each."""
    span = base.period_of(spec)
    tops = grouping.top_regions(user=user, spec=spec)
    region = tops[0] if spec.region else None
    semesters = _semesters(spec, span)
    rows: list[Row] = []
    for period in semesters:
        if len(semesters) > 1:
            rows.append(Row({LABEL: str(period)}, kind="subtotal"))
        rows += _block(user, period, region)
    return Table(
        code=CODE,
        title=_("Semester report submission"),
        period_label=span.label,
        unit=_("Unit: schools, %"),
        header=header(),
        columns=columns(),
        rows=rows,
        notes=notes(semesters),
        unit_name="、".join(r.name for r in tops),
    )


def _semesters(spec, span) -> list[ReportingPeriod]:
    if spec.span == "semester":
        return [ReportingPeriod.objects.get(pk=spec.semester)]
    return list(
        ReportingPeriod.objects.filter(
            start__gte=span.start, end__lte=span.end
        ).order_by("start")
    )


def _block(user, period, region) -> list[Row]:
    """The board of one semester, its total, then its missing schools."""
    completeness = board.completeness(user=user, period=period, region=region)
    rows = [_figures(r, level=1) for r in completeness.rows]
    rows.append(_figures(completeness.total, kind="total"))
    missing = list(board.missing_schools(user=user, period=period, region=region))
    if missing:
        rows.append(
            Row(
                {
                    LABEL: _("Schools not yet submitted (%(n)s)") % {"n": len(missing)},
                },
                kind="subtotal",
            )
        )
        rows.append(
            Row(
                {
                    LABEL: pgettext("statistics table", "Region"),
                    SCHOOL: pgettext("statistics table", "School"),
                    STATUS: pgettext("statistics table", "Report status"),
                },
                kind="subtotal",
            )
        )
        rows += [
            Row(
                {
                    LABEL: school.region.name,
                    SCHOOL: school.name,
                    STATUS: status_label(school.report_status),
                },
                level=1,
            )
            for school in missing
        ]
    return rows


def _figures(row: board.BoardRow, *, kind: str = "data", level: int = 0) -> Row:
    values = {LABEL: row.label, "rate": row.rate}
    values.update({name: getattr(row, name) for name in FIGURES})
    return Row(values, kind=kind, level=level if kind == "data" else 0)


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
        *[Column(name) for name in FIGURES],
        Column("rate", "rate"),
    ]


def notes(semesters) -> list[str]:
    result = [
        _(
            "Submitted: reports submitted or approved; on time and late split them. "
            "A returned report counts as not submitted until it is submitted again."
        ),
        _(
            "Schools count in the region where they lie; a partner school in another "
            "region reports to its own bureau."
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
