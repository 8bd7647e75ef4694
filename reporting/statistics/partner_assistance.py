"""Table 1, 对口支援工作统计表: pairings, people exchanged, teaching and research,
training, backbone teachers, student exchange, funds and goods, and compliance, by
region (or supporting school, or pairing), for any time span.

Each figure family is one query grouped by pairing, added up per row in Python for
every row level (data rows, each subtotal level, the total), so the query count
grows neither with the rows nor with the levels."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.choices import Direction, Side
from core.scope import visible
from dispatch.choices import ActivityKind, PersonRole, SecondmentKind
from dispatch.models import (
    Activity,
    BackboneCultivation,
    Secondment,
    Stint,
    TrainingParticipation,
)
from dispatch.selectors import counted_stints
from pairings import periods, selectors
from pairings.choices import TargetMetric
from pairings.models import Agreement, AgreementTarget, PairingParty
from projects.choices import DonationForm, FundingKind, FundingSource, GoodsCategory
from projects.models import Donation, FundingLine
from reporting.models import ReportingPeriod

from . import base, grouping
from .base import Column, HeaderCell, Row, Table

CODE = "partner_assistance"
LABEL = "label"
PARTIES = "pairing__parties__"
SOURCE_GROUPS = {
    "funds_government": [
        FundingSource.CENTRAL,
        FundingSource.PROVINCIAL,
        FundingSource.CITY,
        FundingSource.COUNTY,
    ],
    "funds_supporting": [FundingSource.SUPPORTING_GOVERNMENT, FundingSource.SCHOOL],
    "funds_other": [FundingSource.DONATION, FundingSource.OTHER],
}
FUND_KEYS = [*SOURCE_GROUPS, "funds_cash"]
LESSON_KINDS = [ActivityKind.DEMONSTRATION_LESSON, ActivityKind.OPEN_LESSON]
PREPARATION_KINDS = [
    ActivityKind.JOINT_PREPARATION,
    ActivityKind.OBSERVATION,
    ActivityKind.LESSON_TALK,
]
K, D = SecondmentKind, Direction
# domain.md §5a: every secondment in exactly one group, by type and direction.
# (key, condition, with days on post)
EXCHANGE_GROUPS = [
    ("teaching", Q(kind=K.TEACHING, direction=D.TO_RECEIVING), True),
    ("attachment", Q(kind=K.ATTACHMENT), True),
    ("shadowing", Q(kind=K.SHADOWING, direction=D.TO_SUPPORTING), True),
    ("outreach", Q(kind=K.OUTREACH), False),
    ("rotation", Q(kind=K.ROTATION), True),
    (
        "other",
        ~Q(kind__in=[K.ATTACHMENT, K.OUTREACH, K.ROTATION])
        & ~Q(kind=K.TEACHING, direction=D.TO_RECEIVING)
        & ~Q(kind=K.SHADOWING, direction=D.TO_SUPPORTING),
        True,
    ),
]
ATTACHMENT_FROM_RECEIVING = Q(kind=K.ATTACHMENT, direction=D.TO_SUPPORTING)


def exchange_keys() -> list[str]:
    keys = []
    for name, _q, days in EXCHANGE_GROUPS:
        keys += [f"{name}_people", f"{name}_times"]
        if name == "attachment":
            keys.append("attachment_from_receiving")
        if days:
            keys.append(f"{name}_days")
    return keys


INT_KEYS = [
    "pairings",
    "supporting_schools",
    "receiving_schools",
    "agreements",
    *exchange_keys(),
    "lessons",
    "lectures",
    "preparation",
    "research",
    "training_sessions",
    "training_times",
]


def build(*, user, spec) -> Table:
    """Table 1 for the user's scope and the spec's span and grouping."""
    span = base.period_of(spec)
    counted = visible(selectors.pairings_in_force(start=span.start, end=span.end), user)
    rows_of = grouping.groups(user=user, spec=spec, pairings=counted, as_of=span.end)
    semester = last_semester(span)
    unconfirmed = base.includes_unconfirmed(spec)
    stints = counted_stints(include_unconfirmed=unconfirmed)
    evaluated = _evaluate(counted, semester, unconfirmed)
    years = target_years(spec, span)
    levels = dict(rows_of.levels)
    if spec.group != "region":
        # Pairings (and money not tied to one) in the total but in no row of a
        # supporting school or pairing: a row of their own, so that the total
        # reconciles with its rows. Region rows hold every school.
        levels[grouping.COVERED] = rows_of.levels[grouping.DATA].merged()
    placement = grouping.Placement(rows_of.total)
    figures = _figures(user, span, years, counted, levels, placement, evaluated, stints)
    judged = evaluated is not None
    rows = []
    for entry in rows_of.entries:
        if entry.kind == grouping.TOTAL and spec.group != "region":
            left = grouping.rest(
                figures[grouping.TOTAL].get(0), figures[grouping.COVERED].get(0)
            )
            if left is not None:
                row = _row(defaultdict(lambda: 0, left), judged, years)
                row.values[LABEL] = grouping.rest_label()
                rows.append(row)
        found = figures[entry.level_name].get(entry.key) or defaultdict(lambda: 0)
        row = _row(found, judged, years)
        row.values[LABEL] = entry.label
        row.kind, row.level = entry.kind, entry.depth
        rows.append(row)
    return Table(
        code=CODE,
        title=_("Partner assistance work statistics") + base.unconfirmed_mark(spec),
        period_label=span.label,
        unit=_(
            "Unit: schools, items, persons, person-times, days, lessons, "
            "sessions, times, terms, 10,000 yuan, volumes, %"
        ),
        header=header(rows_of.label_header),
        columns=columns(),
        rows=rows,
        notes=notes(semester, spec, years),
        unit_name=rows_of.unit_name,
    )


# Figures ---------------------------------------------------------------------------


def _figures(
    user, span, years, counted, levels, placement, evaluated, stints
) -> dict[str, dict[int, dict]]:
    """{level name: {row key: {figure: exact value}}} for the rows of ``levels``.

    Each family is one query grouped by pairing (or, for distinct persons and
    schools, the distinct pairs), whatever the number of levels; a pairing's
    figures are then added in every row it lies in (``grouping.fold``), once per
    row, so a cross-region pairing counts once in a subtotal.

    Records of the counted pairings (agreements, targets, secondments, stints,
    activities, trainees, cultivations, parties) are not filtered by scope again:
    their scope rule is their pairing's (core/scope.py RULES) and ``counted`` is
    scoped; a second filter only made the planner loop. Money is filtered, since
    it is also seen through the school that received it. Secondments and days on
    post count the ``stints`` given (``dispatch.selectors.counted_stints``)."""
    places = {name: placement.of(level) for name, level in levels.items()}
    families: dict[str, list[dict]] = {name: [] for name in levels}
    # One family at a time, streamed into the rows of every level as it is read.
    for family in _by_pairing(user, span, years, counted, stints):
        folded = grouping.fold(family, places)
        for name in levels:
            families[name].append(folded[name])
    distinct = grouping.fold_distinct(
        itertools.chain(_parties(counted), _people(span, counted, stints)), places
    )
    placed = _money_by_school(user, span)
    coverage = _coverage(span, counted, places)
    result = {}
    for name, level in levels.items():
        families[name].append(distinct[name])
        families[name] += [
            grouping.fold_placed(family, placement.school_key(level))
            for family in placed
        ]
        result[name] = _merged(
            families[name], coverage[name], _compliance(places[name], evaluated)
        )
    return result


def _by_pairing(user, span, years, counted, stints):
    """The families of figures that add up over pairings, each grouped by
    pairing (one query each, run as it is taken)."""
    in_counted = {"pairing__in": counted}
    yield grouping.per_pairing(
        Agreement.objects.filter(signed_on__range=_range(span), **in_counted),
        "pairing_id",
        agreements=Count("pk"),
    )
    yield _secondments(span, counted, stints)
    yield _days(span, counted, stints)
    yield _activities(span, counted)
    yield _targets(span, years, counted)
    yield grouping.per_pairing(
        BackboneCultivation.objects.filter(
            recognised_on__range=_range(span), **in_counted
        ),
        "pairing_id",
        backbone_done=Count("pk"),
    )
    yield from _money_by_pairing(user, span)


def _merged(families, coverage, compliant) -> dict[int, dict]:
    keys = set(coverage) | set(compliant)
    for family in families:
        keys |= set(family)
    keys.discard(None)
    result = {}
    for key in keys:
        merged: dict = defaultdict(lambda: 0)
        for family in families:
            for name, value in (family.get(key) or {}).items():
                if value is not None:
                    merged[name] = merged[name] + value if name in merged else value
        merged.update(coverage.get(key, {}))
        merged.update(compliant.get(key, {}))
        result[key] = merged
    return result


def _parties(counted):
    """(pairing, figure, item) for the distinct pairings, supporting and receiving
    schools of each row (streamed)."""
    names = {Side.SUPPORTING: "supporting_schools", Side.RECEIVING: "receiving_schools"}
    parties = PairingParty.objects.filter(pairing__in=counted)
    for pairing in (
        parties.order_by("pairing_id")
        .values_list("pairing_id", flat=True)
        .distinct()
        .iterator(chunk_size=10_000)
    ):
        yield pairing, "pairings", pairing
    # Each school's rows together (grouping.fold_distinct counts one at a time).
    for pairing, school, side in (
        parties.filter(side__in=names)
        .order_by("school_id")
        .values_list("pairing_id", "school_id", "side")
        .iterator(chunk_size=10_000)
    ):
        yield pairing, names[side], school


def _range(span):
    return (span.start, span.end)


def _on_post(span, counted, stints: Q):
    on_post = Stint.objects.filter(
        stints, secondment=OuterRef("pk"), **periods.overlaps(span)
    )
    return Secondment.objects.filter(Exists(on_post), pairing__in=counted)


def _secondments(span, counted, stints) -> grouping.ByPairing:
    """人次 of the secondments on post in the span, by group, per pairing."""
    aggregates = {
        f"{name}_times": Count("pk", filter=q) for name, q, _days in EXCHANGE_GROUPS
    }
    aggregates["attachment_from_receiving"] = Count(
        "pk", filter=ATTACHMENT_FROM_RECEIVING
    )
    return grouping.per_pairing(
        _on_post(span, counted, stints), "pairing_id", **aggregates
    )


def _people(span, counted, stints):
    """(pairing, "<group>_people", person): 人 of the secondments on post in the
    span, by group (every secondment in exactly one group), streamed."""
    group = Case(
        *[When(q, then=Value(f"{name}_people")) for name, q, _days in EXCHANGE_GROUPS],
        output_field=CharField(),
    )
    return (
        _on_post(span, counted, stints)
        .annotate(group=group)
        .values_list("pairing_id", "group", "person_id")
        .distinct()
        .order_by("person_id")  # each person's rows together
        .iterator(chunk_size=10_000)
    )


def _days(span, counted, stints) -> grouping.ByPairing:
    """Days on post inside the span, by group (a stint across the edge counts the
    days inside), per pairing: ``periods.days_on_post`` per group, read with
    ``periods.days_of`` in ``_row``."""
    aggregates = {}
    for name, q, days in EXCHANGE_GROUPS:
        if days:
            found = periods.days_on_post(span, filter=_prefixed(q, "secondment__"))
            aggregates |= {f"{name}_{key}": value for key, value in found.items()}
    return grouping.per_pairing(
        Stint.objects.filter(stints, **periods.overlaps(span)).filter(
            secondment__pairing__in=counted
        ),
        "secondment__pairing_id",
        **aggregates,
    )


def _prefixed(q: Q, prefix: str) -> Q:
    """``q`` with every lookup reached through ``prefix``."""
    result = Q(_connector=q.connector, _negated=q.negated)
    for child in q.children:
        if isinstance(child, Q):
            result.children.append(_prefixed(child, prefix))
        else:
            result.children.append((f"{prefix}{child[0]}", child[1]))
    return result


def _activities(span, counted) -> grouping.ByPairing:
    training = Q(kind=ActivityKind.TRAINING)
    students = Q(kind=ActivityKind.STUDENT_EVENT)
    return grouping.per_pairing(
        Activity.objects.filter(date__range=_range(span), pairing__in=counted),
        "pairing_id",
        lessons=Sum("lessons", filter=Q(kind__in=LESSON_KINDS)),
        lectures=Count("pk", filter=Q(kind=ActivityKind.LECTURE)),
        preparation=Count("pk", filter=Q(kind__in=PREPARATION_KINDS)),
        research=Count("pk", filter=Q(kind=ActivityKind.RESEARCH)),
        training_sessions=Sum("sessions", filter=training),
        training_times=Sum("teacher_participants", filter=training),
        # Only student-exchange events: a lesson taught to pupils is teaching.
        student_activities=Count("pk", filter=students),
        student_times=Sum("student_participants", filter=students),
        # Trainings whose trainees are recorded only as a count.
        trainings_uncounted=Count(
            "pk",
            filter=training
            & Q(teacher_participants__gt=0)
            & ~Exists(TrainingParticipation.objects.filter(activity=OuterRef("pk"))),
        ),
    )


def _coverage(span, counted, places) -> dict[str, dict[int, dict]]:
    """{level name: {row key: {"trained", "subject_teachers"}}}: per row, the
    receiving-school subject teachers trained in the span (distinct persons, at
    most the school's subject teachers) and the subject teachers of those schools
    in the profile of the school year the span ends in.

    Two queries per table: the receiving schools with their subject teachers and
    pairings, and the distinct (home school, pairing, person) trained, streamed a
    school at a time (``places``: level name → ``Placement.of``), so nothing is
    kept per row and school."""
    year = periods.school_year_of(span.end)
    schools: dict[int, tuple[int, list[int]]] = {}
    for pairing, school, count in (
        PairingParty.objects.filter(pairing__in=counted)
        .filter(side=Side.RECEIVING, school__profiles__school_year=year)
        .order_by()
        .values_list("pairing_id", "school_id", "school__profiles__subject_teachers")
        .distinct()
    ):
        schools.setdefault(school, (count or 0, []))[1].append(pairing)
    receiving = PairingParty.objects.filter(
        pairing_id=OuterRef("activity__pairing_id"),
        school_id=OuterRef("person__home_school_id"),
        side=Side.RECEIVING,
    )
    trained = (  # (home school, pairing, person), a school's rows together
        TrainingParticipation.objects.filter(
            activity__kind=ActivityKind.TRAINING,
            activity__date__range=_range(span),
            activity__pairing__in=counted,
            person__role=PersonRole.TEACHER,
        )
        .filter(Exists(receiving))
        .values_list("person__home_school_id", "activity__pairing_id", "person_id")
        .distinct()
        .order_by("person__home_school_id", "person_id")
        .iterator(chunk_size=grouping.CHUNK)
    )
    result: dict[str, dict[int, dict]] = {name: {} for name in places}

    def cells(pairings) -> set[tuple[str, int]]:
        return {
            (name, key)
            for pairing in pairings
            for name, placed in places.items()
            for key in placed.get(pairing, ())
        }

    def settle(school, rows) -> None:
        count, pairings = schools.pop(school)
        rows_of_school = cells(pairings)
        persons: dict[tuple[str, int], int] = {}
        for _person, found in itertools.groupby(rows, key=lambda row: row[2]):
            for cell in cells(row[1] for row in found) & rows_of_school:
                persons[cell] = persons.get(cell, 0) + 1
        for name, key in rows_of_school:
            row = result[name].setdefault(key, {"trained": 0, "subject_teachers": 0})
            row["subject_teachers"] += count
            row["trained"] += min(persons.get((name, key), 0), count)

    for school, rows in itertools.groupby(trained, key=lambda row: row[0]):
        if school in schools:
            settle(school, rows)
    for school in list(schools):
        settle(school, ())
    return result


def _targets(span, years, counted) -> grouping.ByPairing:
    """Backbone-teacher targets of the school years ``years`` set by agreements
    signed by the end of the span, under the pairings counted in it."""
    if not years:
        return grouping.ByPairing()
    return grouping.per_pairing(
        AgreementTarget.objects.filter(
            metric=TargetMetric.BACKBONE_TEACHERS,
            year__in=years,
            agreement__signed_on__lte=span.end,
            agreement__pairing__in=counted,
        ),
        "agreement__pairing_id",
        backbone_target=Sum("planned"),
    )


def _money(user, span):
    """Funding lines received and donations in the span, in the user's scope, with
    their aggregates."""
    lines = visible(
        FundingLine.objects.filter(in_span(span), kind=FundingKind.RECEIVED), user
    )
    funds = {}
    for name, sources in SOURCE_GROUPS.items():
        source = Q(source__in=sources)
        funds[name] = Sum("amount", filter=source)
        funds[f"{name}_approx"] = Count("pk", filter=source & APPROX)
    donations = visible(Donation.objects.filter(date__range=_range(span)), user)
    goods, cash = Q(form=DonationForm.GOODS), Q(form=DonationForm.CASH)
    given = {
        "goods": Sum("amount", filter=goods),
        "goods_approx": Count("pk", filter=goods & APPROX),
        "books": Sum("quantity", filter=goods & Q(category=GoodsCategory.BOOKS)),
        "funds_cash": Sum("amount", filter=cash),
        "funds_cash_approx": Count("pk", filter=cash & APPROX),
    }
    return lines, funds, donations, given


def _money_by_pairing(user, span):
    """Funds received (funding lines of kind 到位 and cash donations) and goods
    donated in the span on a pairing (directly or through its project), per
    pairing: they count in the rows of the pairing's parties. The same universe
    as table 4 (domain.md §5a), with ``_money_by_school``."""
    lines, funds, donations, given = _money(user, span)
    yield grouping.per_pairing(
        lines.filter(pairing__isnull=False), "pairing_id", **funds
    )
    yield grouping.per_pairing(
        lines.filter(pairing__isnull=True, project__pairing__isnull=False),
        "project__pairing_id",
        **funds,
    )
    yield grouping.per_pairing(
        donations.filter(pairing__isnull=False), "pairing_id", **given
    )


def _money_by_school(user, span) -> list[list]:
    """Money not tied to a pairing, per receiving school (``*_unpaired``): it
    counts in the row of the school that received it."""
    lines, funds, donations, given = _money(user, span)
    cash = Q(form=DonationForm.CASH)
    return [
        grouping.per_school(
            lines.filter(pairing__isnull=True, project__pairing__isnull=True),
            "project__receiving_",
            **funds,
            funds_unpaired=Sum("amount"),
            funds_unpaired_approx=Count("pk", filter=APPROX),
        ),
        grouping.per_school(
            donations.filter(pairing__isnull=True),
            "recipient_",
            **given,
            funds_unpaired=Sum("amount", filter=cash),
            funds_unpaired_approx=Count("pk", filter=cash & APPROX),
        ),
    ]


APPROX = ~Q(amount_approximation="")


def in_span(span) -> Q:
    """Funding lines dated in the span; undated ones count on 31 December of their
    year."""
    return Q(date__range=_range(span)) | Q(
        date__isnull=True, year__in=undated_years(span)
    )


def last_semester(span) -> ReportingPeriod | None:
    """The last reporting period lying inside the span (compliance is judged on it)."""
    return (
        ReportingPeriod.objects.filter(start__gte=span.start, end__lte=span.end)
        .order_by("-start")
        .first()
    )


def _evaluate(counted, semester, unconfirmed=False) -> dict[int, bool] | None:
    """pairing id → meets every rule, for the pairings running in the semester (one
    batch call)."""
    if semester is None:
        return None
    term = periods.semester(semester)
    pairings = counted.filter(start_date__lte=term.end, end_date__gte=term.start)
    judged = base.evaluate(pairings, term, include_unconfirmed=unconfirmed)
    return {c.pairing.pk: c.passed for c in judged}


def _compliance(places, evaluated) -> dict[int, dict]:
    if not evaluated:
        return {}
    result: dict[int, dict] = defaultdict(lambda: {"compliant": 0, "evaluated": 0})
    for pairing_id, passed in evaluated.items():
        for key in places.get(pairing_id, ()):
            result[key]["evaluated"] += 1
            result[key]["compliant"] += int(passed)
    return result


def target_years(spec, span) -> list[int]:
    """The school years whose yearly targets a table uses (by their starting year,
    2024 = 2024-2025): a semester's or school year's own; for a calendar year the
    school year that ends in it (it holds eight of the year's months); for a cycle
    or a date range every school year starting inside it."""
    if spec.span == "semester":
        return [ReportingPeriod.objects.get(pk=spec.semester).school_year]
    if spec.span == "school_year":
        return [int(spec.year)]
    if spec.span == "calendar_year":
        return [int(spec.year) - 1]
    return [
        year
        for year in range(span.start.year, span.end.year + 1)
        if span.contains(dt.date(year, 9, 1))
    ]


def undated_years(span) -> list[int]:
    """Undated funding lines are placed on 31 December of their year."""
    return [
        year
        for year in range(span.start.year, span.end.year + 1)
        if span.contains(dt.date(year, 12, 31))
    ]


# Rows ------------------------------------------------------------------------------


def _row(f, judged: bool, years) -> Row:
    values = {}
    for key in INT_KEYS:
        if key.endswith("_days"):
            name = key.removesuffix("_days")
            values[key] = periods.days_of(
                {"clipped": f[f"{name}_clipped"], "stints": f[f"{name}_stints"]}
            )
        else:
            values[key] = int(f[key] or 0)
    values["training_coverage"] = (
        None
        if f["trainings_uncounted"]
        else base.rate(f["trained"], f["subject_teachers"])
    )
    values["backbone_target"] = (
        Decimal(f["backbone_target"] or 0).normalize() if years else None
    )
    values["backbone_done"] = int(f["backbone_done"] or 0)
    values["student_activities"] = int(f["student_activities"] or 0)
    values["student_times"] = int(f["student_times"] or 0)
    approximate = set()
    for key in FUND_KEYS:
        values[key] = base.wan(f[key])
        if f[f"{key}_approx"]:
            approximate |= {key, "funds_total"}
    # Sum exact yuan, round last (domain.md §5a).
    values["funds_total"] = base.wan(sum(Decimal(f[k] or 0) for k in FUND_KEYS))
    values["funds_unpaired"] = base.wan(f["funds_unpaired"])
    if f["funds_unpaired_approx"]:
        approximate.add("funds_unpaired")
    values["goods"] = base.wan(f["goods"])
    if f["goods_approx"]:
        approximate.add("goods")
    values["books"] = int(f["books"] or 0)
    if judged:
        values["compliant"] = int(f["compliant"] or 0)
        values["evaluated"] = int(f["evaluated"] or 0)
        values["compliance_rate"] = base.rate(values["compliant"], values["evaluated"])
    else:
        values.update(compliant=None, evaluated=None, compliance_rate=None)
    return Row(values=values, approximate=approximate)


# Layout ----------------------------------------------------------------------------

H = HeaderCell


def header(label: str) -> list[list[HeaderCell]]:
    def under(*texts):
        return [H(text, rowspan=2) for text in texts]

    persons, times, days = (
        pgettext("statistics table", "Persons"),
        pgettext("statistics table", "Person-times"),
        pgettext("statistics table", "Days"),
    )
    exchange = [
        (
            pgettext("statistics table", "Teaching support (supporting → receiving)"),
            [persons, times, days],
        ),
        (
            pgettext("statistics table", "Managers on attachment"),
            [
                persons,
                times,
                pgettext("statistics table", "Of which from the receiving side"),
                days,
            ],
        ),
        (
            pgettext(
                "statistics table",
                "Shadowing and further study (receiving → supporting)",
            ),
            [persons, times, days],
        ),
        (
            pgettext("statistics table", "Outreach teaching and training"),
            [persons, times],
        ),
        (pgettext("statistics table", "Exchange rotation"), [persons, times, days]),
        (
            pgettext("statistics table", "Other types and directions"),
            [persons, times, days],
        ),
    ]
    funds = [
        pgettext("statistics table", "Governments"),
        pgettext("statistics table", "Supporting side"),
        pgettext("statistics table", "Social donations and other"),
        pgettext("statistics table", "Cash donations"),
        pgettext("statistics table", "Subtotal"),
        pgettext("statistics table", "Of which not tied to a pairing"),
    ]
    return [
        [
            H(label, rowspan=3),
            H(pgettext("statistics table", "Pairings"), colspan=4),
            H(
                pgettext("statistics table", "Staff exchange"),
                colspan=sum(len(c) for _g, c in exchange),
            ),
            H(pgettext("statistics table", "Teaching and research"), colspan=4),
            H(pgettext("statistics table", "Training"), colspan=3),
            H(pgettext("statistics table", "Backbone teachers"), colspan=2),
            H(pgettext("statistics table", "Student exchange"), colspan=2),
            H(pgettext("statistics table", "Funds and goods"), colspan=len(funds) + 2),
            H(pgettext("statistics table", "Compliance"), colspan=3),
        ],
        [
            *under(
                pgettext("statistics table", "Pairings in progress"),
                pgettext("statistics table", "Supporting schools"),
                pgettext("statistics table", "Receiving schools"),
                pgettext("statistics table", "Agreements signed"),
            ),
            *[H(group, colspan=len(cells)) for group, cells in exchange],
            *under(
                pgettext("statistics table", "Demonstration / open lessons (lessons)"),
                pgettext("statistics table", "Lectures and reports (sessions)"),
                pgettext(
                    "statistics table", "Joint preparation and lesson critique (times)"
                ),
                pgettext("statistics table", "Teaching-research activities (times)"),
                pgettext("statistics table", "Terms"),
                pgettext("statistics table", "Person-times"),
                pgettext(
                    "statistics table", "Coverage of receiving-school teachers (%)"
                ),
                pgettext("statistics table", "Target"),
                pgettext("statistics table", "Achieved"),
                pgettext("statistics table", "Student exchange activities"),
                pgettext("statistics table", "Student person-times"),
            ),
            H(pgettext("statistics table", "Funds (10,000 yuan)"), colspan=len(funds)),
            *under(
                pgettext("statistics table", "Goods value (10,000 yuan)"),
                pgettext("statistics table", "Books (volumes)"),
                pgettext("statistics table", "Pairings compliant"),
                pgettext("statistics table", "Pairings evaluated"),
                pgettext("statistics table", "Compliance rate (%)"),
            ),
        ],
        [
            *[H(text) for _g, cells in exchange for text in cells],
            *[H(text) for text in funds],
        ],
    ]


def columns() -> list[Column]:
    cols = [Column(LABEL, "text", 24)]
    cols += [Column(key) for key in INT_KEYS]
    cols += [
        Column("training_coverage", "rate"),
        Column("backbone_target"),
        Column("backbone_done"),
        Column("student_activities"),
        Column("student_times"),
        *[Column(k, "wan") for k in [*FUND_KEYS, "funds_total", "funds_unpaired"]],
        Column("goods", "wan"),
        Column("books"),
        Column("compliant"),
        Column("evaluated"),
        Column("compliance_rate", "rate"),
    ]
    return cols


def notes(semester, spec, years) -> list[str]:
    result = [
        _(
            "A pairing counts in a period when it was in force during it (from its "
            "start to its end or termination date, not in preparation); what is "
            "dated after the period's end does not change its figures. Schools are "
            "placed in the regions they lay in at the end of the period."
        ),
        _(
            "A pairing, with its people, activities, funds and goods, is counted in "
            "every row where one of its schools lies, and once in the subtotals and "
            "the total: rows of cross-region pairings do not add up to the total."
        ),
        _(
            "Persons are distinct people; person-times are secondments on post in "
            "the period, each in exactly one group by type and direction (other: "
            "e.g. teaching support from the receiving side). Days on post count "
            "only the days of stints inside the period."
        ),
        base.confirmation_note(spec),
        _(
            "Student exchange counts only joint student events and their pupils; a "
            "lesson taught to pupils counts as teaching."
        ),
        _(
            "Training coverage: distinct receiving-school teachers trained in the "
            "period (at most each school's subject teachers) ÷ subject teachers in "
            "the school-year profile. —: some trainings record trainees only as a "
            "count, so coverage is not guessed."
        ),
        _(
            "Funds: every funding line received and every cash donation in the "
            "period, the same as table 4; governments: central, provincial, city "
            "and county funds; supporting side: the supporting side's government "
            "and school funds. Money on a pairing (directly or through its project) "
            "counts in the rows of its schools; money not tied to a pairing in the "
            "row of the school that received it. Undated funding lines count on 31 "
            "December of their year. 10,000 yuan are rounded half up from exact "
            "sums."
        ),
        _("≥: the figure includes approximate amounts (余, 约, 近, 以上)."),
    ]
    result.append(target_note(spec, years))
    if spec.group != "region":
        result.append(grouping.rest_note())
    if semester is None:
        result.append(_("No semester lies wholly inside the period: no compliance."))
    else:
        result.append(
            _("Compliance is judged on %(semester)s.") % {"semester": semester}
        )
    return result


def school_year_label(year: int) -> str:
    return f"{year}-{year + 1}"


def target_note(spec, years) -> str:
    if not years:
        return _(
            "Backbone-teacher target: no school year starts inside the period, so "
            "no target is shown (—)."
        )
    names = "、".join(school_year_label(y) for y in years)
    if spec.span == "calendar_year":
        return _(
            "Backbone-teacher target: a calendar year uses the targets of the "
            "school year ending in it (%(years)s), set by agreements signed by the "
            "period's end; achieved counts teachers recognised inside the period."
        ) % {"years": names}
    if spec.span == "semester":
        return _(
            "Backbone-teacher target: the whole-year target of the semester's "
            "school year (%(years)s); achieved counts only teachers recognised "
            "inside the semester."
        ) % {"years": names}
    return _(
        "Backbone-teacher target: the targets of school year(s) %(years)s, set by "
        "agreements signed by the period's end; achieved counts teachers "
        "recognised inside the period."
    ) % {"years": names}
