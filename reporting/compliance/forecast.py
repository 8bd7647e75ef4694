"""Early warning (issue 18): during a semester, whether each rule will be met by the
semester's end at the current pace, and warnings when it will not and the end is
near (``DUIKOU_WARNING_DAYS``, default 30).

For every rule the figure so far is counted as the compliance engine counts it, up
to today: a semester rule from the semester's start, a school-year rule from the
school year's start (the engine judges it on the school year that contains the
semester). The pace is that figure over the days elapsed (today included), and the
projection at the semester's end is

    so far + pace × days remaining                    (rounded down)

with two refinements, so that what is already recorded ahead is not guessed:

- days on post (per secondment, confirmed stints only: ``counted_stints``): days
  of stints recorded after today (an ongoing stint to its recorded end, a planned
  one) count as the engine counts days, clipped to the semester; only the days of
  the remainder that no stint covers are added at the pace;
- counts (people, activities, trained teachers): never less than what is already
  recorded up to the end of the period judged.

Everything is computed for a batch of pairings with a fixed number of grouped
queries (one per rule family), whatever the number of pairings and records."""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, fields

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import refreshed
from core.choices import Direction, Side
from core.scope import visible
from dispatch.choices import ActivityKind, SecondmentKind
from dispatch.models import Activity, Stint, TrainingParticipation
from dispatch.selectors import counted_stints
from pairings import periods
from pairings.choices import PairingStatus
from pairings.models import Pairing, PairingParty

from . import engine
from .engine import MANAGERS, RESEARCH, TEACHERS, TIME_ON_POST, TRAINING, among

# The rules forecast, in the order they are shown.
RULES = (TIME_ON_POST, MANAGERS, TEACHERS, RESEARCH, TRAINING)

DAYS, PEOPLE, ACTIVITIES, PERCENT = "days", "people", "activities", "percent"

MESSAGES = {
    DAYS: gettext_noop(
        "At the current pace, %(subject)s will have %(projected)s days on post by "
        "the semester's end, short of %(threshold)s days"
    ),
    PEOPLE: gettext_noop(
        "At the current pace, %(subject)s will count %(projected)s people by the "
        "semester's end, short of %(threshold)s"
    ),
    ACTIVITIES: gettext_noop(
        "At the current pace, %(subject)s will count %(projected)s activities by "
        "the semester's end, short of %(threshold)s"
    ),
    PERCENT: gettext_noop(
        "At the current pace, %(subject)s will reach %(projected)s%% by the "
        "semester's end, short of %(threshold)s%%"
    ),
}
# The rules judged each way, labelled with the way.
EACH_WAY = {
    MANAGERS: gettext_noop("Managers on attachment (%(direction)s)"),
    TEACHERS: gettext_noop("Teachers exchanged (%(direction)s)"),
}


@dataclass(slots=True)
class Ref:
    """A record named in a forecast: its id and name (a secondment's: the person's)."""

    id: int
    name: str


@dataclass(slots=True)
class Forecast:
    """One rule of one pairing (or, for days on post, one secondment) projected to
    the semester's end. ``figure`` and ``projected`` are in ``unit``: days, people,
    activities, or percent (training coverage)."""

    pairing: Ref
    secondment: Ref | None
    rule: str
    direction: str  # "" unless the rule is judged each way
    unit: str
    figure: int
    elapsed: int  # days counted so far, today included
    remaining: int  # days after today up to the semester's end
    projected: int
    threshold: int
    semester_end: dt.date

    @property
    def met(self) -> bool:
        return self.projected >= self.threshold

    @property
    def pace(self) -> float:
        """The figure per elapsed day."""
        return self.figure / self.elapsed if self.elapsed else 0.0

    @property
    def rule_label(self) -> str:
        return Texts().rule_label(self.rule, self.direction)

    @property
    def url(self) -> str:
        return Texts().url(self.pairing.id)

    @property
    def message(self) -> str:
        return Texts().message(self)

    def warning(self, today: dt.date, texts: Texts | None = None) -> Warning:
        texts = texts or Texts()
        return Warning(
            pairing=self.pairing,
            secondment=self.secondment,
            rule=self.rule,
            rule_label=texts.rule_label(self.rule, self.direction),
            figure=self.figure,
            projected=self.projected,
            threshold=self.threshold,
            unit=self.unit,
            semester_end=self.semester_end,
            days_left=(self.semester_end - today).days,
            url=texts.url(self.pairing.id),
            message=texts.message(self),
        )


