"""People: the staff pools of the schools that send or receive secondments and
trainings, with plausible names, subjects, titles and (for some) ID numbers."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from dispatch.choices import Gender, PersonRole, Subject, Title
from dispatch.models import Person
from pairings.choices import SchoolStage

from .base import Demo, allocate, pick
from .names import person_name

S = SchoolStage
FEMALE_SHARE = {
    S.KINDERGARTEN: 0.97,
    S.PRIMARY: 0.75,
    S.TEACHING_POINT: 0.7,
    S.NINE_YEAR: 0.7,
    S.JUNIOR: 0.62,
    S.COMPLETE_SECONDARY: 0.52,
    S.SENIOR: 0.52,
    S.VOCATIONAL: 0.5,
    S.HIGHER: 0.5,
}
PRIMARY_SUBJECTS = {
    Subject.CHINESE: 30,
    Subject.MATHS: 25,
    Subject.ENGLISH: 10,
    Subject.SCIENCE: 6,
    Subject.MUSIC: 6,
    Subject.ART: 6,
    Subject.PE: 8,
    Subject.IT: 4,
    Subject.POLITICS: 5,
}
SECONDARY_SUBJECTS = {
    Subject.CHINESE: 16,
    Subject.MATHS: 16,
    Subject.ENGLISH: 14,
    Subject.PHYSICS: 8,
    Subject.CHEMISTRY: 6,
    Subject.BIOLOGY: 6,
    Subject.POLITICS: 8,
    Subject.HISTORY: 7,
    Subject.GEOGRAPHY: 6,
    Subject.MUSIC: 3,
    Subject.ART: 3,
    Subject.PE: 5,
    Subject.IT: 2,
}
VOCATIONAL_SUBJECTS = {**SECONDARY_SUBJECTS, Subject.OTHER: 30}
TEACHER_TITLES = {
    Title.PROFESSOR: 1,
    Title.SENIOR: 14,
    Title.FIRST: 38,
    Title.SECOND: 30,
    Title.THIRD: 7,
    Title.NONE: 10,
}
MANAGER_TITLES = {
    Title.PROFESSOR: 5,
    Title.SENIOR: 45,
    Title.FIRST: 40,
    Title.SECOND: 10,
}
HONOURS = ("教坛新星", "学科带头人", "市级优秀教师", "县级骨干教师", "齐鲁名师培养人选")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(rng: random.Random, region_code: str, gender: str, born: date) -> str:
    """An 18-digit resident ID: region, birth date, sequence (odd for men) and the
    ISO 7064 MOD 11-2 check digit."""
    sequence = rng.randrange(1 if gender == Gender.MALE else 0, 1000, 2)
    body = f"{region_code}{born:%Y%m%d}{sequence:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def stage_taught(rng: random.Random, stage: str) -> str:
    if stage == S.NINE_YEAR:
        return rng.choice([S.PRIMARY, S.JUNIOR])
    if stage == S.COMPLETE_SECONDARY:
        return rng.choice([S.JUNIOR, S.SENIOR])
    if stage == S.TEACHING_POINT:
        return S.PRIMARY
    return stage


def subject_for(rng: random.Random, stage: str) -> str:
    if stage == S.KINDERGARTEN:
        return Subject.PRESCHOOL
    if stage == S.PRIMARY:
        return pick(rng, PRIMARY_SUBJECTS)
    if stage in (S.VOCATIONAL, S.HIGHER):
        return pick(rng, VOCATIONAL_SUBJECTS)
    return pick(rng, SECONDARY_SUBJECTS)


@dataclass
class People:
    persons: list[Person]
    pools: dict[tuple[int, str], list[int]]  # (school index, role) -> persons
    busy_until: list[date]

    def teachers(self, school: int) -> list[int]:
        return self.pools.get((school, PersonRole.TEACHER), [])


def build_people(
    demo: Demo,
    demand: dict[tuple[int, str], int],
    least: dict[tuple[int, str], int],
) -> People:
    """Exactly ``scale.people`` persons: one pool per (school, role) that sends
    someone, sized after the demand and never below ``least`` (the most people it
    has on post at once), plus teachers of receiving schools (trainees)."""
    rng, ids = demo.rng("people"), demo.writer.ids(Person)
    budget = demo.scale.people
    wanted = {key: max(1, round(n / 1.4)) for key, n in sorted(demand.items())}
    receiving = sorted({s for p in demo.pairings for s in p.receiving})
    for school in receiving:
        key = (school, PersonRole.TEACHER)
        wanted[key] = wanted.get(key, 0) + 3
    if len(wanted) > budget:  # drop trainee-only pools first
        spare = [k for k in wanted if k not in demand]
        for key in spare[: len(wanted) - budget]:
            del wanted[key]
    if len(wanted) > budget:
        raise ValueError(f"{budget} people cannot staff {len(wanted)} school pools")
    keys = sorted(wanted)
    floor = [max(1, least.get(k, 0)) for k in keys]
    extra = allocate(budget - sum(floor), [wanted[k] for k in keys])
    sizes = [f + e for f, e in zip(floor, extra, strict=True)]
    items = demo.schools.items
    regions = {c.region.id: c.region.code for c in demo.regions.counties}
    town_county = {
        t.id: c.region.code for c in demo.regions.counties for t in c.townships
    }
    persons: list[Person] = []
    pools: dict[tuple[int, str], list[int]] = {}
    for (school_index, role), size in zip(keys, sizes, strict=True):
        school = items[school_index].school
        county_code = regions.get(school.region_id) or town_county[school.region_id]
        manager = role == PersonRole.MANAGER
        for _ in range(size):
            female = 0.35 if manager else FEMALE_SHARE[school.stage]
            gender = Gender.FEMALE if rng.random() < female else Gender.MALE
            stage = stage_taught(rng, school.stage)
            if manager and rng.random() < 0.8:
                subject = Subject.MANAGEMENT
            else:
                subject = subject_for(rng, stage)
            born = date(1966 if manager else 1970, 1, 1) + timedelta(
                days=rng.randint(0, 365 * (20 if manager else 29))
            )
            titles = MANAGER_TITLES if manager else TEACHER_TITLES
            pools.setdefault((school_index, role), []).append(len(persons))
            persons.append(
                Person(
                    id=next(ids),
                    name=person_name(rng, gender),
                    gender=gender,
                    home_school_id=school.id,
                    role=role,
                    subject=subject,
                    stage=stage,
                    title=pick(rng, titles),
                    is_backbone=rng.random() < (0.3 if manager else 0.14),
                    honours=rng.choice(HONOURS) if rng.random() < 0.1 else "",
                    id_number=id_number(rng, county_code, gender, born)
                    if rng.random() < 0.6
                    else "",
                    phone=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
                    if rng.random() < 0.5
                    else "",
                )
            )
    demo.writer.save(Person, persons)
    demo.writer.report(Person)
    return People(persons, pools, [date.min] * len(persons))
