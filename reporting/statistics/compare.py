"""Comparison columns: beside each figure of a table, the same figure for the same
span one year earlier (上年同期) with the rate of change (增减%), and the figure
from the start of the programme cycle to the end of the span (本轮累计).

The comparison tables are built by the same table module for the shifted spans,
so every column follows the same definitions; rows are matched by their place
(kind and label), and a row missing in the earlier table shows "—"."""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, connections
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pairings.models import Programme
from reporting.models import ReportingPeriod

from .base import Column, HeaderCell, Row, Spec, Table, shared_evaluations

# Tables with one row per region (or school, or pairing) and figures to compare;
# row-per-record lists and the per-semester table 5 have none.
COMPARABLE = {"partner_assistance", "funds_goods"}
NUMERIC = ("int", "wan")
PREVIOUS, CHANGE, CYCLE = "__previous", "__change", "__cycle"


def wanted(spec: Spec) -> bool:
    return bool(spec.compare_previous or spec.compare_cycle)


def previous_spec(spec: Spec) -> Spec | None:
    """The same span one year earlier; None when there is none (no reporting
    period for the same semester of the previous school year)."""
    values = {**spec.as_dict(), "compare_previous": None, "compare_cycle": None}
    if spec.span in ("calendar_year", "school_year"):
        return Spec(**{**values, "year": int(spec.year) - 1})
    if spec.span == "semester":
        period = ReportingPeriod.objects.get(pk=spec.semester)
        earlier = ReportingPeriod.objects.filter(
            school_year=period.school_year - 1, semester=period.semester
        ).first()
        return Spec(**{**values, "semester": earlier.pk}) if earlier else None
    if spec.span == "cycle":
        programme = Programme.objects.get(pk=spec.programme)
        start, end = programme.cycle_start, programme.cycle_end
    else:
        start, end = dt.date.fromisoformat(spec.start), dt.date.fromisoformat(spec.end)
    return Spec(
        **{
            **values,
            "span": "range",
            "programme": None,
            "start": year_earlier(start).isoformat(),
            "end": year_earlier(end).isoformat(),
        }
    )


def year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def cycle_spec(spec: Spec, end: dt.date) -> tuple[Spec, Programme] | None:
    """From the start of the programme's cycle to ``end`` (the span's end)."""
    programme = Programme.objects.get(pk=spec.programme)
    if programme.cycle_start > end:
        return None
    values = {**spec.as_dict(), "compare_previous": None, "compare_cycle": None}
    return (
        Spec(
            **{
                **values,
                "span": "range",
                "year": None,
                "semester": None,
                "programme": None,
                "start": programme.cycle_start.isoformat(),
                "end": end.isoformat(),
            }
        ),
        programme,
    )


