"""The compliance engine: for each pairing and a semester, every rule of its programme
with its figure, threshold and result. Semester rules are judged on the semester,
school-year rules on the school year that contains it, the backbone rule on the cycle.

Everything is computed for a batch of pairings with a fixed number of grouped queries,
so a compliance list of thousands of pairings costs the same dozen queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    Min,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.choices import Direction, Side
from core.scope import region_q
from dispatch.choices import ActivityKind, SecondmentKind
from dispatch.models import (
    Activity,
    BackboneCultivation,
    Secondment,
    Stint,
    TrainingParticipation,
)
from dispatch.selectors import counted_stints
from pairings import periods
from pairings.models import Pairing, PairingAssessment, PairingParty, SchoolYearProfile
from pairings.selectors import pairing_list, school_year_of

MANAGERS = "managers"
TEACHERS = "teachers"
TIME_ON_POST = "time_on_post"
TRAINING = "training_coverage"
BACKBONE = "backbone"
RESEARCH = "research"
ASSESSMENT = "assessment"

RULES = {
    MANAGERS: gettext_lazy("Managers on attachment each way"),
    TEACHERS: gettext_lazy("Teachers exchanged"),
    TIME_ON_POST: gettext_lazy("Time on post"),
    TRAINING: gettext_lazy("Training coverage of receiving-school teachers"),
    BACKBONE: gettext_lazy("Backbone teachers cultivated"),
    RESEARCH: gettext_lazy("Teaching-research activities"),
    ASSESSMENT: gettext_lazy("Bureau assessment"),
}
TEACHER_KINDS = [
    SecondmentKind.TEACHING,
    SecondmentKind.ROTATION,
    SecondmentKind.SHADOWING,
]
# Outreach visits are counted as activities, not as time on post.
ON_POST_KINDS = [
    SecondmentKind.TEACHING,
    SecondmentKind.ATTACHMENT,
    SecondmentKind.ROTATION,
    SecondmentKind.SHADOWING,
]


# The rules' messages, translated once per ``evaluate`` call (not once per pairing:
# a national list judges ~50,000 pairings).
MESSAGES = {
    "each_way": gettext_noop(
        "supporting → receiving %(out)s, receiving → supporting %(back)s"
    ),
    "at_least_each_way": gettext_noop("≥ %(n)s each way"),
    "at_least_in_all": gettext_noop("≥ %(n)s in all"),
    "short_days": gettext_noop("%(name)s: %(days)s days this semester < %(need)s days"),
    "short_stint": gettext_noop(
        "%(name)s: a stint of %(days)s consecutive days < %(need)s days"
    ),
    "people_meet": gettext_noop("%(ok)s of %(all)s people meet it"),
    "on_post_threshold": gettext_noop(
        "≥ %(days)s days per semester, each stint ≥ %(stint)s days"
    ),
    "percent_at_least": gettext_noop("≥ %(n)s%%"),
    "no_teacher_count_year": gettext_noop(
        "%(n)s trained; no subject-teacher count for the year"
    ),
    "coverage": gettext_noop(
        "%(trained)s of %(teachers)s subject teachers (%(rate).1f%%)"
    ),
    "no_teacher_count": gettext_noop("%(n)s cultivated; no subject-teacher count"),
    "cultivated": gettext_noop("%(n)s cultivated (%(teachers)s subject teachers)"),
    "at_least": gettext_noop("≥ %(n)s"),
    "activities": gettext_noop("%(n)s activities"),
    "assessments": gettext_noop("%(n)s assessments"),
    "cycle": gettext_noop("cycle %(start)s – %(end)s"),
}


class Messages:
    """The rule messages in the active language; a text that many pairings share
    (a threshold, a cycle) is formatted once and the same string kept for all."""

    def __init__(self):
        self.templates = {key: _(text) for key, text in MESSAGES.items()}
        self.shared: dict[tuple, str] = {}

    def __call__(self, key: str, **values) -> str:
        return self.templates[key] % values

    def once(self, key: str, **values) -> str:
        found = (key, *values.items())
        text = self.shared.get(found)
        if text is None:
            text = self.shared[found] = self.templates[key] % values
        return text


@dataclass(slots=True)
class RuleResult:
    rule: str
    period: str
    figure: str
    threshold: str
    passed: bool | None  # None: no data to judge
    details: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(RULES[self.rule])

    @property
    def status(self) -> str:
        return {True: "pass", False: "fail", None: "no_data"}[self.passed]


@dataclass(slots=True)
class PairingCompliance:
    pairing: Pairing
    results: list[RuleResult]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def result(self, rule: str) -> RuleResult:
        return next(r for r in self.results if r.rule == rule)


def evaluate(
    pairings, semester: periods.Period, *, include_unconfirmed: bool = False
) -> list[PairingCompliance]:
    """Compliance of each pairing (a queryset or list) for the semester. Time on
    post counts the stints the host school confirmed, or every stint with
    ``include_unconfirmed`` (``dispatch.selectors.counted_stints``)."""
    pairings = (
        list(pairings.select_related("programme"))
        if hasattr(pairings, "select_related")
        else list(pairings)
    )
    if not pairings:
        return []
    ids = [p.pk for p in pairings]
    # One programme object per programme, not one per pairing (memory).
    programmes = {}
    for p in pairings:
        p.programme = programmes.setdefault(p.programme_id, p.programme)
    text = Messages()
    year = periods.school_year(periods.school_year_of(semester.start))
    counted = counted_stints(include_unconfirmed=include_unconfirmed)
    managers = _distinct_people(ids, semester, [SecondmentKind.ATTACHMENT], counted)
    teachers = _distinct_people(ids, year, TEACHER_KINDS, counted)
    on_post = _time_on_post(ids, semester, counted)
    trained, subject_teachers = _training(ids, year)
    research = _count(
        Activity.objects.filter(kind=ActivityKind.RESEARCH), ids, semester, "date"
    )
    assessments = _count(PairingAssessment.objects.all(), ids, semester, "assessed_on")
    # The cycle rule counts the cycle up to the semester's end: a teacher
    # recognised later does not change a past semester's judgement (§5a).
    cycles = {p.pk: _cycle(p, semester.end, text) for p in pairings}
    backbone = _backbone(pairings, cycles)
    backbone_base = _subject_teachers_latest(ids, year)
    results = []
    for p in pairings:
        programme = p.programme
        results.append(
            PairingCompliance(
                p,
                [
                    _managers_result(text, programme, semester, managers.get(p.pk, {})),
                    _teachers_result(text, programme, year, teachers.get(p.pk, {})),
                    _time_on_post_result(
                        text, programme, semester, on_post.get(p.pk, [])
                    ),
                    _training_result(
                        text,
                        programme,
                        year,
                        trained.get(p.pk, 0),
                        subject_teachers.get(p.pk),
                    ),
                    _backbone_result(
                        text,
                        programme,
                        cycles[p.pk],
                        backbone.get(p.pk, 0),
                        backbone_base.get(p.pk),
                    ),
                    _at_least(
                        text,
                        RESEARCH,
                        semester,
                        research.get(p.pk, 0),
                        programme.min_research_activities,
                        "activities",
                    ),
                    _at_least(
                        text,
                        ASSESSMENT,
                        semester,
                        assessments.get(p.pk, 0),
                        programme.min_assessments,
                        "assessments",
                    ),
                ],
            )
        )
    return results


# Queries ---------------------------------------------------------------------------


class _AnyOf(Func):
    """``field = ANY(array)``: a condition for ``filter``."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def among(field: str, ids: list[int]) -> Q:
    """Rows whose ``field`` (a lookup to an id, "pairing_id") is one of a batch of
    ids. On PostgreSQL one array parameter, ``field = ANY(%s)``: not one
    placeholder per id (at national scale ~40,000 ids in each of ten statements
    cost seconds to build, split and parse), and unlike ``IN (SELECT unnest(%s))``
    the planner sees how many ids there are (it assumed 200, and chose nested
    loops over tens of thousands of rows: the engine's statements took twice as
    long)."""
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    return Q(_AnyOf(F(field), RawSQL("%s::bigint[]", (list(ids),))))


