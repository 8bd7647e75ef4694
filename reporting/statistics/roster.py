"""Table 2, 支教人员花名册: one row per secondment with a stint in the span, with its
days on post in the span, longest stint, time-on-post rule and yearly appraisals.

The province has some 40,000 secondments, so the rows are a generator over one
streamed query (read in chunks, no grouping so it streams from the first row); stint
figures and appraisals are two grouped queries per 10,000 secondments, read into
dictionaries by secondment, so there is no query per row and memory stays flat.
ID numbers are never shown."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.db.models import Exists, F, Max, Min, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.choices import Direction
from core.scope import visible
from dispatch.choices import (
    AppraisalResult,
    Gender,
    SecondmentKind,
    Subject,
    Title,
)
from dispatch.models import Appraisal, Secondment, Stint
from dispatch.selectors import counted_stints
from pairings import periods, selectors
from reporting.compliance import engine as compliance
from reporting.compliance.engine import among

from . import base
from .base import Column, HeaderCell, Row, Table
from .grouping import top_regions

CODE = "roster"
CHUNK = 2000
NONE = "—"
INTERNAL = {"planned_start", "planned_end", "min_days", "min_stint"}
FIELDS = {
    "name": "person__name",
    "gender": "person__gender",
    "sending_school": "sending_school__name",
    "host_school": "host_school__name",
    "kind": "kind",
    "direction": "direction",
    "subject": "subject",
    "title": "person__title",
    "batch": "batch",
    "planned_start": "planned_start",
    "planned_end": "planned_end",
    "min_days": "pairing__programme__min_days_on_post",
    "min_stint": "pairing__programme__min_stint_days",
}


def build(*, user, spec) -> Table:
    """The roster of the secondments in the user's scope on post in the span."""
    span = base.period_of(spec)
    stints = counted_stints(include_unconfirmed=base.includes_unconfirmed(spec))
    return Table(
        code=CODE,
        title=_("Roster of seconded staff") + base.unconfirmed_mark(spec),
        period_label=span.label,
        unit=_("Unit: days"),
        header=[[HeaderCell(text) for text in header_texts()]],
        columns=columns(),
        rows=rows(user, span, stints),
        notes=[*notes(), base.confirmation_note(spec)],
        unit_name=unit_name(user, spec),
    )


def counted(user, span) -> list[int]:
    """The ids of the visible pairings in force in the span (those table 1
    counts), read once. A secondment's scope rule is its pairing's
    (core/scope.py), so the secondments of these pairings are the visible ones:
    the scope is applied once, to the pairings, not again to every secondment,
    stint and appraisal. Read first and passed as one array, they let the
    planner start from the secondments of these pairings (national, Shandong's
    bureau: 3.5 s → 1.0 s; with the scope as a subquery it joined all 400,000
    secondments with their people and schools before filtering)."""
    return list(
        visible(selectors.pairings_in_force(start=span.start, end=span.end), user)
        .order_by()
        .values_list("pk", flat=True)
    )


def secondments(pairings: list[int], span, stints: Q):
    """The secondments of ``pairings`` (see ``counted``) with a stint (of those
    ``stints`` counts) overlapping the span, in roster order: a plain join with no
    grouping, so PostgreSQL streams it straight from the indexes."""
    on_post = Stint.objects.filter(
        stints, secondment=OuterRef("pk"), **periods.overlaps(span)
    )
    return (
        Secondment.objects.filter(Exists(on_post), among("pairing_id", pairings))
        .order_by(
            "sending_school__region__path", "sending_school__name", "person__name", "pk"
        )
        .values("pk", *FIELDS.values())
    )


def stint_figures(secondments: list[int], span, stints: Q) -> dict[int, tuple]:
    """Per secondment of a batch of the roster, from its stints touching the span:
    (days on post in the span, longest, shortest) in one grouped query on the
    stints table."""
    length = F("end") - F("start")
    stints = (
        Stint.objects.filter(
            stints, among("secondment_id", secondments), **periods.overlaps(span)
        )
        .order_by()
        .values("secondment_id")
        .annotate(
            **periods.days_on_post(span), longest=Max(length), shortest=Min(length)
        )
    )
    return {
        row["secondment_id"]: (
            periods.days_of(row),
            periods.whole_days(row["longest"]) + 1,
            periods.whole_days(row["shortest"]) + 1,
        )
        for row in stints
    }


def appraisals_of(secondments: list[int], span) -> dict[int, dict[int, str]]:
    """Per secondment of a batch of the roster, its appraisal result for each year
    the span touches."""
    result: dict[int, dict[int, str]] = {}
    rows = (
        Appraisal.objects.filter(
            among("secondment_id", secondments),
            year__in=appraisal_years(span),
        )
        .order_by()
        .values_list("secondment_id", "year", "result")
    )
    for secondment, year, value in rows:
        result.setdefault(secondment, {})[year] = value
    return result


# Secondments whose stint figures and appraisals are read at once: two grouped
# queries a batch, so memory stays flat however long the roster (at national
# scale the whole roster's, 300,000 secondments, held about 170 MB).
FIGURES_AT_ONCE = 10_000


