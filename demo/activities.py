"""Activities of every kind with participants plausible per kind, the trainees of
part of the trainings, and backbone teachers cultivated; also the per-semester
totals the semester reports are prefilled from."""

import random

from core.choices import Direction, Side
from dispatch.choices import ActivityKind, HostSide, TrainingLevel
from dispatch.models import Activity, BackboneCultivation, TrainingParticipation
from pairings.choices import PairingStatus

from .base import Demo, allocate, days, pick, quota, random_date, school_day
from .names import person_name
from .people import subject_for
from .texts import (
    EVENT_VENUES,
    GENERAL_TOPICS,
    LECTURES,
    STUDENT_EVENTS,
    SUBJECT_ZH,
    TOPICS,
    TRAININGS,
    VENUES,
)

A = ActivityKind
KIND_WEIGHTS = {
    A.DEMONSTRATION_LESSON: 14,
    A.OPEN_LESSON: 12,
    A.JOINT_PREPARATION: 12,
    A.OBSERVATION: 14,
    A.LESSON_TALK: 6,
    A.LECTURE: 10,
    A.RESEARCH: 12,
    A.TRAINING: 8,
    A.VISIT: 6,
    A.STUDENT_EVENT: 6,
}
LESSON_KINDS = {A.DEMONSTRATION_LESSON, A.OPEN_LESSON, A.OBSERVATION, A.LESSON_TALK}
# kind: (lessons, teacher participants, students per lesson or per event)
SIZES = {
    A.DEMONSTRATION_LESSON: ((1, 2), (15, 60), (40, 55)),
    A.OPEN_LESSON: ((1, 3), (10, 50), (40, 55)),
    A.JOINT_PREPARATION: ((0, 0), (6, 20), (0, 0)),
    A.OBSERVATION: ((2, 6), (8, 30), (0, 0)),
    A.LESSON_TALK: ((1, 2), (8, 25), (0, 0)),
    A.LECTURE: ((0, 0), (30, 150), (0, 0)),
    A.RESEARCH: ((0, 0), (8, 25), (0, 0)),
    A.TRAINING: ((0, 0), (20, 200), (0, 0)),
    A.VISIT: ((0, 0), (4, 12), (0, 0)),
    A.STUDENT_EVENT: ((0, 0), (5, 20), (50, 600)),
}
HOSTS = {
    A.LECTURE: {HostSide.RECEIVING: 70, HostSide.SUPPORTING: 30},
    A.RESEARCH: {HostSide.JOINT: 40, HostSide.SUPPORTING: 30, HostSide.RECEIVING: 30},
    A.JOINT_PREPARATION: {
        HostSide.JOINT: 40,
        HostSide.SUPPORTING: 30,
        HostSide.RECEIVING: 30,
    },
    A.TRAINING: {HostSide.SUPPORTING: 45, HostSide.RECEIVING: 40, HostSide.JOINT: 15},
    A.VISIT: {HostSide.SUPPORTING: 50, HostSide.RECEIVING: 50},
    A.STUDENT_EVENT: {
        HostSide.JOINT: 50,
        HostSide.RECEIVING: 25,
        HostSide.SUPPORTING: 25,
    },
}
LESSON_HOSTS = {HostSide.RECEIVING: 65, HostSide.SUPPORTING: 35}
LEVELS = {
    TrainingLevel.SCHOOL: 30,
    TrainingLevel.COUNTY: 35,
    TrainingLevel.CITY: 20,
    TrainingLevel.PROVINCIAL: 10,
    TrainingLevel.NATIONAL: 5,
}
LEVEL_ZH = {"school": "校本", "county": "县级", "city": "市级", "provincial": "省级"}
LEVEL_ZH["national"] = "国培计划"
BACKBONE_LEVELS = {"county": 50, "school": 20, "city": 25, "province": 5}
# Report figures prefilled from activities, in this order.
FIGURES = (
    "demonstration_lessons",
    "lectures",
    "joint_preparations",
    "research_activities",
    "training_sessions",
    "trainees",
    "student_participants",
)