class Texts:
    """Labels, messages and links in the active language, each template translated
    and each label made once per call (a province's warnings number thousands)."""

    SENTINEL = 987654321

    def __init__(self):
        self.messages = {unit: _(text) for unit, text in MESSAGES.items()}
        self.labels: dict[tuple[str, str], str] = {}
        self.link = reverse("pairings:pairing_detail", args=[self.SENTINEL])

    def rule_label(self, rule: str, direction: str) -> str:
        label = self.labels.get((rule, direction))
        if label is None:
            if direction:
                label = _(EACH_WAY[rule]) % {"direction": Direction(direction).label}
            else:
                label = str(engine.RULES[rule])
            self.labels[(rule, direction)] = label
        return label

    def url(self, pairing_id: int) -> str:
        return self.link.replace(str(self.SENTINEL), str(pairing_id)) + "#forecast"

    def message(self, forecast: Forecast) -> str:
        subject = (
            forecast.secondment.name
            if forecast.secondment
            else self.rule_label(forecast.rule, forecast.direction)
        )
        return self.messages[forecast.unit] % {
            "subject": subject,
            "projected": forecast.projected,
            "threshold": forecast.threshold,
        }


@dataclass(slots=True)
class Warning:  # the name the inbox calls it by (shadows the builtin here only)
    """A rule projected to fail, raised within ``DUIKOU_WARNING_DAYS`` of the
    semester's end; ``url`` is where it is put right (the pairing's page)."""

    pairing: Ref
    secondment: Ref | None
    rule: str
    rule_label: str
    figure: int
    projected: int
    threshold: int
    unit: str
    semester_end: dt.date
    days_left: int
    url: str
    message: str

    @property
    def pairing_id(self) -> int:
        return self.pairing.id

    @property
    def pairing_name(self) -> str:
        return self.pairing.name

    @property
    def secondment_id(self) -> int | None:
        return self.secondment.id if self.secondment else None

    @property
    def person_name(self) -> str | None:
        return self.secondment.name if self.secondment else None


@dataclass(slots=True)
class PairingForecast:
    """What the pairing page shows: the semester, its forecasts, and whether they
    are warnings yet (the end is within the warning window)."""

    semester: object  # the ReportingPeriod
    today: dt.date
    forecasts: list[Forecast]

    @property
    def days_left(self) -> int:
        return (self.semester.end - self.today).days

    @property
    def warning_window(self) -> bool:
        return self.days_left <= warning_days()

    @property
    def warnings(self) -> list[Warning]:
        if not self.warning_window:
            return []
        texts = Texts()
        return [f.warning(self.today, texts) for f in self.forecasts if not f.met]


def warning_days() -> int:
    return settings.DUIKOU_WARNING_DAYS


def current_semester(today: dt.date):
    """The reporting period containing ``today`` (None between semesters)."""
    from reporting.models import ReportingPeriod

    return (
        ReportingPeriod.objects.filter(start__lte=today, end__gte=today)
        .order_by("-start")
        .first()
    )


def pairings_forecast(user, *, today: dt.date):
    """The pairings of the user's scope a forecast is made for in the semester of
    ``today``: running (in progress, begun, not ended before today)."""
    return visible(Pairing.objects.all(), user).filter(
        status=PairingStatus.ACTIVE, start_date__lte=today, end_date__gte=today
    )


def warnings_for(user, *, today: dt.date | None = None) -> list[Warning]:
    """The warnings on the pairings (and their secondments) in the user's scope: the
    rules projected to fail by the end of the semester containing ``today``, once
    that end is at most ``DUIKOU_WARNING_DAYS`` away. Pairings in name order, a
    pairing's secondments before its rules. A fixed number of queries, and none
    while kept: per scope, day and language (``core.refreshed``: after a write of
    domain data a county's are computed again at once, a province's are served as
    they were while the worker computes them afresh)."""
    # Today's are kept across days (served as they were on the first view of a
    # day while the worker computes the day's); another date's under that date.
    on = None if today is None or today == timezone.localdate() else today
    with _collector_paused():
        rows = refreshed.served(
            "forecast-warnings", user, on and on.isoformat(), warning_days()
        ).value
        pairings: dict[tuple, Ref] = {}  # one Ref per pairing, shared by its warnings
        return [_warning(row, pairings) for row in rows]


@refreshed.refreshable("forecast-warnings")
def _warning_rows(user, on: str | None, days: int) -> list[tuple]:
    """The warnings as plain tuples, as they are kept (``days``: in the key; ``on``:
    a date, None for today)."""
    today = dt.date.fromisoformat(on) if on else timezone.localdate()
    return [_row(w) for w in compute_warnings(user, today=today)]


