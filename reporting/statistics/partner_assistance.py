"""Table 1, 对口支援工作统计表: pairings, people exchanged, teaching and research,
training, backbone teachers, student exchange, funds and goods, and compliance, by
region (or supporting school, or pairing), for any time span.

Each figure family is one grouped query per row level (data rows, each subtotal
level, the total), so the query count does not grow with the number of rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.choices import Direction, Side
from core.scope import visible
from dispatch.choices import ActivityKind, SecondmentKind
from dispatch.models import (
    Activity,
    BackboneCultivation,
    Secondment,
    Stint,
    TrainingParticipation,
)
from pairings import compliance, periods
from pairings.choices import TargetMetric
from pairings.models import Agreement, AgreementTarget, Pairing, PairingParty
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
LESSON_KINDS = [ActivityKind.DEMONSTRATION_LESSON, ActivityKind.OPEN_LESSON]
PREPARATION_KINDS = [
    ActivityKind.JOINT_PREPARATION,
    ActivityKind.OBSERVATION,
    ActivityKind.LESSON_TALK,
]
INT_KEYS = [
    "pairings",
    "supporting_schools",
    "receiving_schools",
    "agreements",
    "teaching_people",
    "teaching_times",
    "teaching_days",
    "attachment_people",
    "attachment_times",
    "shadowing_people",
    "shadowing_times",
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
    counted = visible(
        Pairing.objects.filter(
            status__in=grouping.COUNTED_STATUSES,
            start_date__lte=span.end,
            end_date__gte=span.start,
        ),
        user,
    )
    rows_of = grouping.groups(user=user, spec=spec, pairings=counted)
    semester = last_semester(span)
    evaluated = _evaluate(counted, semester)
    figures = {
        name: _figures(user, span, spec, counted, level, evaluated)
        for name, level in rows_of.levels.items()
    }
    rows = []
    for entry in rows_of.entries:
        row = figures[entry.level_name].get(entry.key) or _empty(evaluated)
        row.values[LABEL] = entry.label
        row.kind, row.level = entry.kind, entry.depth
        rows.append(row)
    return Table(
        code=CODE,
        title=_("Partner assistance work statistics"),
        period_label=span.label,
        unit=_(
            "Unit: schools, items, persons, person-times, days, lessons, "
            "sessions, times, terms, 10,000 yuan, volumes, %"
        ),
        header=header(rows_of.label_header),
        columns=columns(),
        rows=rows,
        notes=notes(semester),
        unit_name=rows_of.unit_name,
    )


# Figures ---------------------------------------------------------------------------


def _grouped(queryset, prefix, level, **aggregates) -> dict:
    """{bucket: {name: value}} for the records of ``queryset`` (reaching a party
    through ``prefix``), one row per bucket of ``level``."""
    rows = (
        queryset.filter(**{f"{prefix}in": level.parties()})
        .annotate(bucket=level.key(prefix))
        .order_by()
        .values("bucket")
        .annotate(**aggregates)
    )
    return {row.pop("bucket"): row for row in rows}


def _figures(user, span, spec, counted, level, evaluated) -> dict[int, Row]:
    families = [
        _grouped(
            visible(PairingParty.objects.filter(pairing__in=counted), user),
            PARTIES,
            level,
            pairings=Count("pairing_id", distinct=True),
            supporting_schools=_schools(Side.SUPPORTING),
            receiving_schools=_schools(Side.RECEIVING),
        ),
        _grouped(
            visible(Agreement.objects.filter(signed_on__range=_range(span)), user),
            PARTIES,
            level,
            agreements=Count("pk", distinct=True),
        ),
        _secondments(user, span, level),
        _grouped(
            visible(Stint.objects.filter(**periods.overlaps(span)), user).filter(
                secondment__kind=SecondmentKind.TEACHING,
                secondment__direction=Direction.TO_RECEIVING,
            ),
            f"secondment__{PARTIES}",
            level,
            clipped=Sum(periods.clipped_duration(span)),
            stints=Count("pk", distinct=True),
        ),
        _activities(user, span, level),
        _trained(user, span, level),
        _grouped(
            visible(
                AgreementTarget.objects.filter(
                    metric=TargetMetric.BACKBONE_TEACHERS,
                    year__in=target_years(spec, span),
                ),
                user,
            ),
            f"agreement__{PARTIES}",
            level,
            backbone_target=Sum("planned"),
        ),
        _grouped(
            visible(
                BackboneCultivation.objects.filter(recognised_on__range=_range(span)),
                user,
            ),
            PARTIES,
            level,
            backbone_done=Count("pk", distinct=True),
        ),
        *_funds(user, span, level),
        _donations(user, span, level),
    ]
    teachers = _subject_teachers(user, span, counted, level)
    compliant = _compliance(level, evaluated)
    keys = set(teachers) | set(compliant)
    for family in families:
        keys |= set(family)
    result = {}
    for key in keys:
        merged: dict = defaultdict(lambda: 0)
        for family in families:
            for name, value in (family.get(key) or {}).items():
                if value is not None:
                    merged[name] = merged[name] + value if name in merged else value
        merged["subject_teachers"] = teachers.get(key, 0)
        merged.update(compliant.get(key, {}))
        result[key] = _row(merged, evaluated is not None)
    return result


def _schools(side):
    return Count("school_id", distinct=True, filter=Q(side=side))


def _range(span):
    return (span.start, span.end)


def _secondments(user, span, level):
    on_post = Stint.objects.filter(secondment=OuterRef("pk"), **periods.overlaps(span))
    aggregates = {}
    for name, kind, direction in [
        ("teaching", SecondmentKind.TEACHING, Direction.TO_RECEIVING),
        ("attachment", SecondmentKind.ATTACHMENT, None),
        ("shadowing", SecondmentKind.SHADOWING, Direction.TO_SUPPORTING),
    ]:
        q = Q(kind=kind) & (Q(direction=direction) if direction else Q())
        aggregates[f"{name}_people"] = Count("person_id", distinct=True, filter=q)
        aggregates[f"{name}_times"] = Count("pk", distinct=True, filter=q)
    return _grouped(
        visible(Secondment.objects.filter(Exists(on_post)), user),
        PARTIES,
        level,
        **aggregates,
    )


def _activities(user, span, level):
    training = Q(kind=ActivityKind.TRAINING)
    students = Q(student_participants__gt=0) | Q(kind=ActivityKind.STUDENT_EVENT)
    return _grouped(
        visible(Activity.objects.filter(date__range=_range(span)), user),
        PARTIES,
        level,
        lessons=Sum("lessons", filter=Q(kind__in=LESSON_KINDS)),
        lectures=Count("pk", distinct=True, filter=Q(kind=ActivityKind.LECTURE)),
        preparation=Count("pk", distinct=True, filter=Q(kind__in=PREPARATION_KINDS)),
        research=Count("pk", distinct=True, filter=Q(kind=ActivityKind.RESEARCH)),
        training_sessions=Sum("sessions", filter=training),
        training_times=Sum("teacher_participants", filter=training),
        student_activities=Count("pk", distinct=True, filter=students),
        student_times=Sum("student_participants"),
    )


def _trained(user, span, level):
    receiving = PairingParty.objects.filter(
        pairing_id=OuterRef("activity__pairing_id"),
        school_id=OuterRef("person__home_school_id"),
        side=Side.RECEIVING,
    )
    return _grouped(
        visible(
            TrainingParticipation.objects.filter(
                activity__kind=ActivityKind.TRAINING,
                activity__date__range=_range(span),
            ),
            user,
        ).filter(Exists(receiving)),
        f"activity__{PARTIES}",
        level,
        trained=Count("person_id", distinct=True),
    )


def _subject_teachers(user, span, counted, level) -> dict[int, int]:
    """Subject teachers of the bucket's receiving schools (each school once) in the
    profiles of the school year the span ends in."""
    year = periods.school_year_of(span.end)
    rows = (
        visible(PairingParty.objects.filter(pairing__in=counted), user)
        .filter(side=Side.RECEIVING, school__profiles__school_year=year)
        .filter(**{f"{PARTIES}in": level.parties()})
        .annotate(bucket=level.key(PARTIES))
        .order_by()
        .values_list("bucket", "school_id", "school__profiles__subject_teachers")
        .distinct()
    )
    totals: dict[int, int] = defaultdict(int)
    for bucket, _school, teachers in rows:
        totals[bucket] += teachers or 0
    return totals


def _funds(user, span, level):
    in_span = Q(date__range=_range(span)) | Q(
        date__isnull=True, year__in=undated_years(span)
    )
    lines = visible(
        FundingLine.objects.filter(in_span, kind=FundingKind.RECEIVED), user
    )
    aggregates = {}
    for name, sources in SOURCE_GROUPS.items():
        source = Q(source__in=sources)
        aggregates[name] = Sum("amount", filter=source)
        aggregates[f"{name}_approx"] = Count(
            "pk", distinct=True, filter=source & ~Q(amount_approximation="")
        )
    return [
        _grouped(lines.filter(pairing__isnull=False), PARTIES, level, **aggregates),
        _grouped(
            lines.filter(pairing__isnull=True, project__pairing__isnull=False),
            f"project__{PARTIES}",
            level,
            **aggregates,
        ),
    ]


def _donations(user, span, level):
    goods, cash = Q(form=DonationForm.GOODS), Q(form=DonationForm.CASH)
    approx = ~Q(amount_approximation="")
    return _grouped(
        visible(Donation.objects.filter(date__range=_range(span)), user),
        PARTIES,
        level,
        goods=Sum("amount", filter=goods),
        goods_approx=Count("pk", distinct=True, filter=goods & approx),
        books=Sum("quantity", filter=goods & Q(category=GoodsCategory.BOOKS)),
        cash=Sum("amount", filter=cash),
        cash_approx=Count("pk", distinct=True, filter=cash & approx),
    )


def last_semester(span) -> ReportingPeriod | None:
    """The last reporting period lying inside the span (compliance is judged on it)."""
    return (
        ReportingPeriod.objects.filter(start__gte=span.start, end__lte=span.end)
        .order_by("-start")
        .first()
    )


def _evaluate(counted, semester) -> dict[int, bool] | None:
    """pairing id → meets every rule, for the pairings running in the semester (one
    batch call)."""
    if semester is None:
        return None
    term = periods.semester(semester)
    pairings = counted.filter(start_date__lte=term.end, end_date__gte=term.start)
    return {c.pairing.pk: c.passed for c in compliance.evaluate(pairings, term)}


def _compliance(level, evaluated) -> dict[int, dict]:
    if not evaluated:
        return {}
    result: dict[int, dict] = defaultdict(lambda: {"compliant": 0, "evaluated": 0})
    for pairing_id, bucket in (
        PairingParty.objects.filter(pk__in=level.parties(), pairing_id__in=evaluated)
        .annotate(bucket=level.key())
        .values_list("pairing_id", "bucket")
    ):
        result[bucket]["evaluated"] += 1
        result[bucket]["compliant"] += int(evaluated[pairing_id])
    return result


def target_years(spec, span) -> list[int]:
    """The years of the agreements' yearly targets that the span covers: the school
    year's starting year for school-year and semester spans, else calendar years."""
    if spec.span == "semester":
        return [ReportingPeriod.objects.get(pk=spec.semester).school_year]
    if spec.span == "school_year":
        return [int(spec.year)]
    return list(range(span.start.year, span.end.year + 1))


