"""Table 7, 结对关系一览表: one row per pairing in scope that runs during the span
(its dates overlap the span), ordered by the region and name of its receiving
schools. Pairings are read as tuples and each chunk's parties as (side, lead,
school name) tuples; the agreement flag is an ``Exists``, so the table takes the
same few queries however many pairings it lists (one more per 2,000 pairings,
each chunk's parties). The rows are streamed into the
sheet; the table carries their count for the check against table 1."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.choices import Side
from core.scope import visible
from pairings import selectors
from pairings.choices import PairingMode, PairingStatus
from pairings.models import Agreement, PairingParty
from reporting.compliance.engine import among

from . import base, grouping
from .base import Column, HeaderCell, Row, Table
from .roster import CHUNK, labels_of

CODE = "pairing_list"
KEYS = [
    "number",
    "receiving",
    "supporting",
    "lead",
    "programme",
    "mode",
    "aid_types",
    "dates",
    "status",
    "agreement",
]


# The pairing's columns the table reads, as tuples: no model instance per pairing.
FIELDS = (
    "pk",
    "name",
    "mode",
    "aid_teaching",
    "aid_management",
    "aid_funding",
    "start_date",
    "end_date",
    "status",
    "programme__name",
    "programme__cycle_end",
    "agreement_signed",
)


class Pairing(NamedTuple):
    pk: int
    name: str
    mode: str
    aid_teaching: bool
    aid_management: bool
    aid_funding: bool
    start_date: dt.date
    end_date: dt.date
    status: str
    programme_name: str
    cycle_end: dt.date
    agreement_signed: bool


def pairings(*, user, span, area):
    """The visible pairings in force during the span (table 1's universe) with a
    school in ``area`` (a grouping level: the table's regions as they were then),
    ordered by their first receiving school, with an ``agreement_signed`` flag."""
    first_receiving = PairingParty.objects.filter(
        pairing_id=OuterRef("pk"), side=Side.RECEIVING
    ).order_by("school__region__path", "school__name", "pk")
    signed = Agreement.objects.filter(
        pairing_id=OuterRef("pk"), signed_on__lte=span.end
    )
    return (
        visible(
            selectors.pairings_in_force(start=span.start, end=span.end).filter(
                pk__in=PairingParty.objects.filter(area.within()).values("pairing_id"),
            ),
            user,
        )
        .annotate(
            receiving_path=Subquery(first_receiving.values("school__region__path")[:1]),
            receiving_name=Subquery(first_receiving.values("school__name")[:1]),
            agreement_signed=Exists(signed),
        )
        .order_by("receiving_path", "receiving_name", "name", "pk")
    )


def build(*, user, spec) -> Table:
    """Table 7 for the user's scope and the spec's span."""
    span = base.period_of(spec)
    rows_of = grouping.groups(
        user=user,
        spec=base.Spec(**{**spec.as_dict(), "group": "region"}),
        as_of=span.end,
    )
    found = pairings(user=user, span=span, area=rows_of.total)
    return Table(
        code=CODE,
        title=_("List of pairings"),
        period_label=span.label,
        unit="",
        header=header(),
        columns=columns(),
        rows=_rows(found, span, labels()),
        # Counted in the database, for the check against table 1.
        count=found.count(),
        notes=[
            _(
                "Pairings in force during the period (from the start to the end or "
                "termination date, not in preparation), the pairings table 1 "
                "counts, with their status at the end of the period: one still "
                "running then shows its start and its programme's cycle end, and "
                "one ended or terminated later shows as in progress. "
                "Agreement signed: an agreement signed on or before the end of the "
                "period."
            )
        ],
        unit_name=rows_of.unit_name,
    )


def _rows(found, span, texts) -> Iterator[Row]:
    """The rows, read as tuples in chunks, each chunk with its parties' school
    names (one query), as the sheet is written: no list of 40,000 pairings or
    rows at national scale, and no model instance per pairing or party."""
    number = 0
    chunk: list[Pairing] = []
    for values in found.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        chunk.append(Pairing(*values))
        if len(chunk) == CHUNK:
            yield from _chunk_rows(chunk, number, span, texts)
            number += len(chunk)
            chunk = []
    yield from _chunk_rows(chunk, number, span, texts)


def _chunk_rows(chunk, number, span, texts) -> Iterator[Row]:
    if not chunk:
        return
    parties = _parties([pairing.pk for pairing in chunk])
    for offset, pairing in enumerate(chunk, start=1):
        yield Row(
            values=_values(
                number + offset, pairing, parties.get(pairing.pk, ()), span, texts
            )
        )


def _parties(ids: list[int]) -> dict[int, list[tuple]]:
    """pairing id → its parties as (side, is_lead, school name), in the order
    they are listed: by side, the lead first, then by region and name."""
    found: dict[int, list[tuple]] = defaultdict(list)
    for pairing_id, side, is_lead, name in (
        PairingParty.objects.filter(among("pairing_id", ids))
        .order_by(
            "pairing_id",
            "side",
            "-is_lead",
            "school__region__path",
            "school__name",
            "pk",
        )
        .values_list("pairing_id", "side", "is_lead", "school__name")
    ):
        found[pairing_id].append((side, is_lead, name))
    return found


def labels() -> dict:
    """The texts of the rows, translated once per table rather than per row."""
    return {
        "teaching": pgettext("statistics table", "Teaching staff"),
        "management": pgettext("statistics table", "Management"),
        "funding": pgettext("statistics table", "Funds and goods"),
        "mode": labels_of(PairingMode),
        "status": labels_of(PairingStatus),
        "running": _("from %(start)s (cycle to %(end)s)"),
        "yes": _("Yes"),
        "no": _("No"),
    }


def aid_types(pairing, texts: dict) -> str:
    chosen = [
        (pairing.aid_teaching, texts["teaching"]),
        (pairing.aid_management, texts["management"]),
        (pairing.aid_funding, texts["funding"]),
    ]
    return "、".join(text for flag, text in chosen if flag)


def _values(number, pairing: Pairing, parties, span, texts) -> dict:
    def names(side):
        return "、".join(name for on, _lead, name in parties if on == side)

    lead = next((name for _side, is_lead, name in parties if is_lead), "")
    return {
        "number": number,
        "receiving": names(Side.RECEIVING),
        "supporting": names(Side.SUPPORTING),
        "lead": lead,
        "programme": pairing.programme_name,
        "mode": texts["mode"].get(pairing.mode, pairing.mode),
        "aid_types": aid_types(pairing, texts),
        **dates_and_status(pairing, span, texts),
        "agreement": texts["yes"] if pairing.agreement_signed else texts["no"],
    }


def dates_and_status(pairing: Pairing, span, texts: dict) -> dict:
    """Dates and status as they were at the end of the span: a pairing still
    running then shows its start and its programme's cycle end (its own end may
    have changed since, by a termination); one that ended or was terminated
    later was in progress then."""
    statuses = texts["status"]
    start = pairing.start_date.isoformat()
    if pairing.end_date > span.end:
        later = pairing.status in (PairingStatus.ENDED, PairingStatus.TERMINATED)
        status = PairingStatus.ACTIVE if later else pairing.status
        return {
            "dates": texts["running"]
            % {"start": start, "end": pairing.cycle_end.isoformat()},
            "status": statuses.get(status, status),
        }
    return {
        "dates": f"{start} – {pairing.end_date.isoformat()}",
        "status": statuses.get(pairing.status, pairing.status),
    }


def header() -> list[list[HeaderCell]]:
    texts = [
        pgettext("statistics table", "No."),
        pgettext("statistics table", "Receiving school(s)"),
        pgettext("statistics table", "Supporting school(s)"),
        pgettext("statistics table", "Lead unit"),
        pgettext("statistics table", "Programme"),
        pgettext("statistics table", "Mode"),
        pgettext("statistics table", "Aid types"),
        pgettext("statistics table", "Start – end"),
        pgettext("statistics table", "Status"),
        pgettext("statistics table", "Agreement signed"),
    ]
    return [[HeaderCell(text) for text in texts]]


def columns() -> list[Column]:
    widths = [6, 24, 24, 20, 20, 10, 18, 24, 10, 10]
    kinds = ["int"] + ["text"] * 9
    return [Column(k, kind, w) for k, kind, w in zip(KEYS, kinds, widths, strict=True)]