@contextmanager
def _collector_paused():
    """A province's warnings are tens of thousands of small objects made at once:
    enough to start full collections of the whole process's heap in the middle of
    the call (the cached call's p95 went from ~30 to ~120 ms). The collector runs
    again as usual afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compute_warnings(user, *, today: dt.date) -> list[Warning]:
    """``warnings_for`` without the cache."""
    semester = current_semester(today)
    if semester is None or (semester.end - today).days > warning_days():
        return []
    pairings = pairings_forecast(user, today=today).values_list("pk", "name")
    forecasts = forecast(
        dict(pairings), semester, today=today, user=user, failing_only=True
    )
    texts = Texts()
    return [f.warning(today, texts) for f in forecasts]


# Warnings are cached as tuples: a province's thousands of dataclasses would take
# longer to unpickle than to rebuild.
def _row(w: Warning) -> tuple:
    secondment = (w.secondment.id, w.secondment.name) if w.secondment else None
    return (
        (w.pairing.id, w.pairing.name),
        secondment,
        *(getattr(w, name) for name in _FLAT),
    )


_FLAT = [f.name for f in fields(Warning)][2:]  # all but the pairing and secondment


def _warning(row: tuple, pairings: dict[tuple, Ref]) -> Warning:
    pairing, secondment, *rest = row
    ref = pairings.get(pairing)
    if ref is None:
        ref = pairings[pairing] = Ref(*pairing)
    return Warning(ref, Ref(*secondment) if secondment else None, *rest)


def pairing_forecast(pairing, *, today: dt.date | None = None):
    """The forecasts of one pairing for the semester containing ``today`` (None
    between semesters); its ``warnings`` once the end is near."""
    today = today or timezone.localdate()
    semester = current_semester(today)
    if semester is None:
        return None
    forecasts = []
    running = pairing.status == PairingStatus.ACTIVE
    if running and pairing.start_date <= today <= pairing.end_date:
        forecasts = forecast({pairing.pk: pairing.name}, semester, today=today)
    return PairingForecast(semester, today, forecasts)


def forecast(
    names: dict[int, str], semester, *, today: dt.date, user=None, failing_only=False
):
    """Every rule's forecast for the pairings (id → name) in the semester (a
    ReportingPeriod containing ``today``), or only those projected to fail.
    ``user``: only the secondments they may see (a seconded teacher sees their
    own). A rule with a threshold of 0 is always met and left out."""
    if not names:
        return []
    ids = list(names)
    span = periods.semester(semester)
    year = periods.school_year(periods.school_year_of(span.start))
    programmes = _programmes(ids)
    clock = {
        "semester": (_elapsed(span, today), (span.end - today).days),
        "year": (_elapsed(year, today), (span.end - today).days),
    }
    by_pairing: dict[int, list[Forecast]] = defaultdict(list)

    def add(pairing_id, rule, unit, figure, projected, threshold, **extra):
        if threshold <= 0 or (failing_only and projected >= threshold):
            return
        elapsed, remaining = clock["year" if rule in YEAR_RULES else "semester"]
        by_pairing[pairing_id].append(
            Forecast(
                pairing=Ref(pairing_id, names[pairing_id]),
                secondment=extra.get("secondment"),
                rule=rule,
                direction=extra.get("direction", ""),
                unit=unit,
                figure=figure,
                elapsed=elapsed,
                remaining=remaining,
                projected=projected,
                threshold=threshold,
                semester_end=span.end,
            )
        )

    # Days on post, per secondment.
    elapsed, remaining = clock["semester"]
    for row in _days_on_post(ids, span, today, user):
        need = programmes[row["pairing_id"]]["min_days_on_post"]
        add(
            row["pairing_id"],
            TIME_ON_POST,
            DAYS,
            row["so_far"],
            project_days(row["so_far"], row["ahead"], elapsed, remaining),
            need,
            secondment=Ref(row["secondment_id"], row["name"]),
        )
    # People each way: managers (semester), teachers exchanged (school year).
    people = _people(ids, span, year, today)
    for pairing_id in ids:
        rules = programmes[pairing_id]
        counts = people.get(pairing_id, {})
        elapsed, remaining = clock["semester"]
        for direction in (Direction.TO_RECEIVING, Direction.TO_SUPPORTING):
            so_far, known = counts.get((MANAGERS, direction), (0, 0))
            add(
                pairing_id,
                MANAGERS,
                PEOPLE,
                so_far,
                project_count(so_far, known, elapsed, remaining),
                rules["min_managers_per_side"],
                direction=direction,
            )
        elapsed, remaining = clock["year"]
        if rules["teachers_exchanged_per_direction"]:
            for direction in (Direction.TO_RECEIVING, Direction.TO_SUPPORTING):
                so_far, known = counts.get((TEACHERS, direction), (0, 0))
                add(
                    pairing_id,
                    TEACHERS,
                    PEOPLE,
                    so_far,
                    project_count(so_far, known, elapsed, remaining),
                    rules["min_teachers_exchanged"],
                    direction=direction,
                )
        else:
            so_far, known = counts.get((TEACHERS, ""), (0, 0))
            add(
                pairing_id,
                TEACHERS,
                PEOPLE,
                so_far,
                project_count(so_far, known, elapsed, remaining),
                rules["min_teachers_exchanged"],
            )
    # Teaching-research activities in the semester.
    research = _research(ids, span, today)
    elapsed, remaining = clock["semester"]
    for pairing_id in ids:
        so_far, known = research.get(pairing_id, (0, 0))
        add(
            pairing_id,
            RESEARCH,
            ACTIVITIES,
            so_far,
            project_count(so_far, known, elapsed, remaining),
            programmes[pairing_id]["min_research_activities"],
        )
    # Training coverage in the school year (only where the subject teachers are
    # known: otherwise the engine cannot judge it either).
    trained = _trained(ids, year, today)
    teachers = engine._subject_teachers(ids, year.start.year)
    elapsed, remaining = clock["year"]
    for pairing_id in ids:
        base = teachers.get(pairing_id)
        if not base:
            continue
        so_far, known = trained.get(pairing_id, (0, 0))
        projected = min(project_count(so_far, known, elapsed, remaining), base)
        add(
            pairing_id,
            TRAINING,
            PERCENT,
            percent(so_far, base),
            percent(projected, base),
            programmes[pairing_id]["training_coverage_percent"],
        )
    order = {rule: i for i, rule in enumerate(RULES)}
    result = []
    for pairing_id in sorted(ids, key=lambda pk: (names[pk], pk)):
        result.extend(
            sorted(
                by_pairing[pairing_id],
                key=lambda f: (
                    order[f.rule],
                    f.secondment.name if f.secondment else "",
                    f.direction,
                ),
            )
        )
    return result


YEAR_RULES = {TEACHERS, TRAINING}


# Projections -------------------------------------------------------------------------


def project_days(so_far: int, ahead: int, elapsed: int, remaining: int) -> int:
    """Days on post at the semester's end: so far, plus the days already recorded
    ahead, plus the uncovered rest of the semester at the pace so far."""
    pace = so_far / elapsed if elapsed else 0
    return so_far + ahead + math.floor(pace * (remaining - ahead))


def project_count(so_far: int, known: int, elapsed: int, remaining: int) -> int:
    """A count at the semester's end at the pace so far, and never less than what
    is already recorded for the period."""
    pace = so_far / elapsed if elapsed else 0
    return max(known, so_far + math.floor(pace * remaining))


def percent(part: int, whole: int) -> int:
    """Whole percent, rounded down: reaching a threshold means reaching it."""
    return part * 100 // whole


def _elapsed(period: periods.Period, today: dt.date) -> int:
    return (today - period.start).days + 1


# Queries -----------------------------------------------------------------------------


def _programmes(ids) -> dict[int, dict]:
    """Each pairing's thresholds (from its programme)."""
    fields = (
        "min_days_on_post",
        "min_managers_per_side",
        "min_teachers_exchanged",
        "teachers_exchanged_per_direction",
        "min_research_activities",
        "training_coverage_percent",
    )
    rows = (
        Pairing.objects.filter(among("id", ids))
        .annotate(**{name: F(f"programme__{name}") for name in fields})
        .values("id", *fields)
    )
    return {row["id"]: row for row in rows}


