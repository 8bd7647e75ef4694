"""Table 6, 结对达标情况表: one row per pairing in scope, each rule of its programme
(domain.md §4) with its figure and result, judged on the last semester lying wholly
inside the span (as in table 1).

One batch call of the compliance engine and one query for the schools of the
pairings: the query count does not grow with the number of pairings. The rows are
made as the sheet is written (streamed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.choices import Side
from core.scope import under, visible
from pairings import periods, selectors
from pairings.models import PairingParty
from reporting.compliance import engine as compliance

from . import base, grouping
from .base import Column, HeaderCell, Row, Table
from .partner_assistance import last_semester

CODE = "compliance"


def build(*, user, spec) -> Table:
    """Table 6 for the user's scope and the spec's span."""
    span = base.period_of(spec)
    tops = grouping.top_regions(user=user, spec=spec)
    semester = last_semester(span)
    unconfirmed = base.includes_unconfirmed(spec)
    rows = _rows(user, tops, semester, unconfirmed) if semester is not None else []
    return Table(
        code=CODE,
        title=_("Pairing compliance") + base.unconfirmed_mark(spec),
        period_label=span.label,
        unit="",
        header=header(),
        columns=columns(),
        rows=rows,
        notes=notes(semester, spec),
        unit_name="、".join(r.name for r in tops),
    )


def pairings_in(user, tops, term):
    """The visible pairings running in ``term`` with a school in the top regions."""
    # No top regions (school staff): every visible pairing, as before.
    in_tops = under([r.path for r in tops], "school__region", empty=True)
    party = PairingParty.objects.filter(in_tops, pairing_id=OuterRef("pk"))
    in_force = selectors.pairings_in_force(start=term.start, end=term.end)
    return visible(in_force.filter(Exists(party)), user).order_by("name", "pk")


def _rows(user, tops, semester, unconfirmed=False) -> Rows:
    term = periods.semester(semester)
    evaluated = base.evaluate(
        pairings_in(user, tops, term), term, include_unconfirmed=unconfirmed
    )
    # Per pairing, its receiving and its supporting schools' names as the row
    # shows them: one pair of strings each (not a list per side and pairing).
    schools: dict[int, tuple[str, str]] = {}
    parties = (
        PairingParty.objects.filter(
            compliance.among("pairing_id", [c.pairing.pk for c in evaluated])
        )
        .order_by("pairing_id", "school__name")
        .values_list("pairing_id", "side", "school__name")
        .iterator(chunk_size=grouping.CHUNK)
    )
    for pairing_id, found in groupby(parties, key=itemgetter(0)):
        sides = defaultdict(list)
        for _pairing, side, name in found:
            sides[side].append(name)
        schools[pairing_id] = (
            "、".join(sides[Side.RECEIVING]),
            "、".join(sides[Side.SUPPORTING]),
        )
    return Rows(evaluated, schools)


class Rows:
    """The rows, made from the judgements and school names each time they are read
    (the sheet streams them): no list of 50,000 row dicts at national scale."""

    def __init__(self, evaluated: list, schools: dict):
        self.evaluated, self.schools = evaluated, schools

    def __iter__(self) -> Iterator[Row]:
        schools = self.schools
        # Translated once per table, not once per rule of every pairing.
        results = {passed: result_label(passed) for passed in (True, False, None)}
        yes, no = _("yes"), _("no")
        for number, checked in enumerate(self.evaluated, start=1):
            receiving, supporting = schools.get(checked.pairing.pk, ("", ""))
            values = {
                "number": number,
                "pairing": checked.pairing.name,
                "receiving": receiving,
                "supporting": supporting,
            }
            for result in checked.results:
                values[f"{result.rule}_figure"] = result.figure
                values[f"{result.rule}_result"] = results[result.passed]
            values["passed"] = yes if checked.passed else no
            yield Row(values)


def result_label(passed: bool | None) -> str:
    return {True: _("passes"), False: _("fails"), None: _("no data")}[passed]


# Layout ----------------------------------------------------------------------------

H = HeaderCell


def header() -> list[list[HeaderCell]]:
    def tall(text):
        return H(text, rowspan=2)

    return [
        [
            tall(pgettext("statistics table", "No.")),
            tall(pgettext("statistics table", "Pairing")),
            tall(pgettext("statistics table", "Receiving school(s)")),
            tall(pgettext("statistics table", "Supporting school(s)")),
            *[H(str(label), colspan=2) for label in compliance.RULES.values()],
            tall(pgettext("statistics table", "All rules met")),
        ],
        [
            cell
            for _rule in compliance.RULES
            for cell in (
                H(pgettext("statistics table", "Figure")),
                H(pgettext("statistics table", "Result")),
            )
        ],
    ]


def columns() -> list[Column]:
    cols = [
        Column("number", "int", 6),
        Column("pairing", "text", 24),
        Column("receiving", "text", 18),
        Column("supporting", "text", 18),
    ]
    for rule in compliance.RULES:
        cols += [Column(f"{rule}_figure", "text"), Column(f"{rule}_result", "text")]
    cols.append(Column("passed", "text"))
    return cols


def notes(semester, spec) -> list[str]:
    if semester is None:
        return [_("No semester lies wholly inside the period: no compliance.")]
    return [
        _("Compliance is judged on %(semester)s.") % {"semester": semester},
        _(
            "Semester rules are judged on that semester, the teachers exchanged and "
            "training rules on its school year, the backbone rule on the programme "
            "cycle. Thresholds are those of each pairing's programme."
        ),
        base.confirmation_note(spec),
    ]
