"""Table 3, 援建项目台账: one row per aid project running in the span (or with funds
moving in it): investment, aid share and other funds, money received and spent in
the span with the execution rate, phase and dates, and a total row.

The rows are a generator over one streamed query: the money of each project is
summed in the database on the project query, so there is no query per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.choices import Side
from core.scope import visible
from pairings.models import PairingParty
from projects.choices import FundingKind, ProjectCategory, ProjectPhase
from projects.models import AidProject, FundingLine

from . import base
from .base import Column, HeaderCell, Row, Table
from .partner_assistance import undated_years
from .roster import CHUNK, NONE, dates_text, labels_of, unit_name

CODE = "project_ledger"
LINES = "funding_lines__"
MONEY = ["total", "aid", "other", "received", "spent"]
FIELDS = {
    "name": "name",
    "category": "category",
    "receiving_school": "receiving_school__name",
    "pairing": "pairing_id",
    "total": "total_investment",
    "aid": "aid_amount",
    "phase": "phase",
    "planned_start": "planned_start",
    "planned_end": "planned_end",
    "actual_start": "actual_start",
    "actual_end": "actual_end",
}


def build(*, user, spec) -> Table:
    """The ledger of the aid projects in the user's scope for the spec's span."""
    span = base.period_of(spec)
    return Table(
        code=CODE,
        title=_("Aid project ledger"),
        period_label=span.label,
        unit=_("Unit: 10,000 yuan, %"),
        header=[[HeaderCell(text) for text in header_texts()]],
        columns=columns(),
        rows=rows(user, span),
        notes=notes(),
        unit_name=unit_name(user, spec),
    )


def in_span(span, prefix: str = "") -> Q:
    """Funding lines dated in the span; undated ones on 31 December of their year."""
    return Q(**{f"{prefix}date__range": (span.start, span.end)}) | Q(
        **{f"{prefix}date__isnull": True, f"{prefix}year__in": undated_years(span)}
    )


def _dates_overlap(span, start: str, end: str) -> Q:
    """Dates overlapping the span; a project without an end date is still running."""
    return Q(**{f"{start}__lte": span.end}) & (
        Q(**{f"{end}__gte": span.start}) | Q(**{f"{end}__isnull": True})
    )


def projects(user, span):
    """The visible projects whose planned or actual dates overlap the span, or with
    funding lines (of any kind) in the span."""
    lines = FundingLine.objects.filter(in_span(span), project=OuterRef("pk"))
    return visible(
        AidProject.objects.filter(
            _dates_overlap(span, "planned_start", "planned_end")
            | _dates_overlap(span, "actual_start", "actual_end")
            | Q(Exists(lines))
        ),
        user,
    )


def money(span, prefix: str = LINES) -> dict:
    """Received and spent in the span, with counts of approximate lines."""
    lines = in_span(span, prefix)
    approx = ~Q(**{f"{prefix}amount_approximation": ""})
    aggregates = {}
    for key, kind in [("received", FundingKind.RECEIVED), ("spent", FundingKind.SPENT)]:
        q = lines & Q(**{f"{prefix}kind": kind})
        aggregates[key] = Sum(f"{prefix}amount", filter=q)
        aggregates[f"{key}_approx"] = Count(f"{prefix}pk", filter=q & approx)
    return aggregates


def rows(user, span) -> Iterator[Row]:
    # Labels are fixed now, in the language the table is built in.
    labels = {"category": labels_of(ProjectCategory), "phase": labels_of(ProjectPhase)}
    chosen = projects(user, span)
    queryset = (
        chosen.annotate(**money(span))
        .order_by(
            "receiving_school__region__path", "receiving_school__name", "name", "pk"
        )
        .values(*FIELDS.values(), *money(span))
    )
    total_label = _("Total")
    dates_format = _("%(start)s to %(end)s")

    def generate():
        supporting = supporting_names(chosen)
        for number, record in enumerate(queryset.iterator(chunk_size=CHUNK), 1):
            values = {"number": number}
            for key in ("name", "category", "receiving_school", "phase"):
                value = record[FIELDS[key]]
                values[key] = labels[key].get(value, value) if key in labels else value
            values["supporting"] = supporting.get(record["pairing_id"]) or NONE
            values["planned"] = dates_text(
                record["planned_start"], record["planned_end"], dates_format
            )
            values["actual"] = dates_text(
                record["actual_start"], record["actual_end"], dates_format
            )
            values.update(
                _money(
                    record["total_investment"],
                    record["aid_amount"],
                    record["received"],
                    record["spent"],
                )
            )
            yield Row(values=values, approximate=_approximate(record))
        totals = total(chosen, span)
        values = {"name": total_label}
        values.update(
            _money(totals["total"], totals["aid"], totals["received"], totals["spent"])
        )
        yield Row(values=values, kind="total", approximate=_approximate(totals))

    return generate()


def supporting_names(chosen) -> dict[int, str]:
    """pairing id → its supporting schools' names (lead unit first), for the
    pairings of the chosen projects: one query, pairings are few."""
    names: dict[int, list[str]] = defaultdict(list)
    for pairing_id, name in (
        PairingParty.objects.filter(
            side=Side.SUPPORTING, pairing_id__in=chosen.values("pairing_id")
        )
        .order_by("pairing_id", "-is_lead", "school__name")
        .values_list("pairing_id", "school__name")
    ):
        names[pairing_id].append(name)
    return {pairing_id: "、".join(n) for pairing_id, n in names.items()}


def total(chosen, span) -> dict:
    """The total row's figures: investment over the projects, money over their
    lines (two aggregate queries, so lines never repeat investments)."""
    result = chosen.order_by().aggregate(
        total=Sum("total_investment"), aid=Sum("aid_amount")
    )
    result.update(
        FundingLine.objects.filter(project__in=chosen.values("pk"))
        .order_by()
        .aggregate(**money(span, ""))
    )
    return result


def _money(total_investment, aid, received, spent) -> dict:
    total_investment, aid = total_investment or 0, aid or 0
    return {
        "total": base.wan(total_investment),
        "aid": base.wan(aid),
        "other": base.wan(total_investment - aid),
        "received": base.wan(received),
        "spent": base.wan(spent),
        "execution_rate": base.rate(spent or 0, received),
    }


def _approximate(record) -> set[str]:
    return {key for key in ("received", "spent") if record[f"{key}_approx"]}


# Layout ----------------------------------------------------------------------------


def header_texts() -> list[str]:
    return [
        pgettext("statistics table", "No."),
        pgettext("statistics table", "Project"),
        pgettext("statistics table", "Category"),
        pgettext("statistics table", "Receiving school"),
        pgettext("statistics table", "Supporting side"),
        pgettext("statistics table", "Total investment (10,000 yuan)"),
        pgettext("statistics table", "Aid funds (10,000 yuan)"),
        pgettext("statistics table", "Other funds (10,000 yuan)"),
        pgettext("statistics table", "Received (10,000 yuan)"),
        pgettext("statistics table", "Spent (10,000 yuan)"),
        pgettext("statistics table", "Execution rate (%)"),
        pgettext("statistics table", "Phase"),
        pgettext("statistics table", "Planned dates"),
        pgettext("statistics table", "Actual dates"),
    ]


def columns() -> list[Column]:
    return [
        Column("number"),
        Column("name", "text"),
        Column("category", "text"),
        Column("receiving_school", "text"),
        Column("supporting", "text"),
        *[Column(key, "wan") for key in MONEY],
        Column("execution_rate", "rate"),
        Column("phase", "text"),
        Column("planned", "text"),
        Column("actual", "text"),
    ]


def notes() -> list[str]:
    return [
        _(
            "A project is listed when its planned or actual dates overlap the period "
            "(a project without an end date is still running), or when it has "
            "funding lines in the period."
        ),
        _(
            "Other funds are the total investment less the aid share. Received and "
            "spent count the project's funding lines dated in the period; undated "
            "lines count on 31 December of their year. The execution rate is spent "
            "over received and is not capped."
        ),
        _("≥: the figure includes approximate amounts (余, 约, 近, 以上)."),
    ]
