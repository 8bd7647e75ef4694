"""Table 4, 资金物资统计表: funds by source × (planned, received, spent) and goods by
category (quantity, value), by region (or supporting school, or pairing).

Each record family (funding lines of a pairing, of a pairing's project, of a project
without pairing; donations with and without pairing) is one grouped query with
conditional sums per row level, so the query count does not grow with the rows."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.scope import visible
from pairings.models import Pairing
from projects.choices import DonationForm, FundingKind, FundingSource, GoodsCategory
from projects.models import Donation, FundingLine

from . import base, grouping
from .base import Column, HeaderCell, Row, Table
from .partner_assistance import undated_years

CODE = "funds_goods"
LABEL = "label"
PARTIES = "pairing__parties__"
SOURCES = list(FundingSource)
KINDS = [FundingKind.PLANNED, FundingKind.RECEIVED, FundingKind.SPENT]
CATEGORIES = list(GoodsCategory)


def fund_key(source, kind) -> str:
    return f"{source}_{kind}"


def quantity_key(category) -> str:
    return f"goods_{category}_quantity"


def value_key(category) -> str:
    return f"goods_{category}_value"


FUND_KEYS = [fund_key(s, k) for s in SOURCES for k in KINDS]
QUANTITY_KEYS = [quantity_key(c) for c in CATEGORIES]
VALUE_KEYS = [value_key(c) for c in CATEGORIES]


def build(*, user, spec) -> Table:
    """Table 4 for the user's scope and the spec's span and grouping."""
    span = base.period_of(spec)
    counted = visible(
        Pairing.objects.filter(
            status__in=grouping.COUNTED_STATUSES,
            start_date__lte=span.end,
            end_date__gte=span.start,
        ),
        user,
    )
    rows_of = grouping.groups(user=user, spec=spec, pairings=counted)
    lines = visible(
        FundingLine.objects.filter(
            Q(date__range=(span.start, span.end))
            | Q(date__isnull=True, year__in=undated_years(span))
        ),
        user,
    )
    goods = visible(
        Donation.objects.filter(
            date__range=(span.start, span.end), form=DonationForm.GOODS
        ),
        user,
    )
    figures = {
        name: _figures(lines, goods, level, rows_of.top_paths)
        for name, level in rows_of.levels.items()
    }
    rows = []
    for entry in rows_of.entries:
        row = figures[entry.level_name].get(entry.key) or _row({})
        row.values[LABEL] = entry.label
        row.kind, row.level = entry.kind, entry.depth
        rows.append(row)
    return Table(
        code=CODE,
        title=_("Funds and goods statistics"),
        period_label=span.label,
        unit=_("Unit: 10,000 yuan; quantities in each item's own unit"),
        header=header(rows_of.label_header),
        columns=columns(),
        rows=rows,
        notes=notes(),
        unit_name=rows_of.unit_name,
    )


# Figures ---------------------------------------------------------------------------

APPROX = ~Q(amount_approximation="")


def _fund_aggregates() -> dict:
    aggregates = {}
    for source in SOURCES:
        for kind in KINDS:
            q = Q(source=source, kind=kind)
            key = fund_key(source, kind)
            aggregates[key] = Sum("amount", filter=q)
            aggregates[f"{key}_approx"] = Count("pk", filter=q & APPROX)
    return aggregates


def _goods_aggregates() -> dict:
    aggregates = {}
    for category in CATEGORIES:
        q = Q(category=category)
        aggregates[quantity_key(category)] = Sum("quantity", filter=q)
        aggregates[value_key(category)] = Sum("amount", filter=q)
        aggregates[f"{value_key(category)}_approx"] = Count("pk", filter=q & APPROX)
    return aggregates


def _by_party(queryset, prefix, level, aggregates) -> list[dict]:
    """Records reaching a pairing party through ``prefix``: one row per bucket."""
    return list(
        queryset.filter(**{f"{prefix}in": level.parties()})
        .annotate(bucket=level.key(prefix))
        .order_by()
        .values("bucket")
        .annotate(**aggregates)
    )


def _by_school(queryset, prefix, level, top_paths, aggregates) -> list[dict]:
    """Records without a pairing, placed by the region of the school reached through
    ``prefix`` ("project__receiving_"): only rows of regions can hold them."""
    if level.by != "region":
        return []
    q = Q()
    for path in top_paths:
        q |= Q(**{f"{prefix}school__region__path__startswith": path})
    if not top_paths:
        q = Q(pk__in=[])
    return list(
        queryset.filter(q)
        .annotate(bucket=level.key(prefix))
        .filter(bucket__isnull=False)
        .order_by()
        .values("bucket")
        .annotate(**aggregates)
    )


def _figures(lines, goods, level, top_paths) -> dict[int, Row]:
    funds, donated = _fund_aggregates(), _goods_aggregates()
    families = [
        _by_party(lines.filter(pairing__isnull=False), PARTIES, level, funds),
        _by_party(
            lines.filter(pairing__isnull=True, project__pairing__isnull=False),
            f"project__{PARTIES}",
            level,
            funds,
        ),
        _by_school(
            lines.filter(pairing__isnull=True, project__pairing__isnull=True),
            "project__receiving_",
            level,
            top_paths,
            funds,
        ),
        _by_party(goods.filter(pairing__isnull=False), PARTIES, level, donated),
        _by_school(
            goods.filter(pairing__isnull=True), "recipient_", level, top_paths, donated
        ),
    ]
    merged: dict[int, dict] = defaultdict(dict)
    for family in families:
        for found in family:
            totals = merged[found.pop("bucket")]
            for name, value in found.items():
                if value is not None:
                    totals[name] = totals.get(name, 0) + value
    return {bucket: _row(totals) for bucket, totals in merged.items()}


def _row(f: dict) -> Row:
    values, approximate = {}, set()
    for key in [*FUND_KEYS, *VALUE_KEYS]:
        values[key] = base.wan(f.get(key) or Decimal(0))
        if f.get(f"{key}_approx"):
            approximate.add(key)
    for key in QUANTITY_KEYS:
        values[key] = int(f.get(key) or 0)
    return Row(values=values, approximate=approximate)


# Layout ----------------------------------------------------------------------------

H = HeaderCell


def source_labels() -> dict:
    return {
        FundingSource.CENTRAL: pgettext("statistics table", "Central"),
        FundingSource.PROVINCIAL: pgettext("statistics table", "Provincial"),
        FundingSource.CITY: pgettext("statistics table", "City"),
        FundingSource.COUNTY: pgettext("statistics table", "County"),
        FundingSource.SUPPORTING_GOVERNMENT: pgettext(
            "statistics table", "Supporting side's government"
        ),
        FundingSource.SCHOOL: pgettext("statistics table", "School's own funds"),
        FundingSource.DONATION: pgettext("statistics table", "Social donations"),
        FundingSource.OTHER: pgettext("statistics table", "Other"),
    }


def category_labels() -> dict:
    return {
        GoodsCategory.BOOKS: pgettext("statistics table", "Books"),
        GoodsCategory.INSTRUMENTS: pgettext("statistics table", "Instruments"),
        GoodsCategory.COMPUTERS: pgettext("statistics table", "Computers"),
        GoodsCategory.SPORTS: pgettext("statistics table", "Sports and arts equipment"),
        GoodsCategory.CLOTHING: pgettext("statistics table", "Clothing"),
        GoodsCategory.OFFICE: pgettext("statistics table", "Office equipment"),
        GoodsCategory.OTHER: pgettext("statistics table", "Other"),
    }


def header(label: str) -> list[list[HeaderCell]]:
    kinds = [
        pgettext("statistics table", "Planned"),
        pgettext("statistics table", "Received"),
        pgettext("statistics table", "Spent"),
    ]
    sources, categories = source_labels(), category_labels()
    return [
        [
            H(label, rowspan=3),
            H(
                pgettext("statistics table", "Funds (10,000 yuan)"),
                colspan=len(FUND_KEYS),
            ),
            H(pgettext("statistics table", "Goods"), colspan=2 * len(CATEGORIES)),
        ],
        [
            *[H(sources[s], colspan=len(KINDS)) for s in SOURCES],
            *[H(categories[c], colspan=2) for c in CATEGORIES],
        ],
        [
            *[H(text) for _s in SOURCES for text in kinds],
            *[
                H(text)
                for _c in CATEGORIES
                for text in (
                    pgettext("statistics table", "Quantity"),
                    pgettext("statistics table", "Value (10,000 yuan)"),
                )
            ],
        ],
    ]


def columns() -> list[Column]:
    cols = [Column(LABEL, "text", 24)]
    cols += [Column(key, "wan") for key in FUND_KEYS]
    for category in CATEGORIES:
        cols += [Column(quantity_key(category)), Column(value_key(category), "wan")]
    return cols


def notes() -> list[str]:
    return [
        _(
            "Funds and goods of a pairing are counted in every row where one of its "
            "schools lies, and once in the subtotals and the total: rows of "
            "cross-region pairings do not add up to the total."
        ),
        _(
            "Funds of a project without a pairing, and goods given outside a "
            "pairing, count in the region of the receiving school. Undated funding "
            "lines count on 31 December of their year."
        ),
        _("≥: the figure includes approximate amounts (余, 约, 近, 以上)."),
    ]