def _days_on_post(ids, span, today, user) -> list[dict]:
    """Per secondment on post (the kinds the engine counts) with a confirmed stint
    in the semester: days on post up to today, and days recorded after it."""
    before = periods.Period(span.start, today, "")
    # An arrival whose departure is not yet recorded (``Stint.open``): the teacher
    # is on post, taken as staying to the semester's end.
    reach = Case(
        When(open=True, then=Value(span.end)),
        default=F("end"),
        output_field=DateField(),
    )
    stints = (
        Stint.objects.filter(
            counted_stints(),
            among("secondment__pairing_id", ids),
            secondment__kind__in=engine.ON_POST_KINDS,
        )
        .alias(reach=reach)
        .filter(**periods.overlaps(span, end="reach"))
    )
    if user is not None:
        stints = visible(stints, user)
    aggregates = {
        f"so_far_{key}": value
        for key, value in periods.days_on_post(
            before, end="reach", filter=Q(start__lte=today)
        ).items()
    }
    if today < span.end:
        after = periods.Period(today + dt.timedelta(days=1), span.end, "")
        aggregates.update(
            {
                f"ahead_{key}": value
                for key, value in periods.days_on_post(
                    after, end="reach", filter=Q(reach__gt=today)
                ).items()
            }
        )
    rows = (
        stints.values(
            "secondment_id",
            pairing_id=F("secondment__pairing_id"),
            name=F("secondment__person__name"),
        )
        .annotate(**aggregates)
        .order_by()
    )
    return [
        {
            "secondment_id": row["secondment_id"],
            "pairing_id": row["pairing_id"],
            "name": row["name"],
            "so_far": _days(row, "so_far_"),
            "ahead": _days(row, "ahead_"),
        }
        for row in rows
    ]


