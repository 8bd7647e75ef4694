"""Reporting periods (the six most recent semesters) and semester reports in every
status, with figures prefilled from the records and a history consistent with the
status: created, saved, submitted (some late), returned with a comment, resubmitted,
approved and, where the city reviews too, accepted."""

import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from reporting.choices import ReportAction, ReportStatus
from reporting.models import (
    REPORT_FIGURES,
    ReportEvent,
    ReportingPeriod,
    SemesterReport,
)

from .activities import FIGURES as ACTIVITY_FIGURES
from .attachments import build_attachments
from .base import Demo, allocate, quota
from .texts import (
    APPROVE_COMMENTS,
    EXPLANATIONS,
    NEXT_STEPS,
    OUTCOMES,
    PRACTICES,
    PROBLEMS,
    RETURN_COMMENTS,
)
from .writer import explicit_timestamps

R, Act = ReportStatus, ReportAction
STATUS_WEIGHTS = {
    "closed": {R.APPROVED: 74, R.SUBMITTED: 8, R.RETURNED: 8, R.DRAFT: 10},
    "review": {R.SUBMITTED: 40, R.DRAFT: 30, R.APPROVED: 20, R.RETURNED: 10},
    "current": {R.DRAFT: 88, R.SUBMITTED: 8, R.RETURNED: 2, R.APPROVED: 2},
    # A semester that began less than a month ago: nothing can be reviewed yet.
    "starting": {R.DRAFT: 96, R.SUBMITTED: 4},
}
SCHOOL_ACTIONS = {Act.CREATE, Act.SAVE, Act.SUBMIT, Act.RESUBMIT}


def build_periods(demo: Demo) -> list[ReportingPeriod]:
    ids = demo.writer.ids(ReportingPeriod)
    ended = [i for i, p in enumerate(demo.periods) if p.end < demo.anchor]
    second_level = ended[-1] if ended else 0
    rows = [
        ReportingPeriod(
            id=next(ids),
            school_year=p.school_year,
            semester=p.semester,
            start=p.start,
            end=p.end,
            deadline=p.deadline,
            lock_date=p.lock_date,
            second_level_review=i == second_level,
        )
        for i, p in enumerate(demo.periods)
    ]
    demo.writer.save(ReportingPeriod, rows)
    demo.writer.report(ReportingPeriod)
    return rows


def _record_figures(demo: Demo):
    """Per (school, period): secondments out and in (人次, 人, days), activity totals
    and money, as the records say."""
    periods = demo.periods
    staff = defaultdict(lambda: [0, set(), 0, 0, set(), 0])
    for secondment, slot in demo.secondments:
        for index, period in enumerate(periods):
            on_post = sum(period.overlap(start, end) for start, end in slot.ranges)
            if not on_post:
                continue
            for school, offset in ((slot.sending, 0), (slot.host, 3)):
                figures = staff[(school, index)]
                figures[offset] += 1
                figures[offset + 1].add(secondment.person_id)
                figures[offset + 2] += on_post
    by_school = defaultdict(list)
    for p_index, info in enumerate(demo.pairings):
        for school in info.schools:
            by_school[school].append(p_index)
    return staff, by_school


def _timeline(rng: random.Random, status: str, second_level: bool):
    """(action, from, to, day offset) steps after the report is created."""
    steps = [(Act.CREATE, "", R.DRAFT)]
    steps += [(Act.SAVE, R.DRAFT, R.DRAFT)] * rng.randint(0, 2)
    if status == R.DRAFT:
        return steps
    steps.append((Act.SUBMIT, R.DRAFT, R.SUBMITTED))
    cycles = 1 if status == R.RETURNED else (1 if rng.random() < 0.25 else 0)
    for k in range(cycles):
        steps.append((Act.RETURN, R.SUBMITTED, R.RETURNED))
        if status != R.RETURNED or k < cycles - 1:
            steps.append((Act.RESUBMIT, R.RETURNED, R.SUBMITTED))
    if status == R.APPROVED:
        steps.append((Act.APPROVE, R.SUBMITTED, R.APPROVED))
        if second_level and rng.random() < 0.6:
            steps.append((Act.ACCEPT, R.APPROVED, R.APPROVED))
    return steps