def _distinct_people(ids, period, kinds, counted: Q) -> dict[int, dict[str, int]]:
    """Distinct persons per pairing and direction with time on post in the period
    (in a stint that ``counted``)."""
    rows = (
        Secondment.objects.filter(among("pairing_id", ids), kind__in=kinds)
        .filter(
            Exists(
                Stint.objects.filter(
                    counted, secondment=OuterRef("pk"), **periods.overlaps(period)
                )
            )
        )
        .values("pairing_id", "direction")
        .annotate(people=Count("person_id", distinct=True))
    )
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        result[row["pairing_id"]][row["direction"]] = row["people"]
    return result


def _time_on_post(ids, semester, counted: Q) -> dict[int, list[dict]]:
    """Per pairing and person: days on post inside the semester and the shortest
    stint (whole length) among the stints that touch it (those ``counted``)."""
    rows = (
        Stint.objects.filter(
            counted,
            among("secondment__pairing_id", ids),
            secondment__kind__in=ON_POST_KINDS,
            **periods.overlaps(semester),
        )
        .values(
            "secondment__pairing_id",
            "secondment__person_id",
            "secondment__person__name",
        )
        .annotate(
            **periods.days_on_post(semester),
            shortest=Min(F("end") - F("start")),
        )
        .order_by("secondment__pairing_id", "secondment__person__name")
    )
    result: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        result[row["secondment__pairing_id"]].append(
            {
                "name": row["secondment__person__name"],
                "days": periods.days_of(row),
                "shortest": periods.whole_days(row["shortest"]) + 1,
            }
        )
    return result