def undated_years(span) -> list[int]:
    """Undated funding lines are placed on 31 December of their year."""
    return [
        year
        for year in range(span.start.year, span.end.year + 1)
        if span.contains(dt.date(year, 12, 31))
    ]


# Rows ------------------------------------------------------------------------------


def _empty(evaluated) -> Row:
    return _row(defaultdict(lambda: 0), evaluated is not None)


def _row(f, judged: bool) -> Row:
    values = {key: int(f[key] or 0) for key in INT_KEYS}
    values["teaching_days"] = periods_days(f["clipped"]) + int(f["stints"] or 0)
    values["training_coverage"] = base.rate(f["trained"], f["subject_teachers"])
    values["backbone_target"] = Decimal(f["backbone_target"] or 0).normalize()
    values["backbone_done"] = int(f["backbone_done"] or 0)
    values["student_activities"] = int(f["student_activities"] or 0)
    values["student_times"] = int(f["student_times"] or 0)
    approximate = set()
    yuan = {
        "funds_government": f["funds_government"],
        "funds_supporting": f["funds_supporting"],
        "funds_other": (f["funds_other"] or 0) + (f["cash"] or 0),
    }
    approx = {
        "funds_government": f["funds_government_approx"],
        "funds_supporting": f["funds_supporting_approx"],
        "funds_other": f["funds_other_approx"] + f["cash_approx"],
    }
    for key, amount in yuan.items():
        values[key] = base.wan(amount)
        if approx[key]:
            approximate |= {key, "funds_total"}
    values["funds_total"] = base.wan(sum(Decimal(v or 0) for v in yuan.values()))
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


