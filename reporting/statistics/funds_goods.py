"""Table 4, 资金物资统计表: funds by source × (planned, received, spent) and goods by
category (quantity, value), by region (or supporting school, or pairing).

Each record family (funding lines of a pairing, of a pairing's project, of a project
without pairing; donations with and without pairing) is one query grouped by pairing
or school and by source and kind (or form and category), streamed and added up per
row of every level in Python, so the query count grows neither with the rows nor
with the levels. The comparison columns' spans are read in the same queries (a sum
per span, ``build_many``)."""

from __future__ import annotations

import operator
from decimal import Decimal
from functools import reduce
from itertools import chain

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
    return build_many(user=user, specs=[spec])[0]


def build_many(*, user, specs) -> list[Table]:
    """Table 4 for several spans of the same scope and grouping (the comparison
    columns: the period, the same period last year, the cycle to date). Each
    family of records is read once for all of them, with a sum per span, and the
    rows every pairing lies in are placed once per area."""
    spans = [base.period_of(spec) for spec in specs]
    layouts, placements = [], {}
    for spec, span in zip(specs, spans, strict=True):
        counted = visible(
            selectors.pairings_in_force(start=span.start, end=span.end), user
        )
        rows_of = grouping.groups(
            user=user, spec=spec, pairings=counted, as_of=span.end
        )
        total = rows_of.total
        area = (total.by, repr(total.buckets), repr(sorted(total.moved.items())))
        if area not in placements:
            placements[area] = grouping.Placement(total)
        # Region rows hold money by the receiving school's region; the total
        # holds every pairing with a school in the area, as table 1 does.
        side = Side.RECEIVING if spec.group == "region" else None
        wanted = {
            name: (level, None if name == grouping.TOTAL else side)
            for name, level in rows_of.levels.items()
        }
        wanted[grouping.COVERED] = (rows_of.levels[grouping.DATA].merged(), side)
        layouts.append((rows_of, placements[area], wanted))
    money = _money(user, spans, [(placed, wanted) for _r, placed, wanted in layouts])
    return [
        _table(spec, span, rows_of, figures)
        for spec, span, (rows_of, _p, _w), figures in zip(
            specs, spans, layouts, money, strict=True
        )
    ]