def _days(row, prefix) -> int:
    return periods.days_of(
        {"clipped": row.get(f"{prefix}clipped"), "stints": row.get(f"{prefix}stints")}
    )


def _people(ids, span, year, today) -> dict[int, dict[tuple, tuple[int, int]]]:
    """Distinct persons with confirmed time on post, per pairing: managers on
    attachment each way in the semester, teachers exchanged each way and in all
    (one way plus the other, as the engine adds them) in the school year; each as
    (up to today, recorded for the whole period). One pass over the year's stints."""
    person = "secondment__person_id"
    managers = Q(secondment__kind=SecondmentKind.ATTACHMENT, end__gte=span.start)
    teachers = Q(secondment__kind__in=engine.TEACHER_KINDS)
    rows = (
        Stint.objects.filter(
            counted_stints(),
            among("secondment__pairing_id", ids),
            secondment__kind__in=[*engine.TEACHER_KINDS, SecondmentKind.ATTACHMENT],
            **periods.overlaps(year),
        )
        .values(
            pairing_id=F("secondment__pairing_id"), direction=F("secondment__direction")
        )
        .annotate(
            m_now=Count(person, distinct=True, filter=managers & Q(start__lte=today)),
            m_known=Count(
                person, distinct=True, filter=managers & Q(start__lte=span.end)
            ),
            t_now=Count(person, distinct=True, filter=teachers & Q(start__lte=today)),
            t_known=Count(person, distinct=True, filter=teachers),
        )
        .order_by()
    )
    result: dict[int, dict[tuple, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        found = result[row["pairing_id"]]
        found[(MANAGERS, row["direction"])] = (row["m_now"], row["m_known"])
        found[(TEACHERS, row["direction"])] = (row["t_now"], row["t_known"])
    for found in result.values():
        ways = [found.get((TEACHERS, d), (0, 0)) for d in Direction.values]
        found[(TEACHERS, "")] = tuple(map(sum, zip(*ways, strict=True)))
    return result


def _research(ids, span, today) -> dict[int, tuple[int, int]]:
    rows = (
        Activity.objects.filter(
            among("pairing_id", ids),
            kind=ActivityKind.RESEARCH,
            date__range=(span.start, span.end),
        )
        .values("pairing_id")
        .annotate(now=Count("id", filter=Q(date__lte=today)), known=Count("id"))
        .order_by()
    )
    return {row["pairing_id"]: (row["now"], row["known"]) for row in rows}


def _trained(ids, year, today) -> dict[int, tuple[int, int]]:
    """Distinct receiving-school teachers trained in the school year, as the engine
    counts them: up to today, and recorded for the whole year."""
    receiving = PairingParty.objects.filter(
        pairing_id=OuterRef("activity__pairing_id"),
        school_id=OuterRef("person__home_school_id"),
        side=Side.RECEIVING,
    )
    rows = (
        TrainingParticipation.objects.filter(
            among("activity__pairing_id", ids),
            activity__kind=ActivityKind.TRAINING,
            activity__date__range=(year.start, year.end),
        )
        .filter(Exists(receiving))
        .values(pairing_id=F("activity__pairing_id"))
        .annotate(
            now=Count("person_id", distinct=True, filter=Q(activity__date__lte=today)),
            known=Count("person_id", distinct=True),
        )
        .order_by()
    )
    return {row["pairing_id"]: (row["now"], row["known"]) for row in rows}
