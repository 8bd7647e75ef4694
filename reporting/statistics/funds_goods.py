"""Table 4, 资金物资统计表: funds by source × (planned, received, spent) and goods by
category (quantity, value), by region (or supporting school, or pairing).

Each record family (funding lines of a pairing, of a pairing's project, of a project
without pairing; donations with and without pairing) is one query with conditional
sums, grouped by pairing or school and added up per row of every level in Python,
so the query count grows neither with the rows nor with the levels."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.choices import Side
from core.scope import visible
from pairings import selectors
from projects.choices import DonationForm, FundingKind, FundingSource, GoodsCategory
from projects.models import Donation, FundingLine

from . import base, grouping
from .base import Column, HeaderCell, Row, Table
from .partner_assistance import APPROX, in_span

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
CASH = "cash_received"
RECEIVED_TOTAL = "received_total"
GOODS_TOTAL = "goods_total"
RECEIVED_KEYS = [fund_key(s, FundingKind.RECEIVED) for s in SOURCES]


def build(*, user, spec) -> Table:
    """Table 4 for the user's scope and the spec's span and grouping."""
    span = base.period_of(spec)
    counted = visible(selectors.pairings_in_force(start=span.start, end=span.end), user)
    rows_of = grouping.groups(user=user, spec=spec, pairings=counted, as_of=span.end)
    lines = visible(FundingLine.objects.filter(in_span(span)), user)
    donations = visible(
        Donation.objects.filter(date__range=(span.start, span.end)), user
    )
    by_receiving = spec.group == "region"
    money = _Money(lines, donations, grouping.Placement(rows_of.total))
    figures = {
        name: money.of(
            level,
            # Region rows hold money by the receiving school's region; the total
            # holds every pairing with a school in the area, as table 1 does.
            Side.RECEIVING if by_receiving and name != grouping.TOTAL else None,
        )
        for name, level in rows_of.levels.items()
    }
    rows = []
    for entry in rows_of.entries:
        if entry.kind == grouping.TOTAL:
            # What the total holds and no row does, on a row of its own so that
            # the total reconciles with its rows: money of pairings whose
            # receiving schools lie outside the area (region rows), or not tied
            # to a pairing (rows of schools or pairings).
            covered = rows_of.levels[grouping.DATA].merged()
            left = grouping.rest(
                figures[grouping.TOTAL].get(0),
                money.of(covered, Side.RECEIVING if by_receiving else None).get(0),
            )
            if left is not None:
                row = _row(left)
                row.values[LABEL] = (
                    _("Of which to receiving schools outside the area")
                    if by_receiving
                    else grouping.rest_label()
                )
                row.level = min((r.level for r in rows), default=0)
                rows.append(row)
        row = _row(figures[entry.level_name].get(entry.key) or {})
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
        notes=notes(by_receiving),
        unit_name=rows_of.unit_name,
    )


# Figures ---------------------------------------------------------------------------


def _fund_aggregates() -> dict:
    aggregates = {}
    for source in SOURCES:
        for kind in KINDS:
            q = Q(source=source, kind=kind)
            key = fund_key(source, kind)
            aggregates[key] = Sum("amount", filter=q)
            aggregates[f"{key}_approx"] = Count("pk", filter=q & APPROX)
    return aggregates


def _donation_aggregates() -> dict:
    goods, cash = Q(form=DonationForm.GOODS), Q(form=DonationForm.CASH)
    aggregates = {
        CASH: Sum("amount", filter=cash),
        f"{CASH}_approx": Count("pk", filter=cash & APPROX),
    }
    for category in CATEGORIES:
        q = goods & Q(category=category)
        aggregates[quantity_key(category)] = Sum("quantity", filter=q)
        aggregates[value_key(category)] = Sum("amount", filter=q)
        aggregates[f"{value_key(category)}_approx"] = Count("pk", filter=q & APPROX)
    return aggregates


class _Money:
    """Funding lines of a pairing, of a pairing's project, of a project without
    pairing (by its receiving school); donations with and without a pairing (by
    the recipient school): one query each, grouped by pairing or school, read
    once and added up per row of every level (``grouping.fold``)."""

    def __init__(self, lines, donations, placement):
        funds, given = _fund_aggregates(), _donation_aggregates()
        self.placement = placement
        self.by_pairing = [
            grouping.per_pairing(
                lines.filter(pairing__isnull=False), "pairing_id", **funds
            ),
            grouping.per_pairing(
                lines.filter(pairing__isnull=True, project__pairing__isnull=False),
                "project__pairing_id",
                **funds,
            ),
            grouping.per_pairing(
                donations.filter(pairing__isnull=False), "pairing_id", **given
            ),
        ]
        self.by_school = [
            grouping.per_school(
                lines.filter(pairing__isnull=True, project__pairing__isnull=True),
                "project__receiving_",
                **funds,
            ),
            grouping.per_school(
                donations.filter(pairing__isnull=True), "recipient_", **given
            ),
        ]

    def of(self, level, side) -> dict[int, dict]:
        """{row key: {figure: exact sum}} for the rows of ``level``; money of a
        pairing in the rows of its parties on ``side`` (None: any)."""
        places = self.placement.of(level, side)
        key_of = self.placement.school_key(level)
        families = [grouping.fold(family, places) for family in self.by_pairing]
        families += [grouping.fold_placed(family, key_of) for family in self.by_school]
        merged: dict[int, dict] = defaultdict(dict)
        for family in families:
            for bucket, found in family.items():
                totals = merged[bucket]
                for name, value in found.items():
                    if value is not None:
                        totals[name] = totals.get(name, 0) + value
        return merged


def _row(f: dict) -> Row:
    values, approximate = {}, set()
    for key in [*FUND_KEYS, CASH, *VALUE_KEYS]:
        values[key] = base.wan(f.get(key) or Decimal(0))
        if f.get(f"{key}_approx"):
            approximate.add(key)
    for key in QUANTITY_KEYS:
        values[key] = int(f.get(key) or 0)
    # Totals from exact yuan, rounded once (domain.md §5a).
    received = [*RECEIVED_KEYS, CASH]
    values[RECEIVED_TOTAL] = base.wan(sum(Decimal(f.get(k) or 0) for k in received))
    if approximate & set(received):
        approximate.add(RECEIVED_TOTAL)
    values[GOODS_TOTAL] = base.wan(sum(Decimal(f.get(k) or 0) for k in VALUE_KEYS))
    if approximate & set(VALUE_KEYS):
        approximate.add(GOODS_TOTAL)
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
                colspan=len(FUND_KEYS) + 2,
            ),
            H(pgettext("statistics table", "Goods"), colspan=2 * len(CATEGORIES) + 1),
        ],
        [
            *[H(sources[s], colspan=len(KINDS)) for s in SOURCES],
            H(pgettext("statistics table", "Cash donations"), rowspan=2),
            H(pgettext("statistics table", "Funds received in total"), rowspan=2),
            *[H(categories[c], colspan=2) for c in CATEGORIES],
            H(
                pgettext("statistics table", "Goods value in total (10,000 yuan)"),
                rowspan=2,
            ),
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
    cols += [Column(key, "wan") for key in [*FUND_KEYS, CASH, RECEIVED_TOTAL]]
    for category in CATEGORIES:
        cols += [Column(quantity_key(category)), Column(value_key(category), "wan")]
    cols.append(Column(GOODS_TOTAL, "wan"))
    return cols


def notes(by_receiving: bool) -> list[str]:
    result = [
        _(
            "Every funding line and every donation dated in the period counts, "
            "whether or not it is tied to a pairing or a project; cash donations "
            "are funds (own column), goods are valued. Funds received in total "
            "(received funds of every source and cash donations) and the goods "
            "value equal table 1's funds and goods for the same area and period."
        ),
        _(
            "Funds of a project without a pairing, and donations outside a "
            "pairing, count in the region of the receiving school. Undated funding "
            "lines count on 31 December of their year. 10,000 yuan are rounded "
            "half up from exact sums."
        ),
        _("≥: the figure includes approximate amounts (余, 约, 近, 以上)."),
    ]
    if by_receiving:
        result.insert(
            1,
            _(
                "Rows are by the receiving school's region: money of a pairing "
                "counts in the rows of its receiving schools, once in the "
                "subtotals; the total counts every pairing with a school in the "
                "area, so money going to receiving schools outside the area is in "
                "the total but in no row."
            ),
        )
    else:
        result.insert(
            1,
            _(
                "Funds and goods of a pairing are counted in every row where one "
                "of its schools lies, and once in the total: rows do not add up "
                "to the total."
            ),
        )
        result.append(grouping.rest_note())
    return result