def _table(spec, span, rows_of, figures) -> Table:
    by_receiving = spec.group == "region"
    rows = []
    for entry in rows_of.entries:
        if entry.kind == grouping.TOTAL:
            # What the total holds and no row does, on a row of its own so that
            # the total reconciles with its rows: money of pairings whose
            # receiving schools lie outside the area (region rows), or not tied
            # to a pairing (rows of schools or pairings).
            left = grouping.rest(
                figures[grouping.TOTAL].get(0), figures[grouping.COVERED].get(0)
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


def _money(user, spans, layouts) -> list[dict[str, dict[int, dict]]]:
    """For each span and its (placement, wanted): {name: {row key: {figure: exact
    sum}}} for each (level, side) of ``wanted``, the money of a pairing in the
    rows of its parties on ``side`` (None: any).

    Funding lines of a pairing, of a pairing's project, of a project without
    pairing (by its receiving school); donations with and without a pairing (by
    the recipient school): one query each for all spans, grouped by pairing or
    school and by source and kind (or form and category), with a sum per span,
    streamed and added up as it is read into the set of rows its pairing (or
    school) lies in (``grouping.fold_cells``): no record or figure is kept per
    pairing, only which set of rows it lies in, and only the sums that exist are
    read."""
    lines = visible(FundingLine.objects.filter(_any(in_span, spans)), user)
    donations = visible(Donation.objects.filter(_any(_dated, spans)), user)
    places = [
        {name: placement.of(level, on) for name, (level, on) in wanted.items()}
        for placement, wanted in layouts
    ]
    keys_of = [
        {name: placement.school_key(level) for name, (level, _on) in wanted.items()}
        for placement, wanted in layouts
    ]
    by_pairing = chain(
        _fund_cells(lines.filter(pairing__isnull=False), spans, "pairing_id"),
        _fund_cells(
            lines.filter(pairing__isnull=True, project__pairing__isnull=False),
            spans,
            "project__pairing_id",
        ),
        _donation_cells(donations.filter(pairing__isnull=False), spans, "pairing_id"),
    )
    by_school = chain(
        _fund_cells(
            lines.filter(pairing__isnull=True, project__pairing__isnull=True),
            spans,
            "project__receiving_school_id",
            "project__receiving_school__region__path",
        ),
        _donation_cells(
            donations.filter(pairing__isnull=True),
            spans,
            "recipient_school_id",
            "recipient_school__region__path",
        ),
    )
    result = grouping.fold_cells(by_pairing, places)
    for figures, more in zip(
        result, grouping.fold_placed_cells(by_school, keys_of), strict=True
    ):
        for name, rows in more.items():
            for key, found in rows.items():
                grouping.add_figures(figures[name], key, found)
    return result


def _dated(span) -> Q:
    return Q(date__range=(span.start, span.end))


def _any(condition, spans) -> Q:
    """Records in any of the spans."""
    return reduce(operator.or_, [condition(span) for span in spans])


def _per_span(condition, spans, aggregates) -> dict:
    """The aggregates (name → a function of a filter giving the aggregate) for
    each span, as ``<name>_<span index>``, counting the records of that span
    only; one span: no filter."""
    if len(spans) == 1:
        return {f"{name}_0": make(None) for name, make in aggregates.items()}
    return {
        f"{name}_{i}": make(condition(span))
        for i, span in enumerate(spans)
        for name, make in aggregates.items()
    }


def _grouped(records, spans, condition, owner, by, aggregates):
    """(*owner, *by, *aggregates) of ``records`` grouped by ``owner`` and ``by``,
    each aggregate a tuple of its value in each span, streamed."""
    per_span = _per_span(condition, spans, aggregates)
    names = list(per_span)
    rows = (
        records.order_by()
        .values(*owner, *by)
        .annotate(**per_span)
        .values_list(*owner, *by, *names)
        .iterator(chunk_size=grouping.CHUNK)
    )
    width = len(owner) + len(by)
    count = len(aggregates)
    for row in rows:
        values = row[width:]
        yield *row[:width], *(values[a::count] for a in range(count))


class _AsRead:
    """An aggregate whose value is taken as the driver gives it on PostgreSQL
    (psycopg reads a sum of numeric as a Decimal and a count as an int), without
    Django's converter per value: tens of thousands of rows, a dozen sums each."""

    def get_db_converters(self, connection):
        if connection.vendor == "postgresql":
            return []
        return super().get_db_converters(connection)


class _Sum(_AsRead, Sum):
    pass


class _Count(_AsRead, Count):
    pass


def _sum(field: str):
    return lambda condition: _Sum(field, filter=condition)


def _approximate(condition):
    return _Count("pk", filter=APPROX & condition if condition else APPROX)


def _some(values: tuple) -> bool:
    """Whether any span has a value. Asked by identity: ``count(None)`` would
    compare each Decimal with None, which Decimal answers only after asking
    whether None is a rational number (an abstract class check, per value)."""
    return any(value is not None for value in values)


def _counted(counts: tuple) -> tuple | None:
    """Counts per span with None for none; None when no span has one."""
    if not any(counts):
        return None
    return counts if 0 not in counts else tuple(count or None for count in counts)


def _fund_cells(lines, spans, *owner: str):
    """(owner, figure, values per span) of funding lines grouped by ``owner`` (a
    pairing, or a school and its region path), source and kind, streamed."""
    width = len(owner)
    for *head, source, kind, totals, approximate in _grouped(
        lines.filter(kind__in=KINDS),
        spans,
        in_span,
        owner,
        ("source", "kind"),
        {"total": _sum("amount"), "approximate": _approximate},
    ):
        who = head[0] if width == 1 else tuple(head)
        key = fund_key(source, kind)
        if _some(totals):
            yield who, key, totals
        if (counts := _counted(approximate)) is not None:
            yield who, f"{key}_approx", counts


def _donation_cells(donations, spans, *owner: str):
    """(owner, figure, values per span) of donations grouped by ``owner``, form
    and category: cash donations as funds, goods by category (quantity and
    value), streamed."""
    categories = set(CATEGORIES)
    width = len(owner)
    for *head, form, category, totals, quantities, approximate in _grouped(
        donations,
        spans,
        _dated,
        owner,
        ("form", "category"),
        {
            "total": _sum("amount"),
            "quantity": _sum("quantity"),
            "approximate": _approximate,
        },
    ):
        who = head[0] if width == 1 else tuple(head)
        if form == DonationForm.CASH:
            value = CASH
        elif form == DonationForm.GOODS and category in categories:
            value = value_key(category)
            if _some(quantities):
                yield who, quantity_key(category), quantities
        else:
            continue
        if _some(totals):
            yield who, value, totals
        if (counts := _counted(approximate)) is not None:
            yield who, f"{value}_approx", counts


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