def _training(ids, year):
    receiving = PairingParty.objects.filter(
        pairing_id=OuterRef("activity__pairing_id"),
        school_id=OuterRef("person__home_school_id"),
        side=Side.RECEIVING,
    )
    trained = dict(
        TrainingParticipation.objects.filter(
            among("activity__pairing_id", ids),
            activity__kind=ActivityKind.TRAINING,
            activity__date__range=(year.start, year.end),
        )
        .filter(Exists(receiving))
        .values("activity__pairing_id")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("activity__pairing_id", "n")
    )
    return trained, _subject_teachers(ids, year.start.year)


def _subject_teachers(ids, school_year: int) -> dict[int, int | None]:
    """Subject teachers of the receiving schools in that school year's profiles."""
    rows = (
        PairingParty.objects.filter(among("pairing_id", ids), side=Side.RECEIVING)
        .values("pairing_id")
        .annotate(
            teachers=Sum(
                "school__profiles__subject_teachers",
                filter=Q(school__profiles__school_year=school_year),
            )
        )
    )
    return {row["pairing_id"]: row["teachers"] for row in rows}


def _subject_teachers_latest(ids, year) -> dict[int, int | None]:
    """For the backbone rule: receiving schools' subject teachers in the latest profile
    up to the school year being judged."""
    latest = (
        SchoolYearProfile.objects.filter(
            school_id=OuterRef("school_id"), school_year__lte=year.start.year
        )
        .order_by("-school_year")
        .values("subject_teachers")[:1]
    )
    totals: dict[int, int | None] = {}
    for pairing_id, teachers in (
        PairingParty.objects.filter(among("pairing_id", ids), side=Side.RECEIVING)
        .annotate(teachers=latest)
        .values_list("pairing_id", "teachers")
    ):
        if teachers is None:
            totals.setdefault(pairing_id, None)
        else:
            totals[pairing_id] = (totals.get(pairing_id) or 0) + teachers
    return totals


def _count(queryset, ids, period, date_field) -> dict[int, int]:
    return dict(
        queryset.filter(
            among("pairing_id", ids),
            **{f"{date_field}__range": (period.start, period.end)},
        )
        .values("pairing_id")
        .annotate(n=Count("id"))
        .values_list("pairing_id", "n")
    )


def _cycle(pairing, until, text) -> periods.Period:
    """The programme cycle, within the pairing's own dates, up to ``until`` (the
    end of the semester judged)."""
    start = max(pairing.programme.cycle_start, pairing.start_date)
    end = min(pairing.programme.cycle_end, pairing.end_date, until)
    if end < start:
        start, end = pairing.start_date, min(pairing.end_date, max(until, start))
    return periods.Period(
        start, end, text.once("cycle", start=start.isoformat(), end=end.isoformat())
    )


