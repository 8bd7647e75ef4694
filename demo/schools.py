"""Schools with real-looking names and codes, former names, and a profile per school
year whose figures agree with the stage (classes, pupils, teachers and titles)."""

import random
from dataclasses import dataclass
from datetime import date

from pairings.choices import Locality, Ownership, SchoolStage
from pairings.models import School, SchoolNameChange, SchoolYearProfile

from .base import Demo, allocate, random_date
from .names import ordinal, village_name, words

S = SchoolStage

# County-seat schools in the order a county has them.
SEAT_SCHOOLS = [
    ("实验小学", S.PRIMARY),
    ("实验中学", S.JUNIOR),
    ("第一中学", S.COMPLETE_SECONDARY),
    ("实验幼儿园", S.KINDERGARTEN),
    ("第二实验小学", S.PRIMARY),
    ("职业中等专业学校", S.VOCATIONAL),
    ("第二中学", S.SENIOR),
    ("第三实验小学", S.PRIMARY),
    ("第三中学", S.JUNIOR),
    ("机关幼儿园", S.KINDERGARTEN),
    ("育才学校", S.NINE_YEAR),
    ("第四中学", S.JUNIOR),
]
PRIVATE = {"育才学校"}
ROADS = words("文化路 府前街 青年路 育才路 建设路 人民路 泰山路 黄河路 学府路 和平路")

# Stage groups: a pairing joins schools that teach the same stage.
GROUPS = {
    S.KINDERGARTEN: ("kg",),
    S.PRIMARY: ("primary",),
    S.TEACHING_POINT: ("primary",),
    S.NINE_YEAR: ("primary", "junior"),
    S.JUNIOR: ("junior",),
    S.COMPLETE_SECONDARY: ("junior", "senior"),
    S.SENIOR: ("senior",),
    S.VOCATIONAL: ("vocational",),
    S.HIGHER: ("vocational", "senior"),
}

# classes (low, high), pupils per class (low, high), teachers per class.
SIZES = {
    S.KINDERGARTEN: ((3, 15), (22, 32), 2.2),
    S.PRIMARY: ((6, 42), (28, 45), 2.0),
    S.TEACHING_POINT: ((1, 4), (6, 18), 1.5),
    S.NINE_YEAR: ((9, 30), (30, 45), 2.6),
    S.JUNIOR: ((12, 40), (40, 50), 3.4),
    S.COMPLETE_SECONDARY: ((30, 72), (45, 55), 3.8),
    S.SENIOR: ((24, 66), (45, 55), 3.9),
    S.VOCATIONAL: ((20, 60), (35, 45), 3.5),
    S.HIGHER: ((120, 300), (0, 0), 3.0),
}
TREND = {Locality.URBAN: 0.02, Locality.TOWN: 0.0, Locality.RURAL: -0.04}


@dataclass
class SchoolInfo:
    school: School
    county: int
    city: int
    tier: str  # elite, strong, middle or weak: the side a school usually takes
    teachers: int = 0


@dataclass
class Schools:
    items: list[SchoolInfo]
    pools: dict[tuple[int, str, str], list[int]]

    def candidates(self, county: int, group: str, tier: str) -> list[int]:
        return self.pools.get((county, group, tier), [])


def _township_plan(rng: random.Random, kind: str, count: int):
    """(suffix or None for a village school, stage, locality) for one township."""
    if kind == "street":
        plan = [("小学", S.PRIMARY), ("中学", S.JUNIOR), ("幼儿园", S.KINDERGARTEN)]
        plan += [(f"{ordinal(n)}小学", S.PRIMARY) for n in range(2, count + 2)]
        return [(s, stage, Locality.URBAN) for s, stage in plan[:count]]
    centre = Locality.TOWN if kind == "town" else Locality.RURAL
    plan = [
        ("中心小学", S.PRIMARY, centre),
        ("中学", S.JUNIOR, centre),
        ("中心幼儿园", S.KINDERGARTEN, centre),
    ]
    if rng.random() < 0.35:
        plan.append(("九年一贯制学校", S.NINE_YEAR, centre))
    while len(plan) < count:
        stage = rng.choices(
            [S.PRIMARY, S.TEACHING_POINT, S.KINDERGARTEN], weights=[60, 22, 18]
        )[0]
        plan.append((None, stage, Locality.RURAL))
    return plan[:count]


