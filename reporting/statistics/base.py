"""What every statistics table is made of: a time span, a grouping, and a ``Table``
(title, unit line, multi-row headers, data/subtotal/total rows, foot) that both the
HTML preview and the Excel writer render, so they always show the same numbers."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from pairings import periods
from reporting.compliance import engine as compliance
from reporting.models import ReportingPeriod

# Time spans ------------------------------------------------------------------------

SPAN_KINDS = ("calendar_year", "school_year", "semester", "cycle", "range")


@dataclass(frozen=True)
class Spec:
    """What the user asked for: stored as JSON on the export job (filters, never ids
    of rows), so a retry rebuilds the same file."""

    span: str = "school_year"  # one of SPAN_KINDS
    year: int | None = None  # calendar or school year
    semester: int | None = None  # ReportingPeriod id
    programme: int | None = None  # Programme id, for "cycle"
    start: str | None = None  # ISO dates, for "range"
    end: str | None = None
    group: str = "region"  # region | supporting_school | pairing
    region: int | None = None  # Region id: the top of the table (default: user's)
    compare_previous: bool | None = None  # 上年同期 and 增减% beside each figure
    compare_cycle: bool | None = None  # 本轮累计 (needs ``programme``)
    # Days on post count the stints the host school confirmed; True counts the
    # unconfirmed ones too, and the table says so (``confirmation_note``).
    unconfirmed: bool | None = None

    @classmethod
    def from_dict(cls, data: dict) -> Spec:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ""}


def period_of(spec: Spec, known: dict | None = None) -> periods.Period:
    """The time span a spec names, as a Period (inclusive dates). ``known`` holds
    reporting periods and programmes already read, by (model, id)."""
    from pairings.models import Programme

    known = known or {}
    if spec.span == "calendar_year":
        return periods.calendar_year(int(spec.year))
    if spec.span == "school_year":
        return periods.school_year(int(spec.year))
    if spec.span == "semester":
        semester = known.get((ReportingPeriod, spec.semester))
        if semester is None:
            semester = ReportingPeriod.objects.get(pk=spec.semester)
        return periods.semester(semester)
    if spec.span == "cycle":
        programme = known.get((Programme, spec.programme))
        if programme is None:
            programme = Programme.objects.get(pk=spec.programme)
        return periods.Period(
            programme.cycle_start,
            programme.cycle_end,
            _("%(programme)s cycle %(start)s – %(end)s")
            % {
                "programme": programme.name,
                "start": programme.cycle_start.isoformat(),
                "end": programme.cycle_end.isoformat(),
            },
        )
    if spec.span == "range":
        return periods.date_range(
            dt.date.fromisoformat(spec.start), dt.date.fromisoformat(spec.end)
        )
    raise ValueError(f"unknown span {spec.span!r}")


# Tables ----------------------------------------------------------------------------


@dataclass
class HeaderCell:
    """One cell of a multi-row header; spans are in cells (like HTML colspan)."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Column:
    key: str
    kind: str = "int"  # int | wan (yuan shown in 万元) | rate (percent) | text | date
    width: float | None = None  # Excel column width; None = fit the text


@dataclass(slots=True)
class Row:
    """One row of a table. Slotted and without a set of its own unless a figure is
    approximate: the lists of tables 5 and 6 hold tens of thousands of rows."""

    values: dict
    kind: str = "data"  # data | subtotal | total
    level: int = 0  # indentation of the label (region depth)
    approximate: AbstractSet[str] = frozenset()  # keys whose figure is ≥


@dataclass
class Check:
    """One reconciliation line (校验): two figures that must agree, e.g. table 1's
    funds against table 4's. ``ok`` False means the workbook must not be shipped."""

    label: str  # what is compared, in the user's language
    expected: str  # the one figure, as shown
    actual: str  # the other figure, as shown
    ok: bool


@dataclass
class Table:
    code: str  # e.g. "partner_assistance"
    title: str  # e.g. "对口支援工作统计表"
    period_label: str
    unit: str  # e.g. "单位：人、人次、天、万元"
    header: list[list[HeaderCell]]  # the header rows, top to bottom
    columns: list[Column]
    rows: Iterable[Row]  # a list, or an iterator for row-per-record tables
    notes: list[str] = field(default_factory=list)
    unit_name: str = ""  # 填报单位
    checks: list[Check] = field(default_factory=list)  # 校验 lines
    count: int | None = None  # a streamed table's rows, counted in the database

    @property
    def streamed(self) -> bool:
        return not isinstance(self.rows, list)

    @property
    def row_count(self) -> int | None:
        """How many rows the table has: a list's length, or a streamed table's
        ``count`` (None when it does not carry one)."""
        return self.count if self.streamed else len(self.rows)