def _with_figures(records, span, stints: Q):
    """(number, record, its batch's stint figures, its batch's appraisals) for
    each record of the streamed roster, the figures read a batch at a time."""
    records, number = iter(records), 0
    while batch := list(islice(records, FIGURES_AT_ONCE)):
        ids = [r["pk"] for r in batch]
        figures, appraisals = stint_figures(ids, span, stints), appraisals_of(ids, span)
        for one in batch:
            number += 1
            yield number, one, figures, appraisals


def appraisal_years(span) -> list[int]:
    """The calendar years the span touches (appraisals are yearly)."""
    return list(range(span.start.year, span.end.year + 1))


def rows(user, span, stints: Q) -> Iterator[Row]:
    # Labels are fixed now, in the language the table is built in, not when a
    # worker consumes the rows.
    labels = {
        "gender": labels_of(Gender),
        "kind": labels_of(SecondmentKind),
        "direction": labels_of(Direction),
        "subject": labels_of(Subject),
        "title": labels_of(Title),
    }
    results = labels_of(AppraisalResult)
    years = appraisal_years(span)
    yes, no = _("yes"), _("no")
    dates_format = _("%(start)s to %(end)s")

    def generate():
        # Read when the first row is asked for, like the streamed query.
        pairings = counted(user, span)
        queryset = secondments(pairings, span, stints)
        for number, record, figures, appraisals in _with_figures(
            queryset.iterator(chunk_size=CHUNK), span, stints
        ):
            values = {"number": number}
            for key, lookup in FIELDS.items():
                if key in INTERNAL:
                    continue
                value = record[lookup]
                values[key] = labels[key].get(value, value) if key in labels else value
            values["planned"] = dates_text(
                record["planned_start"], record["planned_end"], dates_format
            )
            days, longest, shortest = figures.get(record["pk"], (0, 0, 0))
            values["days"] = days
            values["longest"] = longest
            if record["kind"] in compliance.ON_POST_KINDS:
                met = days >= record[FIELDS["min_days"]] and (
                    shortest >= record[FIELDS["min_stint"]]
                )
                values["compliant"] = yes if met else no
            else:
                values["compliant"] = NONE
            yearly = appraisals.get(record["pk"], {})
            values["appraisals"] = "、".join(
                f"{year} {results.get(result, result)}"
                for year in years
                if (result := yearly.get(year))
            )
            yield Row(values=values)

    return generate()


def labels_of(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def dates_text(start, end, text_format: str | None = None) -> str:
    """Two dates as one text, e.g. 2024-09-01至2025-01-15; a missing one is left
    out. ``text_format`` is the translated format, looked up once per table."""
    if start is None and end is None:
        return NONE
    return (text_format or _("%(start)s to %(end)s")) % {
        "start": start.isoformat() if start else "",
        "end": end.isoformat() if end else "",
    }


def unit_name(user, spec) -> str:
    """填报单位: the user's top regions (or the spec's region), as in table 1."""
    return "、".join(region.name for region in top_regions(user=user, spec=spec))


# Layout ----------------------------------------------------------------------------


def header_texts() -> list[str]:
    return [
        pgettext("statistics table", "No."),
        pgettext("statistics table", "Name"),
        pgettext("statistics table", "Gender"),
        pgettext("statistics table", "Sending school"),
        pgettext("statistics table", "Host school"),
        pgettext("statistics table", "Type"),
        pgettext("statistics table", "Direction"),
        pgettext("statistics table", "Subject"),
        pgettext("statistics table", "Professional title"),
        pgettext("statistics table", "Batch"),
        pgettext("statistics table", "Planned dates"),
        pgettext("statistics table", "Days on post in the period"),
        pgettext("statistics table", "Longest stint (days)"),
        pgettext("statistics table", "Rule met"),
        pgettext("statistics table", "Yearly appraisal"),
    ]


def columns() -> list[Column]:
    return [
        Column("number"),
        Column("name", "text"),
        Column("gender", "text"),
        Column("sending_school", "text"),
        Column("host_school", "text"),
        Column("kind", "text"),
        Column("direction", "text"),
        Column("subject", "text"),
        Column("title", "text"),
        Column("batch"),
        Column("planned", "text"),
        Column("days"),
        Column("longest"),
        Column("compliant", "text"),
        Column("appraisals", "text"),
    ]


def notes() -> list[str]:
    return [
        _(
            "One row per secondment (person-time) with a stint in the period. Days "
            "on post count only the days of stints inside the period; the longest "
            "stint is the whole length of the longest stint touching the period."
        ),
        _(
            "Rule met: the time-on-post rule of the pairing's programme, judged on "
            "the whole period: days on post in the period at least the programme's "
            "days per semester, and every stint touching the period at least its "
            "minimum consecutive days. For periods longer than a semester the days "
            "threshold is not multiplied. Outreach teaching (送教送培) is not judged "
            "(—)."
        ),
        _(
            "Yearly appraisal: the host school's results for the calendar years the "
            "period touches."
        ),
    ]