def _times(rng, steps, period, late: bool, limit: datetime, tz) -> list[datetime]:
    """A plausible time for each step, squeezed before ``limit`` when needed."""

    def at(day, hours=None):
        hour = hours if hours is not None else rng.randint(8, 17)
        return datetime.combine(day, time(hour, rng.randint(0, 59)), tzinfo=tz)

    created = at(period.start + timedelta(days=rng.randint(7, 40)))
    times, current = [], created
    for action, _f, _t in steps:
        if action == Act.CREATE:
            current = created
        elif action == Act.SUBMIT:
            if late:
                day = period.deadline + timedelta(days=rng.randint(1, 15))
            else:
                day = period.end - timedelta(days=rng.randint(-13, 10))
            current = max(current + timedelta(hours=1), at(day))
        else:
            gap = {Act.SAVE: (0, 20), Act.ACCEPT: (3, 15)}.get(action, (1, 7))
            current += timedelta(days=rng.randint(*gap), hours=rng.randint(1, 6))
        times.append(current)
    if times[-1] > limit:
        start = min(times[0], limit - timedelta(hours=len(times)))
        span = (times[-1] - times[0]) or timedelta(seconds=1)
        room = limit - start
        times = [start + (t - times[0]) * (room / span) for t in times]
    return times


def build_reports(demo: Demo, periods: list[ReportingPeriod]) -> None:
    rng, writer, anchor = demo.rng("reports"), demo.writer, demo.anchor
    report_ids, event_ids = writer.ids(SemesterReport), writer.ids(ReportEvent)
    items, users, show = demo.schools.items, demo.users, demo.showcase
    tz = timezone.get_default_timezone()
    limit = datetime.combine(anchor, time(18, 0), tzinfo=tz)
    staff, by_school = _record_figures(demo)
    parties = sorted({s for info in demo.pairings for s in info.schools})
    rng.shuffle(parties)
    party_set = set(parties)
    others = [i for i in range(len(items)) if i not in party_set]
    ordered = [show.school] + [s for s in parties + others if s != show.school]
    per_period = allocate(demo.scale.reports, [1] * len(periods))
    show_city = demo.regions.counties[show.county].city
    province_of = demo.regions.city_province
    reports, events, sent = [], [], []
    for index, (period, semester, count) in enumerate(
        zip(periods, demo.periods, per_period, strict=True)
    ):
        if semester.end >= anchor:
            young = (anchor - semester.start).days < 30
            state = "starting" if young else "current"
        elif semester.deadline >= anchor:
            state = "review"
        else:
            state = "closed"
        weights = {
            k: w * rng.uniform(0.7, 1.3) for k, w in STATUS_WEIGHTS[state].items()
        }
        statuses = quota(rng, count, weights)
        if state in ("closed", "review"):  # the demo school sent its past reports
            statuses[0] = R.APPROVED
        for school, status in zip(ordered[:count], statuses, strict=True):
            info = items[school]
            values = _figures(demo, staff, by_school, school, index)
            prefilled = {
                k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()
            }
            explanations = {}
            if status != R.DRAFT and rng.random() < 0.08:
                name = rng.choice(REPORT_FIGURES)
                values[name] += rng.randint(1, 3)
                explanations[name] = rng.choice(EXPLANATIONS)
            late = state == "closed" and status != R.DRAFT and rng.random() < 0.15
            steps = _timeline(rng, status, period.second_level_review)
            times = _times(rng, steps, semester, late, limit, tz)
            school_user = users["xuexiao"] if school == show.school else None
            if info.county == show.county:
                reviewer = users["xian"]
            elif info.city == show_city:
                reviewer = users["shi"]
            elif province_of and province_of[info.city]:
                reviewer = users["admin"]  # national scale: outside Shandong
            else:
                reviewer = users["sheng"]
            report_id = next(report_ids)
            submits = [
                t
                for (a, _f, _t), t in zip(steps, times, strict=True)
                if a in (Act.SUBMIT, Act.RESUBMIT)
            ]
            stamps = dict(zip([a for a, _f, _t in steps], times, strict=True))
            for (action, before, after), moment in zip(steps, times, strict=True):
                comment = ""
                if action == Act.RETURN:
                    comment = rng.choice(RETURN_COMMENTS)
                elif action == Act.APPROVE:
                    comment = rng.choice(APPROVE_COMMENTS)
                elif action == Act.ACCEPT:
                    comment = "市级复核通过。"
                events.append(
                    ReportEvent(
                        id=next(event_ids),
                        report_id=report_id,
                        action=action,
                        from_status=before,
                        to_status=after,
                        actor=school_user if action in SCHOOL_ACTIONS else reviewer,
                        comment=comment,
                        created_at=moment,
                    )
                )
            if school == show.school and submits:
                sent.append(
                    (report_id, period.school_year, period.semester, submits[0])
                )
            full = status != R.DRAFT or rng.random() < 0.3
            reports.append(
                SemesterReport(
                    id=report_id,
                    created_at=times[0],
                    updated_at=times[-1],
                    school_id=info.school.id,
                    period_id=period.id,
                    status=status,
                    prefilled=prefilled,
                    explanations=explanations,
                    practices=_practice(rng, values)
                    if full or rng.random() < 0.5
                    else "",
                    outcomes=rng.choice(OUTCOMES) if full else "",
                    problems=rng.choice(PROBLEMS) if full else "",
                    next_steps=rng.choice(NEXT_STEPS) if full else "",
                    submitted_at=submits[-1] if submits else None,
                    is_late=bool(submits) and submits[0].date() > semester.deadline,
                    approved_at=stamps.get(Act.APPROVE),
                    accepted_at=stamps.get(Act.ACCEPT),
                    version=len(steps),
                    **values,
                )
            )
    with explicit_timestamps(SemesterReport, "created_at", "updated_at"):
        writer.save(SemesterReport, reports)
    writer.report(SemesterReport)
    with explicit_timestamps(ReportEvent, "created_at"):
        writer.save(ReportEvent, events)
    writer.report(ReportEvent)
    build_attachments(demo, sent, users["xuexiao"])