VILLAGE_SUFFIX = {
    S.PRIMARY: "小学",
    S.TEACHING_POINT: "教学点",
    S.KINDERGARTEN: "幼儿园",
}


def build_schools(demo: Demo) -> None:
    rng, writer = demo.rng("schools"), demo.writer
    ids = writer.ids(School)
    counties = demo.regions.counties
    per_county = allocate(
        demo.scale.schools, [len(c.townships) + 2 for c in counties], minimum=4
    )
    serial = [0] * len(demo.regions.cities)
    items: list[SchoolInfo] = []
    higher_done: set[int] = set()

    def add(name, region, stage, locality, county_index, address, private=False):
        county = counties[county_index]
        serial[county.city] += rng.randint(1, 3) if demo.scale.schools < 20000 else 1
        city_code = demo.regions.cities[county.city].code
        model = stage in (S.HIGHER,) or name.endswith(
            ("实验小学", "实验中学", "第一中学")
        )
        model = model or (locality == Locality.TOWN and rng.random() < 0.1)
        weak_odds = {Locality.URBAN: 0.03, Locality.TOWN: 0.2, Locality.RURAL: 0.55}
        weak = not model and rng.random() < weak_odds[locality]
        school = School(
            id=next(ids),
            code=f"31{city_code[:4]}{serial[county.city]:04d}",
            name=name,
            region_id=region.id,
            stage=stage,
            ownership=Ownership.PRIVATE if private else Ownership.PUBLIC,
            locality=locality,
            is_weak=weak,
            is_poor_village=locality == Locality.RURAL and rng.random() < 0.25,
            is_model=model,
            address=address,
        )
        if stage == S.HIGHER:
            tier = "elite"  # a college supports, it is never the receiving side
        elif model or (locality == Locality.URBAN and not weak):
            tier = "strong"
        elif weak or locality == Locality.RURAL:
            tier = "weak"
        else:
            tier = "middle"
        items.append(SchoolInfo(school, county_index, county.city, tier))

    for index, (county, total) in enumerate(zip(counties, per_county, strict=True)):
        cname = county.region.name
        before = len(items)
        share = 0.3 if county.is_district else 0.12
        seat = max(3, min(total - len(county.townships), round(total * share)))
        for k in range(seat):
            if k < len(SEAT_SCHOOLS):
                suffix, stage = SEAT_SCHOOLS[k]
            else:
                suffix, stage = (f"{ordinal(k - len(SEAT_SCHOOLS) + 2)}小学", S.PRIMARY)
            address = f"{cname}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
            private = suffix in PRIVATE
            add(
                cname + suffix,
                county.region,
                stage,
                Locality.URBAN,
                index,
                address,
                private,
            )
        if county.is_district and county.city not in higher_done:
            higher_done.add(county.city)
            city_name = demo.regions.cities[county.city].name[:-1]
            address = f"{cname}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
            add(
                f"{city_name}职业技术学院",
                county.region,
                S.HIGHER,
                Locality.URBAN,
                index,
                address,
            )
        remaining = total - (len(items) - before)
        weights = [
            {"street": 1.0, "town": 1.3, "village": 0.8}[k] for k in county.kinds
        ]
        for township, kind, count in zip(
            county.townships, county.kinds, allocate(remaining, weights), strict=True
        ):
            tname = township.name
            stem = tname.removesuffix("街道").removesuffix("镇").removesuffix("乡")
            used: set[str] = set()
            for suffix, stage, locality in _township_plan(rng, kind, count):
                if suffix is None:
                    village = village_name(rng)
                    while village in used:
                        village = village_name(rng)
                    used.add(village)
                    name = f"{tname}{village}{VILLAGE_SUFFIX[stage]}"
                    address = f"{cname}{tname}{village}"
                elif kind == "street":
                    name = f"{cname}{stem}{suffix}"
                    address = (
                        f"{cname}{tname}{rng.choice(ROADS)}{rng.randint(1, 200)}号"
                    )
                else:
                    name = f"{tname}{suffix}"
                    address = f"{cname}{tname}驻地"
                add(name, township, stage, locality, index, address)

    pools: dict[tuple[int, str, str], list[int]] = {}
    for i, info in enumerate(items):
        for group in GROUPS[info.school.stage]:
            pools.setdefault((info.county, group, info.tier), []).append(i)
    demo.schools = Schools(items, pools)
    writer.save(School, [info.school for info in items])
    writer.report(School)
    _name_changes(demo)
    _profiles(demo)


