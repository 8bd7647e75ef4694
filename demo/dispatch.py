"""Secondments both ways, their stints on post and the host schools' appraisals.

Dates follow the semesters: some stints cross a semester boundary, some are shorter
than 7 days and some people stay under 30 days a semester, so compliance rules both
pass and fail. The stint total is exact, and stints of a secondment never overlap."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.choices import Direction, Side
from dispatch.choices import AppraisalResult, PersonRole, SecondmentKind
from dispatch.choices import SecondmentStatus as Status
from dispatch.models import Appraisal, Secondment, Stint
from pairings.choices import PairingStatus

from .base import Demo, Weighted, allocate, days, pick, quota, random_date
from .calendar import following_semesters, school_year_of
from .people import build_people
from .texts import (
    ATTACHMENT_DUTIES,
    GRADES,
    SELF_APPRAISALS,
    SENDING_OPINIONS,
    SUBJECT_ZH,
)

K, D = SecondmentKind, Direction
DAY = timedelta(days=1)
STATUS_WEIGHTS = {
    Status.COMPLETED: 62,
    Status.ON_POST: 17,
    Status.RETURNED_EARLY: 15,
    Status.PLANNED: 6,
}
KIND_WEIGHTS = {
    (D.TO_RECEIVING, K.TEACHING): 30,
    (D.TO_RECEIVING, K.ATTACHMENT): 10,
    (D.TO_RECEIVING, K.OUTREACH): 13,
    (D.TO_RECEIVING, K.ROTATION): 12,
    (D.TO_SUPPORTING, K.SHADOWING): 20,
    (D.TO_SUPPORTING, K.ATTACHMENT): 8,
    (D.TO_SUPPORTING, K.TEACHING): 3,
    (D.TO_SUPPORTING, K.ROTATION): 4,
}
SHAPES = {
    K.TEACHING: {"semester": 50, "year": 25, "cross": 25},
    K.ROTATION: {"semester": 40, "year": 35, "cross": 25},
    K.ATTACHMENT: {"semester": 55, "cross": 25, "short": 20},
    K.SHADOWING: {"short": 75, "cross": 10, "semester": 15},
    K.OUTREACH: {"burst": 100},
}
WEEKLY = {
    K.TEACHING: (10, 16),
    K.ROTATION: (12, 18),
    K.ATTACHMENT: (0, 6),
    K.SHADOWING: (4, 10),
    K.OUTREACH: (2, 8),
}
APPRAISALS = {"excellent": 30, "competent": 55, "basic": 10, "incompetent": 5}
STINT_NOTES = ("寒假期间留校辅导毕业班", "因病请假后返岗", "期中考试后轮换", "集中送教")


@dataclass
class Slot:
    """A planned secondment before a person is chosen for it."""

    pairing: int
    direction: str
    kind: str
    status: str
    sending: int
    host: int
    start: date
    end: date
    actual_end: date | None  # last day on post so far; None if not yet on post
    stints: int = 0
    ranges: list[tuple[date, date]] = field(default_factory=list)


class _Planner:
    def __init__(self, demo: Demo):
        self.demo = demo
        self.rng = demo.rng("secondments")
        self.anchor = demo.anchor
        last = demo.periods[-1]
        self.semesters = list(demo.periods) + following_semesters(last, 3)

    def shape_range(self, kind: str, shape: str, index: int) -> tuple[date, date]:
        rng, sem = self.rng, self.semesters[index]
        nxt = self.semesters[min(index + 1, len(self.semesters) - 1)]
        if shape == "semester":
            return sem.start + rng.randint(0, 14) * DAY, sem.end - rng.randint(
                0, 7
            ) * DAY
        if shape == "year":
            return sem.start + rng.randint(0, 7) * DAY, nxt.end - rng.randint(
                0, 7
            ) * DAY
        if shape == "cross":
            start = sem.start + rng.randint(30, 90) * DAY
            return start, nxt.start + rng.randint(30, 100) * DAY
        start = random_date(rng, sem.start, sem.end - 20 * DAY)
        length = rng.randint(14, 60) if shape == "short" else rng.randint(3, 25)
        return start, start + length * DAY

    def dates(self, slot_kind, status, low, high) -> tuple[date, date, date | None]:
        """(planned start, planned end, last day on post) within [low, high]."""
        rng, anchor = self.rng, self.anchor
        shape = pick(rng, SHAPES[slot_kind])
        if status == Status.ON_POST:  # began before the anchor, ends after it
            current = [i for i, s in enumerate(self.semesters) if s.start <= anchor]
            for _ in range(10):
                index = rng.choice(current[-2:])
                start, end = self.shape_range(slot_kind, shape, index)
                start, end = max(start, low), min(end, high)
                if start <= anchor - 7 * DAY and end >= anchor + 14 * DAY:
                    return start, end, anchor
                shape = pick(rng, SHAPES[K.TEACHING])
            start = random_date(rng, max(low, anchor - 120 * DAY), anchor - 7 * DAY)
            return start, max(min(high, anchor + 120 * DAY), anchor + 14 * DAY), anchor
        if status == Status.PLANNED:  # not on post yet
            first = anchor + 7 * DAY
            future = [
                i for i, s in enumerate(self.semesters) if s.end > first + 20 * DAY
            ]
            start, end = self.shape_range(slot_kind, shape, rng.choice(future[:2]))
            start = min(max(start, low, first), high)
            end = min(end, high)
            if days(start, end) < 3:
                end = start + rng.randint(3, 20) * DAY
            return start, end, None
        past = [i for i, s in enumerate(self.semesters) if s.start < anchor]
        for _ in range(8):
            start, end = self.shape_range(slot_kind, shape, rng.choice(past))
            start, end = max(start, low), min(end, high, anchor - DAY)
            if days(start, end) >= 3:
                break
        else:
            high = min(high, anchor - DAY)
            start = random_date(rng, low, max(low, high - 20 * DAY))
            end = min(start + rng.randint(3, 20) * DAY, high)
        actual = end
        if status == Status.RETURNED_EARLY:
            actual = start + round((end - start).days * rng.uniform(0.3, 0.75)) * DAY
        return start, end, actual

    def plan(self) -> list[Slot]:
        demo, rng, anchor = self.demo, self.rng, self.anchor
        pairings = demo.pairings
        eligible = {Status.COMPLETED: [], Status.ON_POST: [], Status.PLANNED: []}
        for i, info in enumerate(pairings):
            p = info.pairing
            weight = len(info.schools) + 1
            span = info.records_range(demo)
            if span and days(*span) >= 30 and span[0] <= anchor - 30 * DAY:
                eligible[Status.COMPLETED].append((i, weight))
            if p.status == PairingStatus.ACTIVE and p.start_date <= anchor - 14 * DAY:
                eligible[Status.ON_POST].append((i, weight))
            open_ = p.status in (PairingStatus.ACTIVE, PairingStatus.PREPARING)
            if open_ and p.end_date >= anchor + 30 * DAY:
                eligible[Status.PLANNED].append((i, weight))
        eligible[Status.RETURNED_EARLY] = eligible[Status.COMPLETED]
        draws = {
            status: Weighted([i for i, _w in options], [w for _i, w in options])
            for status, options in eligible.items()
        }
        total = demo.scale.secondments
        statuses = quota(rng, total, STATUS_WEIGHTS)
        kinds = quota(rng, total, KIND_WEIGHTS)
        slots = []
        for status, (direction, kind) in zip(statuses, kinds, strict=True):
            index = draws[status].draw(rng)
            info = pairings[index]
            sending_side = (
                Side.SUPPORTING if direction == D.TO_RECEIVING else Side.RECEIVING
            )
            host_side = (
                Side.RECEIVING if sending_side == Side.SUPPORTING else Side.SUPPORTING
            )
            sending = rng.choice(info.side(sending_side))
            host = rng.choice(info.side(host_side))
            low = max(info.pairing.start_date, demo.window_start)
            high = info.pairing.end_date
            start, end, actual = self.dates(kind, status, low, high)
            slots.append(
                Slot(index, direction, kind, status, sending, host, start, end, actual)
            )
        return slots


def split_range(rng: random.Random, start: date, end: date, parts: int):
    """``parts`` non-overlapping stints in [start, end], in order, gaps between."""
    length = days(start, end)
    if parts == 1:
        return [(start, end)]
    room = max(1, (length - parts) // (2 * parts))
    gaps = [rng.randint(1, min(14, room)) for _ in range(parts - 1)]
    on_post = length - sum(gaps)
    shares = [rng.uniform(0.4, 1.6) for _ in range(parts)]
    lengths = allocate(on_post, shares, minimum=1)
    stints, day = [], start
    for k, size in enumerate(lengths):
        stints.append((day, day + (size - 1) * DAY))
        day += (size + (gaps[k] if k < len(gaps) else 0)) * DAY
    return stints


def _stint_counts(rng: random.Random, slots: list[Slot], target: int) -> None:
    """1–3 stints per secondment on post, adjusted so the total is exactly
    ``target``; planned secondments have none yet."""
    active = [s for s in slots if s.actual_end is not None]
    limits = [min(3, (days(s.start, s.actual_end) + 1) // 2) for s in active]
    for slot, limit in zip(active, limits, strict=True):
        slot.stints = min(limit, pick(rng, {1: 20, 2: 35, 3: 45}))
    diff = target - sum(s.stints for s in active)
    order = list(range(len(active)))
    while diff:
        rng.shuffle(order)
        changed = False
        for i in order:
            slot = active[i]
            if diff > 0 and slot.stints < limits[i]:
                slot.stints, diff, changed = slot.stints + 1, diff - 1, True
            elif diff < 0 and slot.stints > 1:
                slot.stints, diff, changed = slot.stints - 1, diff + 1, True
            if not diff:
                break
        if not changed:
            raise ValueError(f"cannot reach {target} stints")


def _semester_number(day: date) -> int:
    return school_year_of(day) * 2 + (0 if day.month >= 9 or day.month == 1 else 1)


EARLIEST = date.min


def _role(slot) -> str:
    return PersonRole.MANAGER if slot.kind == K.ATTACHMENT else PersonRole.TEACHER


def _most_on_post_at_once(slots) -> dict[tuple[int, str], int]:
    """Per (sending school, role), the most slots on post on one day: the pool needs
    that many people, since a person is on post in one place at a time."""
    events: dict[tuple[int, str], list[tuple[date, int]]] = {}
    for slot in slots:
        if slot.actual_end is not None:
            key = (slot.sending, _role(slot))
            events.setdefault(key, []).extend(
                [(slot.start, 1), (slot.actual_end + timedelta(days=1), -1)]
            )
    peaks = {}
    for key, changes in events.items():
        current = peak = 0
        for _day, change in sorted(changes):
            current += change
            peak = max(peak, current)
        peaks[key] = peak
    return peaks


def build_secondments(demo: Demo) -> None:
    planner = _Planner(demo)
    rng = planner.rng
    slots = planner.plan()
    _stint_counts(rng, slots, demo.scale.stints)
    demand: dict[tuple[int, str], int] = {}
    for slot in slots:
        key = (slot.sending, _role(slot))
        demand[key] = demand.get(key, 0) + 1
    people = build_people(demo, demand, least=_most_on_post_at_once(slots))
    demo.people = people
    writer = demo.writer
    ids, stint_ids = writer.ids(Secondment), writer.ids(Stint)
    chosen = [0] * len(slots)
    on_post_until: dict[int, date] = {}
    for i in sorted(range(len(slots)), key=lambda i: slots[i].start):
        slot = slots[i]
        pool = people.pools[(slot.sending, _role(slot))]
        # A person is on post in one place at a time (the stint rule of
        # dispatch.services): only someone whose stints so far have ended.
        free = [p for p in pool if on_post_until.get(p, EARLIEST) < slot.start]
        person = min(
            rng.sample(free, min(4, len(free))), key=people.busy_until.__getitem__
        )
        people.busy_until[person] = max(people.busy_until[person], slot.end)
        if slot.actual_end is not None:
            on_post_until[person] = max(
                on_post_until.get(person, EARLIEST), slot.actual_end
            )
        chosen[i] = person
    rows, stints = [], []
    items = demo.schools.items
    for slot, person_index in zip(slots, chosen, strict=True):
        person = people.persons[person_index]
        pairing = demo.pairings[slot.pairing].pairing
        subject = SUBJECT_ZH[person.subject]
        low, high = WEEKLY[slot.kind]
        secondment = Secondment(
            id=next(ids),
            person_id=person.id,
            pairing_id=pairing.id,
            direction=slot.direction,
            kind=slot.kind,
            sending_school_id=items[slot.sending].school.id,
            host_school_id=items[slot.host].school.id,
            batch=max(
                1,
                _semester_number(slot.start) - _semester_number(pairing.start_date) + 1,
            ),
            planned_start=slot.start,
            planned_end=slot.end,
            subject=person.subject,
            weekly_periods=rng.randint(low, high),
            duties=_duties(rng, slot.kind, subject, person.stage),
            status=slot.status,
            note=_note(rng, slot.status),
        )
        rows.append(secondment)
        demo.secondments.append((secondment, slot))
        if slot.stints:
            slot.ranges = split_range(rng, slot.start, slot.actual_end, slot.stints)
            for start, end in slot.ranges:
                stints.append(
                    Stint(
                        id=next(stint_ids),
                        secondment_id=secondment.id,
                        start=start,
                        end=end,
                        note=rng.choice(STINT_NOTES) if rng.random() < 0.04 else "",
                    )
                )
    writer.save(Secondment, rows)
    writer.report(Secondment)
    writer.save(Stint, stints)
    writer.report(Stint)
    _appraisals(demo)


def _duties(rng: random.Random, kind: str, subject: str, stage: str) -> str:
    group = {"kindergarten": "kg", "junior": "junior", "senior": "senior"}
    grade = rng.choice(GRADES.get(group.get(stage, "primary"), GRADES["primary"]))
    return {
        K.TEACHING: f"担任{grade}{subject}教学",
        K.ROTATION: f"交流轮岗,任{grade}{subject}教师",
        K.ATTACHMENT: rng.choice(ATTACHMENT_DUTIES),
        K.SHADOWING: f"跟岗学习{subject}教学与班级管理",
        K.OUTREACH: f"送教下乡:{subject}示范课与专题讲座",
    }[kind]


def _note(rng: random.Random, status: str) -> str:
    if status == Status.RETURNED_EARLY:
        return rng.choice(
            ("因家庭原因提前返回。", "因病提前返回原单位。", "工作调动提前结束。")
        )
    if status == Status.COMPLETED and rng.random() < 0.05:
        return "期满考核合格,已返回原单位。"
    return ""


def _appraisals(demo: Demo) -> None:
    """The host school appraises most people once their year on post is over."""
    rng, ids = demo.rng("appraisals"), demo.writer.ids(Appraisal)
    chosen = []
    for secondment, slot in demo.secondments:
        if slot.actual_end is None:
            continue
        long_enough = days(slot.start, slot.actual_end) >= 60
        odds = 0.4 if slot.status == Status.ON_POST else 0.7
        if long_enough and rng.random() < odds:
            years = [slot.actual_end.year]
            if slot.start.year != slot.actual_end.year and rng.random() < 0.3:
                years.insert(0, slot.start.year)
            chosen.extend((secondment, year) for year in years)
    results = quota(rng, len(chosen), APPRAISALS)
    rows = [
        Appraisal(
            id=next(ids),
            secondment_id=secondment.id,
            year=year,
            result=result,
            self_appraisal=rng.choice(SELF_APPRAISALS),
            sending_school_opinion=rng.choice(SENDING_OPINIONS)
            if result != AppraisalResult.INCOMPETENT
            else "",
        )
        for (secondment, year), result in zip(chosen, results, strict=True)
    ]
    demo.writer.save(Appraisal, rows)
    demo.writer.report(Appraisal)