def _figures(demo: Demo, staff, by_school, school: int, index: int) -> dict:
    out_n, out_people, out_days, in_n, in_people, in_days = staff.get(
        (school, index), (0, (), 0, 0, (), 0)
    )
    values = {
        "secondments_out": out_n,
        "people_out": len(out_people),
        "days_out": out_days,
        "secondments_in": in_n,
        "people_in": len(in_people),
        "days_in": in_days,
    }
    activity = [0] * len(ACTIVITY_FIGURES)
    for p_index in by_school.get(school, ()):
        for k, value in enumerate(demo.activity_totals.get((p_index, index), ())):
            activity[k] += value
    values |= dict(zip(ACTIVITY_FIGURES, activity, strict=True))
    cash, goods = demo.donation_totals.get((school, index), (Decimal(0), Decimal(0)))
    values["funds_received"] = cash.quantize(Decimal("0.01"))
    values["goods_value"] = goods.quantize(Decimal("0.01"))
    return values


def _practice(rng: random.Random, values: dict) -> str:
    return rng.choice(PRACTICES).format(
        out=values["secondments_in"] or 1,
        lessons=values["demonstration_lessons"],
        lectures=values["lectures"],
        trainees=values["trainees"],
    )


def build_reporting(demo: Demo) -> None:
    build_reports(demo, build_periods(demo))