def wan(yuan) -> Decimal:
    """Exact yuan to 万元 with 2 decimals, rounded half up (四舍五入) as bureaus
    do (domain.md §5a): round once, from the exact sum."""
    return (Decimal(yuan or 0) / Decimal(10000)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def rate(numerator, denominator) -> Decimal | None:
    """A percentage with 1 decimal, not capped at 100; None when nothing is planned."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def failed_checks(tables: Iterable[Table]) -> list[Check]:
    """The checks of ``tables`` that do not hold (an export must refuse to ship)."""
    return [check for table in tables for check in table.checks if not check.ok]


def iterate(rows: Iterable[Row]) -> Iterator[Row]:
    yield from rows


# Compliance shared by the tables of one workbook -------------------------------------

_EVALUATED: ContextVar[dict | None] = ContextVar("evaluated", default=None)


@contextmanager
def shared_evaluations():
    """Tables built inside share their compliance judgements: tables 1 and 6 of a
    workbook, or a table and its comparison spans (built in threads that copy this
    context), judge the same pairings on the same semester once. Inside another
    ``shared_evaluations`` the outer one is shared."""
    if _EVALUATED.get() is not None:
        yield
        return
    token = _EVALUATED.set({})
    try:
        yield
    finally:
        _EVALUATED.reset(token)


class PairingName(NamedTuple):
    pk: int
    name: str


class RuleFigure(NamedTuple):
    rule: str
    figure: str
    passed: bool | None


class Judged(NamedTuple):
    """What the tables read of a pairing's compliance (the pairing's id and name,
    each rule's figure and result): kept for the whole workbook, so kept small —
    the engine's results with their pairing objects took 5 KB a pairing, 196 MB
    for the 37,894 pairings of a national semester."""

    pairing: PairingName
    results: tuple[RuleFigure, ...]
    passed: bool


def _compact(judgements, shared: dict) -> Iterator[Judged]:
    """The engine's judgements as ``Judged``; each rule figure (rule, figure text,
    result) kept once and shared by the pairings that have it: a national
    semester's 37,894 judgements hold a few thousand of them, not one per rule
    and pairing."""
    for judged in judgements:
        yield Judged(
            PairingName(judged.pairing.pk, judged.pairing.name),
            tuple(
                shared.setdefault(
                    (r.rule, r.figure, r.passed),
                    RuleFigure(r.rule, r.figure, r.passed),
                )
                for r in judged.results
            ),
            judged.passed,
        )


# Pairings judged at once: the engine's working sets (people, stints, trainees per
# pairing) for a batch, then kept as ``Judged``. A province's pairings are one
# batch; at national scale the batches keep the peak flat (one batch of 38,000
# pairings held about 240 MB).
JUDGED_AT_ONCE = 5000


def evaluate(
    pairings, term: periods.Period, *, include_unconfirmed: bool = False
) -> list[Judged]:
    """``compliance.evaluate`` for a queryset of pairings, in batches, each pairing
    judged once per semester inside ``shared_evaluations``. A table built beside
    another in a thread waits for the other's judgement of the same semester."""
    # Ids in the caller's order; the pairings themselves are read a batch at a
    # time (40,000 pairing objects with their programmes at national scale).
    ids = list(pairings.values_list("pk", flat=True))
    memo = _EVALUATED.get()
    if memo is None:
        return list(_judged(pairings.model, ids, term, include_unconfirmed, {}))
    lock, known, shared = memo.setdefault(
        (term.start, term.end, include_unconfirmed), (threading.Lock(), {}, {})
    )
    # Only what the tables read: the judgements are kept for the whole workbook
    # (tens of thousands at national scale).
    with lock:
        for judged in _judged(
            pairings.model,
            [pk for pk in ids if pk not in known],
            term,
            include_unconfirmed,
            shared,
        ):
            known[judged.pairing.pk] = judged
    return [known[pk] for pk in ids]


def _judged(model, ids: list[int], term, include_unconfirmed: bool, shared: dict):
    """The pairings ``ids`` judged a batch at a time, in that order, as
    ``Judged``."""
    for start in range(0, len(ids), JUDGED_AT_ONCE):
        batch = ids[start : start + JUDGED_AT_ONCE]
        found = model.objects.select_related("programme").in_bulk(batch)
        yield from _compact(
            compliance.evaluate(
                [found[pk] for pk in batch if pk in found],
                term,
                include_unconfirmed=include_unconfirmed,
            ),
            shared,
        )


def includes_unconfirmed(spec: Spec) -> bool:
    return bool(spec.unconfirmed)


def confirmation_note(spec: Spec) -> str:
    """The footnote of a table counting days on post: which stints it counts."""
    if includes_unconfirmed(spec):
        return _(
            "Including unconfirmed stints: secondments on post and days on post "
            "include stints the host school has not yet confirmed (awaiting "
            "confirmation or sent back for correction)."
        )
    return _(
        "Secondments on post and days on post count only stints the host school "
        "has confirmed."
    )


def unconfirmed_mark(spec: Spec) -> str:
    """What the title and unit line add when unconfirmed stints are included."""
    return _("(including unconfirmed stints)") if includes_unconfirmed(spec) else ""