def periods_days(value) -> int:
    """A summed duration (timedelta, or whole days on some backends) in days."""
    if value is None or value == 0:
        return 0
    if isinstance(value, dt.timedelta):
        return value.days
    return int(value)


# Layout ----------------------------------------------------------------------------

H = HeaderCell


def header(label: str) -> list[list[HeaderCell]]:
    def under(*texts):
        return [H(t, rowspan=2) for t in texts]

    return [
        [
            H(label, rowspan=3),
            H(pgettext("statistics table", "Pairings"), colspan=4),
            H(pgettext("statistics table", "Staff exchange"), colspan=7),
            H(pgettext("statistics table", "Teaching and research"), colspan=4),
            H(pgettext("statistics table", "Training"), colspan=3),
            H(pgettext("statistics table", "Backbone teachers"), colspan=2),
            H(pgettext("statistics table", "Student exchange"), colspan=2),
            H(pgettext("statistics table", "Funds and goods"), colspan=6),
            H(pgettext("statistics table", "Compliance"), colspan=3),
        ],
        [
            *under(
                pgettext("statistics table", "Pairings in progress"),
                pgettext("statistics table", "Supporting schools"),
                pgettext("statistics table", "Receiving schools"),
                pgettext("statistics table", "Agreements signed"),
            ),
            H(pgettext("statistics table", "Teachers seconded"), colspan=3),
            H(pgettext("statistics table", "Managers on attachment"), colspan=2),
            H(pgettext("statistics table", "Receiving-side shadowing"), colspan=2),
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
                pgettext("statistics table", "Activities"),
                pgettext("statistics table", "Student person-times"),
            ),
            H(pgettext("statistics table", "Funds (10,000 yuan)"), colspan=4),
            *under(
                pgettext("statistics table", "Goods value (10,000 yuan)"),
                pgettext("statistics table", "Books (volumes)"),
                pgettext("statistics table", "Pairings compliant"),
                pgettext("statistics table", "Pairings evaluated"),
                pgettext("statistics table", "Compliance rate (%)"),
            ),
        ],
        [
            H(pgettext("statistics table", "Persons")),
            H(pgettext("statistics table", "Person-times")),
            H(pgettext("statistics table", "Days")),
            H(pgettext("statistics table", "Persons")),
            H(pgettext("statistics table", "Person-times")),
            H(pgettext("statistics table", "Persons")),
            H(pgettext("statistics table", "Person-times")),
            H(pgettext("statistics table", "Governments")),
            H(pgettext("statistics table", "Supporting side")),
            H(pgettext("statistics table", "Donations and other")),
            H(pgettext("statistics table", "Subtotal")),
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
        *[Column(k, "wan") for k in [*SOURCE_GROUPS, "funds_total", "goods"]],
        Column("books"),
        Column("compliant"),
        Column("evaluated"),
        Column("compliance_rate", "rate"),
    ]
    return cols


def notes(semester) -> list[str]:
    result = [
        _(
            "A pairing, with its people, activities, funds and goods, is counted in "
            "every row where one of its schools lies, and once in the subtotals and "
            "the total: rows of cross-region pairings do not add up to the total."
        ),
        _(
            "Persons are distinct people; person-times are secondments. Days on "
            "post count only the days of stints inside the period."
        ),
        _(
            "Governments: central, provincial, city and county funds; supporting "
            "side: the supporting side's government and school funds; donations and "
            "other: social donations, other sources and cash donations. Undated "
            "funding lines count on 31 December of their year."
        ),
        _("≥: the figure includes approximate amounts (余, 约, 近, 以上)."),
    ]
    if semester is None:
        result.append(_("No semester lies wholly inside the period: no compliance."))
    else:
        result.append(
            _("Compliance is judged on %(semester)s.") % {"semester": semester}
        )
    return result