def _backbone(pairings, cycles) -> dict[int, int]:
    """Backbone teachers recognised within each pairing's cycle (few rows)."""
    rows = BackboneCultivation.objects.filter(
        among("pairing_id", [p.pk for p in pairings])
    ).values_list("pairing_id", "recognised_on")
    counts: dict[int, int] = defaultdict(int)
    for pairing_id, day in rows:
        if cycles[pairing_id].contains(day):
            counts[pairing_id] += 1
    return counts


# Judgements ------------------------------------------------------------------------


def _managers_result(text, programme, semester, people) -> RuleResult:
    need = programme.min_managers_per_side
    out, back = (
        people.get(Direction.TO_RECEIVING, 0),
        people.get(Direction.TO_SUPPORTING, 0),
    )
    return RuleResult(
        MANAGERS,
        semester.label,
        text.once("each_way", out=out, back=back),
        text.once("at_least_each_way", n=need),
        out >= need and back >= need,
    )


def _teachers_result(text, programme, year, people) -> RuleResult:
    need = programme.min_teachers_exchanged
    out, back = (
        people.get(Direction.TO_RECEIVING, 0),
        people.get(Direction.TO_SUPPORTING, 0),
    )
    if programme.teachers_exchanged_per_direction:
        passed = out >= need and back >= need
        threshold = text.once("at_least_each_way", n=need)
    else:
        passed = out + back >= need
        threshold = text.once("at_least_in_all", n=need)
    return RuleResult(
        TEACHERS,
        year.label,
        text.once("each_way", out=out, back=back),
        threshold,
        passed,
    )


def _time_on_post_result(text, programme, semester, people) -> RuleResult:
    need_days, need_stint = programme.min_days_on_post, programme.min_stint_days
    details = []
    for person in people:
        if person["days"] < need_days:
            details.append(
                text(
                    "short_days",
                    name=person["name"],
                    days=person["days"],
                    need=need_days,
                )
            )
        if person["shortest"] < need_stint:
            details.append(
                text(
                    "short_stint",
                    name=person["name"],
                    days=person["shortest"],
                    need=need_stint,
                )
            )
    ok = sum(
        1 for p in people if p["days"] >= need_days and p["shortest"] >= need_stint
    )
    return RuleResult(
        TIME_ON_POST,
        semester.label,
        text.once("people_meet", ok=ok, all=len(people)),
        text.once("on_post_threshold", days=need_days, stint=need_stint),
        None if not people else not details,
        details,
    )


def _training_result(text, programme, year, trained, teachers) -> RuleResult:
    need = programme.training_coverage_percent
    threshold = text.once("percent_at_least", n=need)
    if not teachers:
        return RuleResult(
            TRAINING,
            year.label,
            text.once("no_teacher_count_year", n=trained),
            threshold,
            None,
        )
    rate = 100 * trained / teachers
    return RuleResult(
        TRAINING,
        year.label,
        text("coverage", trained=trained, teachers=teachers, rate=rate),
        threshold,
        trained * 100 >= need * teachers,
    )


def backbone_target(programme, subject_teachers: int) -> int:
    if subject_teachers < programme.backbone_small_school_limit:
        return programme.backbone_target_small
    if subject_teachers > programme.backbone_large_school_limit:
        return programme.backbone_target_large
    return programme.backbone_target_medium


def _backbone_result(text, programme, cycle, cultivated, teachers) -> RuleResult:
    if teachers is None:
        return RuleResult(
            BACKBONE,
            cycle.label,
            text.once("no_teacher_count", n=cultivated),
            "—",
            None,
        )
    target = backbone_target(programme, teachers)
    return RuleResult(
        BACKBONE,
        cycle.label,
        text.once("cultivated", n=cultivated, teachers=teachers),
        text.once("at_least", n=target),
        cultivated >= target,
    )


def _at_least(text, rule, period, count, need, figure) -> RuleResult:
    return RuleResult(
        rule,
        period.label,
        text.once(figure, n=count),
        text.once("at_least", n=need),
        count >= need,
    )


# Which pairings are judged, and their figures beside the targets --------------------