def _title(rng: random.Random, kind, subject, names) -> str:
    zh = SUBJECT_ZH.get(subject, "")
    topic = rng.choice(TOPICS.get(subject, GENERAL_TOPICS)).replace("_", " ")
    sup, rec = names
    return {
        A.DEMONSTRATION_LESSON: f"{zh}示范课《{topic}》",
        A.OPEN_LESSON: f"{zh}公开课《{topic}》",
        A.JOINT_PREPARATION: f"{zh}集体备课:《{topic}》",
        A.OBSERVATION: f"{zh}听课评课活动",
        A.LESSON_TALK: f"{zh}说课交流《{topic}》",
        A.LECTURE: f"专题讲座:{rng.choice(LECTURES)}",
        A.RESEARCH: f"{zh}教研组联合教研:{rng.choice(GENERAL_TOPICS)}",
        A.TRAINING: f"{rng.choice(TRAININGS)}培训",
        A.VISIT: f"{sup}领导班子到{rec}交流访问",
        A.STUDENT_EVENT: f"{sup}与{rec}{rng.choice(STUDENT_EVENTS)}",
    }[kind][:200]


def build_activities(demo: Demo) -> None:
    rng, writer = demo.rng("activities"), demo.writer
    ids, part_ids = writer.ids(Activity), writer.ids(TrainingParticipation)
    items, people, periods = demo.schools.items, demo.people, demo.periods
    spans = [info.records_range(demo) for info in demo.pairings]
    weights = [
        days(*span) * (1 + len(info.schools) / 3) if span else 0
        for info, span in zip(demo.pairings, spans, strict=True)
    ]
    counts = allocate(demo.scale.activities, weights)
    kinds = quota(rng, demo.scale.activities, KIND_WEIGHTS)
    totals = demo.activity_totals
    rows, parts, n = [], [], 0
    for p_index, (info, span, count) in enumerate(
        zip(demo.pairings, spans, counts, strict=True)
    ):
        if not count:
            continue
        overlaps = [period.overlap(*span) for period in periods]
        if not any(overlaps):
            overlaps = [1] * len(periods)
        names = (
            items[info.supporting[0]].school.name,
            items[info.receiving[0]].school.name,
        )
        trainees = [t for s in info.receiving for t in people.teachers(s)]
        for _ in range(count):
            kind = kinds[n]
            n += 1
            period_index = rng.choices(range(len(periods)), weights=overlaps)[0]
            period = periods[period_index]
            low, high = max(span[0], period.start), min(span[1], period.end)
            if low > high:
                low, high = span
            day = school_day(random_date(rng, low, high), low, high)
            if kind in LESSON_KINDS:
                host = pick(rng, LESSON_HOSTS)
                presenter_side = (
                    Side.SUPPORTING if rng.random() < 0.7 else Side.RECEIVING
                )
            else:
                host = pick(rng, HOSTS[kind])
                presenter_side = (
                    Side.SUPPORTING if rng.random() < 0.8 else Side.RECEIVING
                )
            presenter_school = rng.choice(info.side(presenter_side))
            pool = people.teachers(presenter_school)
            if pool and kind not in (A.VISIT, A.STUDENT_EVENT):
                presenter = people.persons[rng.choice(pool)]
                presenter_name, subject = presenter.name, presenter.subject
            else:
                presenter_name = person_name(rng, rng.choice("MF"))
                stage = items[presenter_school].school.stage
                subject = subject_for(rng, stage)
            if kind in (A.VISIT, A.STUDENT_EVENT, A.LECTURE):
                subject = ""
            (lo, hi), (t_lo, t_hi), (s_lo, s_hi) = SIZES[kind]
            lessons = rng.randint(lo, hi)
            students = rng.randint(s_lo, s_hi) * max(1, lessons) if s_hi else 0
            sessions = rng.randint(1, 4) if kind == A.TRAINING else 1
            level = pick(rng, LEVELS) if kind == A.TRAINING else ""
            title = _title(rng, kind, subject, names)
            if level:
                title = f"{LEVEL_ZH[level]}{title}"
            host_school = items[
                rng.choice(
                    info.supporting if host == HostSide.SUPPORTING else info.receiving
                )
            ].school.name
            if host == HostSide.JOINT:
                place = "线上(腾讯会议)" if rng.random() < 0.3 else host_school
                direction = ""
            else:
                venues = EVENT_VENUES if kind == A.STUDENT_EVENT else VENUES
                place = host_school + rng.choice(venues)
                direction = (
                    Direction.TO_RECEIVING
                    if host == HostSide.RECEIVING
                    else Direction.TO_SUPPORTING
                )
            activity = Activity(
                id=next(ids),
                pairing_id=info.pairing.id,
                kind=kind,
                title=title,
                date=day,
                place=place[:128],
                host_side=host,
                direction=direction,
                presenter=presenter_name,
                subject=subject,
                lessons=lessons,
                sessions=sessions,
                training_level=level,
                teacher_participants=rng.randint(t_lo, t_hi),
                student_participants=students,
                description=f"参加人员:{names[0]}、{names[1]}相关学科教师。",
            )
            rows.append(activity)
            if kind == A.TRAINING and trainees and rng.random() < 0.5:
                for person in rng.sample(
                    trainees, min(len(trainees), rng.randint(3, 15))
                ):
                    parts.append(
                        TrainingParticipation(
                            id=next(part_ids),
                            activity_id=activity.id,
                            person_id=people.persons[person].id,
                        )
                    )
            _count(totals, (p_index, period_index), activity)
            if len(rows) >= writer.batch_size * 2:
                writer.save(Activity, rows)
                writer.save(TrainingParticipation, parts)
                rows, parts = [], []
    writer.save(Activity, rows)
    writer.report(Activity)
    writer.save(TrainingParticipation, parts)
    writer.report(TrainingParticipation)
    _backbone(demo)