FORMER = [
    ("中心小学", "完全小学"),
    ("实验小学", "城关小学"),
    ("九年一贯制学校", "联办中学"),
    ("实验中学", "城关中学"),
    ("中学", "初级中学"),
    ("幼儿园", "幼儿班"),
    ("小学", "村小"),
]


def _name_changes(demo: Demo) -> None:
    rng, ids = demo.rng("school-names"), demo.writer.ids(SchoolNameChange)
    rows = []
    last = date(demo.anchor.year - 1, 8, 31)
    for info in demo.schools.items:
        if rng.random() >= 0.07:
            continue
        name = info.school.name
        for current, former in FORMER:
            if name.endswith(current):
                rows.append(
                    SchoolNameChange(
                        id=next(ids),
                        school_id=info.school.id,
                        former_name=name.removesuffix(current) + former,
                        renamed_on=random_date(rng, date(2006, 8, 1), last),
                    )
                )
                break
    demo.writer.save(SchoolNameChange, rows)
    demo.writer.report(SchoolNameChange)


def _split_pupils(rng, stage, pupils):
    """(preschool, primary, junior, senior) for a school of ``stage``."""
    if stage == S.KINDERGARTEN:
        return pupils, 0, 0, 0
    if stage == S.TEACHING_POINT:
        pre = round(pupils * rng.uniform(0, 0.3))
        return pre, pupils - pre, 0, 0
    if stage == S.PRIMARY:
        return 0, pupils, 0, 0
    if stage == S.NINE_YEAR:
        primary = round(pupils * 2 / 3)
        return 0, primary, pupils - primary, 0
    if stage == S.JUNIOR:
        return 0, 0, pupils, 0
    if stage == S.COMPLETE_SECONDARY:
        junior = round(pupils * rng.uniform(0.3, 0.45))
        return 0, 0, junior, pupils - junior
    if stage in (S.SENIOR, S.VOCATIONAL):
        return 0, 0, 0, pupils
    return 0, 0, 0, 0


def _profiles(demo: Demo) -> None:
    rng, ids = demo.rng("profiles"), demo.writer.ids(SchoolYearProfile)
    years = sorted({period.school_year for period in demo.periods})
    rows = []
    for info in demo.schools.items:
        school = info.school
        (low, high), (per_low, per_high), ratio = SIZES[school.stage]
        if school.locality == Locality.RURAL:
            high = max(low, (low + high) // 3)
        elif school.locality == Locality.TOWN:
            high = max(low, (low + high * 2) // 3)
        base_classes = rng.randint(low, high)
        per_class = rng.uniform(per_low, per_high)
        ratio *= rng.uniform(0.85, 1.2)
        trend = TREND[school.locality] + rng.uniform(-0.02, 0.02)
        for step, year in enumerate(years):
            classes = max(1, round(base_classes * (1 + trend) ** step))
            pupils = round(classes * per_class * rng.uniform(0.95, 1.05))
            teachers = max(2, round(classes * ratio * rng.uniform(0.95, 1.05)))
            full_time = teachers - rng.randint(0, max(1, teachers // 12))
            full_time = max(1, full_time)
            subject = max(1, round(full_time * rng.uniform(0.82, 0.95)))
            senior_share = 0.22 if school.stage in (S.SENIOR, S.HIGHER) else 0.1
            senior = round(full_time * rng.uniform(0.3, 1.3) * senior_share)
            middle = min(full_time - senior, round(full_time * rng.uniform(0.35, 0.55)))
            pre, primary, junior, senior_pupils = _split_pupils(
                rng, school.stage, pupils
            )
            rows.append(
                SchoolYearProfile(
                    id=next(ids),
                    school_id=school.id,
                    school_year=year,
                    classes=classes,
                    students_preschool=pre,
                    students_primary=primary,
                    students_junior=junior,
                    students_senior=senior_pupils,
                    teachers=teachers,
                    full_time_teachers=full_time,
                    subject_teachers=subject,
                    senior_titles=senior,
                    intermediate_titles=middle,
                    backbone_teachers=round(full_time * rng.uniform(0.04, 0.15)),
                )
            )
        info.teachers = rows[-1].full_time_teachers
    demo.writer.save(SchoolYearProfile, rows)
    demo.writer.report(SchoolYearProfile)