def pairing_actuals(pairing, years: list[int]) -> dict[tuple[int, str], object]:
    """Actual figures of a pairing per school year (by its first year, as the
    agreements' yearly targets are) and target metric, to set beside the targets.
    A handful of grouped queries."""
    from django.db.models import Count, IntegerField, Q, Sum
    from django.db.models.functions import Coalesce

    from dispatch.choices import ActivityKind, SecondmentKind
    from dispatch.models import Activity, BackboneCultivation, Stint
    from pairings.choices import TargetMetric as M
    from projects.choices import FundingKind
    from projects.models import FundingLine

    if not years:
        return {}
    actual: dict[tuple[int, str], object] = {}
    kinds = {
        SecondmentKind.TEACHING: M.TEACHING_SECONDMENTS,
        SecondmentKind.ATTACHMENT: M.MANAGER_SECONDMENTS,
        SecondmentKind.SHADOWING: M.SHADOWING,
    }
    for year in years:
        span = periods.school_year(year)
        rows = (
            Stint.objects.filter(
                counted_stints(),
                secondment__pairing=pairing,
                secondment__kind__in=list(kinds),
                **periods.overlaps(span),
            )
            .values("secondment__kind")
            .annotate(n=Count("secondment_id", distinct=True))
        )
        for row in rows:
            actual[(year, kinds[row["secondment__kind"]])] = row["n"]
    first, last = periods.school_year(min(years)), periods.school_year(max(years))
    lessons = [ActivityKind.DEMONSTRATION_LESSON, ActivityKind.OPEN_LESSON]
    for row in (
        Activity.objects.filter(pairing=pairing, date__range=(first.start, last.end))
        .annotate(year=school_year_of("date"))
        .values("year")
        .annotate(
            lessons=Sum("lessons", filter=Q(kind__in=lessons)),
            lectures=Count("id", filter=Q(kind=ActivityKind.LECTURE)),
            research=Count("id", filter=Q(kind=ActivityKind.RESEARCH)),
            trainees=Sum("teacher_participants", filter=Q(kind=ActivityKind.TRAINING)),
        )
    ):
        year = row["year"]
        actual[(year, M.DEMONSTRATION_LESSONS)] = row["lessons"] or 0
        actual[(year, M.LECTURES)] = row["lectures"]
        actual[(year, M.RESEARCH_ACTIVITIES)] = row["research"]
        actual[(year, M.TRAINEES)] = row["trainees"] or 0
    for row in (
        BackboneCultivation.objects.filter(
            pairing=pairing, recognised_on__range=(first.start, last.end)
        )
        .annotate(year=school_year_of("recognised_on"))
        .values("year")
        .annotate(n=Count("id"))
    ):
        actual[(row["year"], M.BACKBONE_TEACHERS)] = row["n"]
    # Undated lines count on 31 December of their year: in the school year that
    # starts that year.
    for row in (
        FundingLine.objects.filter(
            Q(pairing=pairing) | Q(project__pairing=pairing), kind=FundingKind.RECEIVED
        )
        .annotate(
            school_year=Coalesce(
                school_year_of("date"), "year", output_field=IntegerField()
            )
        )
        .filter(school_year__in=years)
        .values("school_year")
        .annotate(total=Sum("amount"))
    ):
        actual[(row["school_year"], M.FUNDS)] = row["total"]
    return {key: value for key, value in actual.items() if key[0] in years}


def latest_period():
    """The latest reporting period that has started (the default semester)."""
    from django.utils import timezone

    from reporting.models import ReportingPeriod

    return (
        ReportingPeriod.objects.filter(start__lte=timezone.localdate())
        .order_by("-start")
        .first()
    )


def compliance_pairings(*, user, semester, region=None):
    """The user's pairings active in the semester (optionally in a region), in name
    order: what the compliance list judges."""
    pairings = pairing_list(user=user).filter(
        start_date__lte=semester.end, end_date__gte=semester.start
    )
    if region is not None:
        pairings = pairings.filter(
            region_q(pairings.model, ("parties__school",), (region.path,))
        )
    return pairings.order_by("name", "pk")


def compliance_matching(rows, *, rule: str, result: str):
    """The judged pairings whose result (for one rule, or any rule) is ``result``;
    "pass" without a rule means every rule passes."""
    if rule:
        return [r for r in rows if r.result(rule).status == result]
    if result == "pass":
        return [r for r in rows if r.passed]
    return [r for r in rows if any(x.status == result for x in r.results)]