def _count(totals: dict, key: tuple[int, int], activity: Activity) -> None:
    figures = totals.setdefault(key, [0] * len(FIGURES))
    kind = activity.kind
    if kind in (A.DEMONSTRATION_LESSON, A.OPEN_LESSON):
        figures[0] += activity.lessons
    elif kind == A.LECTURE:
        figures[1] += 1
    elif kind in (A.JOINT_PREPARATION, A.OBSERVATION, A.LESSON_TALK):
        figures[2] += 1
    elif kind == A.RESEARCH:
        figures[3] += 1
    elif kind == A.TRAINING:
        figures[4] += activity.sessions
        figures[5] += activity.teacher_participants
    figures[6] += activity.student_participants


def _backbone(demo: Demo) -> None:
    """Receiving-school teachers recognised as backbone teachers during a pairing."""
    rng, ids = demo.rng("backbone"), demo.writer.ids(BackboneCultivation)
    people, rows = demo.people, []
    for info in demo.pairings:
        span = info.records_range(demo)
        if (
            info.pairing.status == PairingStatus.PREPARING
            or not span
            or days(*span) < 120
        ):
            continue
        teachers = [t for s in info.receiving for t in people.teachers(s)]
        wanted = min(len(teachers), pick(rng, {0: 35, 1: 35, 2: 20, 3: 10}))
        for person in rng.sample(teachers, wanted):
            rows.append(
                BackboneCultivation(
                    id=next(ids),
                    pairing_id=info.pairing.id,
                    person_id=people.persons[person].id,
                    level=pick(rng, BACKBONE_LEVELS),
                    recognised_on=random_date(rng, *span),
                )
            )
    demo.writer.save(BackboneCultivation, rows)
    demo.writer.report(BackboneCultivation)