def change(now, before) -> Decimal | None:
    """The rate of change in percent, one decimal; None ("—") when there is
    nothing to compare with."""
    if now is None or not before:
        return None
    return ((Decimal(now) - Decimal(before)) * 100 / Decimal(before)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def build(
    code: str,
    spec: Spec,
    end: dt.date,
    build_one: Callable,
    build_many: Callable | None = None,
) -> Table:
    """Table ``code`` for ``spec`` with the comparison columns it asks for. A
    table module that builds several spans at once (``build_many(specs)``, reading
    each family of records once for all of them) is given them together;
    otherwise the earlier spans' tables are built by ``build_one(spec)`` beside
    this one, each on its own database connection (the database does most of the
    work, so the comparison costs little more time than the table alone); inside
    a transaction (tests) they are built one after the other, on the same
    connection."""
    if code not in COMPARABLE or not wanted(spec):
        return build_one(spec)
    earlier = previous_spec(spec) if spec.compare_previous else None
    found = cycle_spec(spec, end) if spec.compare_cycle else None
    specs = [spec, earlier, found[0] if found else None]
    plain = Spec(**{**spec.as_dict(), "compare_previous": None, "compare_cycle": None})
    specs[0] = plain
    if build_many is not None:
        given = [s for s in specs if s is not None]
        built = iter(build_many(given))
        table, previous, cycle = [next(built) if s is not None else None for s in specs]
        return extend(table, spec, previous, cycle)
    # The cycle to date ends with the span: both judge compliance on the same
    # semester, once.
    with shared_evaluations():
        table, previous, cycle = _together(build_one, specs)
    return extend(table, spec, previous, cycle)


def _together(build_one: Callable, specs: list) -> list:
    """``build_one`` for each spec (None for None), the first in this thread."""
    if connection.in_atomic_block:
        return [build_one(s) if s is not None else None for s in specs]
    language = translation.get_language()

    def run(one):
        try:
            with translation.override(language):
                return build_one(one)
        finally:
            connections.close_all()  # this thread's connection

    others = [s for s in specs[1:] if s is not None]
    with ThreadPoolExecutor(max_workers=max(1, len(others))) as pool:
        futures = {
            id(s): pool.submit(contextvars.copy_context().run, run, s) for s in others
        }
        first = build_one(specs[0])
        return [first] + [
            futures[id(s)].result() if s is not None else None for s in specs[1:]
        ]


def extend(table: Table, spec: Spec, previous: Table | None, cycle: Table | None):
    """``table`` with the comparison columns ``spec`` asks for, from the earlier
    tables ``previous`` (same span last year) and ``cycle`` (cycle to date)."""
    notes = []
    if spec.compare_previous:
        notes.append(
            _(
                "Same period last year: the same figure for the span one year "
                "earlier%(span)s; change (%%) = (this period − last year) ÷ last "
                "year; —: nothing to compare with."
            )
            % {"span": f"（{previous.period_label}）" if previous else ""}
        )
    if spec.compare_cycle:
        programme = Programme.objects.get(pk=spec.programme)
        notes.append(
            _(
                "Cycle to date: from the start of the %(programme)s cycle "
                "(%(start)s) to the end of the period."
            )
            % {"programme": programme.name, "start": programme.cycle_start.isoformat()}
        )
    extras = []
    if spec.compare_previous:
        extras += [PREVIOUS, CHANGE]
    if spec.compare_cycle:
        extras.append(CYCLE)
    columns = []
    for column in table.columns:
        columns.append(column)
        if column.kind in NUMERIC:
            for suffix in extras:
                kind = "rate" if suffix == CHANGE else column.kind
                columns.append(Column(f"{column.key}{suffix}", kind))
    table.rows = _rows(table, previous, cycle, extras)
    table.header = _header(table, extras)
    table.columns = columns
    table.notes = [*table.notes, *notes]
    return table


def _match(table: Table | None) -> dict:
    if table is None:
        return {}
    return {(r.kind, r.values.get("label")): r for r in table.rows}


def _rows(table, previous, cycle, extras) -> list[Row]:
    before, since = _match(previous), _match(cycle)
    numeric = [c.key for c in table.columns if c.kind in NUMERIC]
    rows = []
    for row in table.rows:
        key = (row.kind, row.values.get("label"))
        old, total = before.get(key), since.get(key)
        values, approximate = dict(row.values), set(row.approximate)
        for name in numeric:
            if PREVIOUS in extras:
                value = old.values.get(name) if old else None
                values[f"{name}{PREVIOUS}"] = value
                values[f"{name}{CHANGE}"] = change(row.values.get(name), value)
                if old and name in old.approximate:
                    approximate.add(f"{name}{PREVIOUS}")
            if CYCLE in extras:
                values[f"{name}{CYCLE}"] = total.values.get(name) if total else None
                if total and name in total.approximate:
                    approximate.add(f"{name}{CYCLE}")
        rows.append(Row(values, row.kind, row.level, approximate))
    return rows


def _header(table: Table, extras) -> list[list[HeaderCell]]:
    """The header with every numeric column widened to itself and its comparison
    columns, and a new bottom row naming them."""
    width = [1 + len(extras) if c.kind in NUMERIC else 1 for c in table.columns]
    rows = len(table.header)
    taken = [[False] * len(table.columns) for _ in range(rows)]
    result: list[list[HeaderCell]] = [[] for _ in range(rows + 1)]
    names = {
        PREVIOUS: pgettext("statistics table", "Same period last year"),
        CHANGE: pgettext("statistics table", "Change (%)"),
        CYCLE: pgettext("statistics table", "Cycle to date"),
    }
    bottom: dict[int, list[HeaderCell]] = {}
    for r, header_row in enumerate(table.header):
        c = 0
        for cell in header_row:
            while c < len(table.columns) and taken[r][c]:
                c += 1
            covered = range(c, min(c + cell.colspan, len(table.columns)))
            for dr in range(cell.rowspan):
                for i in covered:
                    if r + dr < rows:
                        taken[r + dr][i] = True
            leaf = r + cell.rowspan == rows
            numeric_leaf = leaf and len(covered) == 1 and width[c] > 1
            result[r].append(
                HeaderCell(
                    cell.text,
                    colspan=sum(width[i] for i in covered),
                    rowspan=cell.rowspan + (1 if leaf and not numeric_leaf else 0),
                )
            )
            if numeric_leaf:
                bottom[c] = [
                    HeaderCell(pgettext("statistics table", "This period")),
                    *[HeaderCell(names[s]) for s in extras],
                ]
            c += cell.colspan
    result[rows] = [cell for c in sorted(bottom) for cell in bottom[c]]
    return result
