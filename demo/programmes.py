"""Programmes: the policies pairings run under, owned by the province, a city or a
county bureau, with document numbers, cycles of 1.5, 3 or 5 years and thresholds."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from pairings.choices import ProgrammeKind
from pairings.models import Programme, Region

from .base import Demo

K = ProgrammeKind


@dataclass(frozen=True)
class ProgrammeSpec:
    kind: str
    name: str  # {owner} is the owning region's name
    owner: tuple[str, int]  # ("province" | "city" | "county", index)
    years: float
    start_offset: int  # school years before the anchor's school year
    weight: int  # share of the pairings
    thresholds: dict = field(default_factory=dict)
    description: str = ""


# The first three are the ones the small and county scales use.
SPECS = [
    ProgrammeSpec(
        kind=K.URBAN_RURAL,
        name="{owner}城乡学校对口帮扶工作",
        owner=("city", 0),
        years=3,
        start_offset=2,
        weight=45,
        description="以城带乡、以强扶弱,城区优质学校与农村薄弱学校结对,三年为一个帮扶周期。",
    ),
    ProgrammeSpec(
        kind=K.EAST_WEST,
        name="省内东西部协作教育帮扶",
        owner=("province", 0),
        years=5,
        start_offset=3,
        weight=10,
        thresholds={"min_days_on_post": 45, "min_teachers_exchanged": 3},
        description="东部市优质学校对口帮扶西部市薄弱学校,开展支教、挂职、跟岗学习和"
        "物资援助。",
    ),
    ProgrammeSpec(
        kind=K.BALANCED,
        name="{owner}义务教育均衡发展迎检帮扶",
        owner=("county", 0),
        years=1.5,
        start_offset=1,
        weight=15,
        description="为迎接县域义务教育优质均衡发展督导评估,组织强校帮扶薄弱学校。",
    ),
    ProgrammeSpec(
        kind=K.URBAN_RURAL,
        name="全省城乡学校结对帮扶",
        owner=("province", 0),
        years=3,
        start_offset=2,
        weight=120,
        description="全省城区学校与乡村学校一对一或一对多结对,每校每学年互派教师。",
    ),
    ProgrammeSpec(
        kind=K.GROUP,
        name="{owner}集团化办学",
        owner=("city", 1),
        years=3,
        start_offset=1,
        weight=12,
        thresholds={"min_research_activities": 2, "min_managers_per_side": 2},
        description="名校牵头组建教育集团,统一教学管理、共享课程资源、联合教研。",
    ),
    ProgrammeSpec(
        kind=K.URBAN_RURAL,
        name="{owner}城乡学校结对帮扶",
        owner=("county", 1),
        years=3,
        start_offset=2,
        weight=8,
        description="县域内城区学校与乡镇学校结对,帮扶周期三年。",
    ),
    ProgrammeSpec(
        kind=K.URBAN_RURAL,
        name="{owner}乡村学校对口帮扶",
        owner=("city", 2),
        years=3,
        start_offset=2,
        weight=14,
        description="市直及城区学校对口帮扶乡村学校和教学点。",
    ),
    ProgrammeSpec(
        kind=K.OTHER,
        name="县域教师交流轮岗(强校带弱校)",
        owner=("province", 0),
        years=3,
        start_offset=1,
        weight=10,
        description="义务教育学校校长教师交流轮岗,骨干教师到乡村学校任教。",
    ),
]


# The national scale's programmes across provinces (东西部协作): the supporting
# province (owner) and the receiving one, by index in demo.regions.PROVINCES.
CROSS_PROVINCE = [
    (0, 6, "鲁渝东西部协作教育帮扶"),  # 山东 → 重庆
    (4, 5, "粤桂东西部协作教育帮扶"),  # 广东 → 广西
    (4, 8, "粤黔东西部协作教育帮扶"),  # 广东 → 贵州
]
CROSS_WEIGHT = 30


@dataclass
class ProgrammeInfo:
    programme: Programme
    region: Region
    weight: int
    # Across provinces: the receiving schools' province (the supporting schools are
    # in ``region``, the owner's).
    partner: Region | None = None


def _owner(
    demo: Demo, owner: tuple[str, int], province: int = 0
) -> tuple[Region, str, str]:
    """The owning region, its issuing body and document prefix; indexes count
    within ``province`` (the national scale) or the one province."""
    level, index = owner
    regions = demo.regions
    if regions.provinces:
        cities = [i for i, p in enumerate(regions.city_province) if p == province]
        counties = [i for i, c in enumerate(regions.counties) if c.city in set(cities)]
    else:
        cities, counties = list(range(len(regions.cities))), None
    if level == "city":
        index = cities[index if index < len(cities) else 0]
        city = regions.cities[index]
        return city, f"{city.name}教育局", f"{regions.city_short[index]}教发"
    if level == "county":
        if counties is not None:
            index = counties[index if index < len(counties) else 0]
        index = index if index < len(regions.counties) else 0
        county = regions.counties[index].region
        return county, f"{county.name}教育和体育局", f"{county.name[0]}教字"
    if regions.provinces and province:
        region = regions.provinces[province]
        body = "教育委员会" if region.name.endswith("市") else "教育厅"
        return region, f"{region.name}{body}", f"{regions.province_short[province]}教"
    return regions.province, "山东省教育厅", "鲁教"


def cycle(anchor: date, years: float, start_offset: int) -> tuple[date, date]:
    """A cycle starting ``start_offset`` school years before the anchor's one."""
    school_year = anchor.year if anchor.month >= 9 else anchor.year - 1
    start = date(school_year - start_offset, 9, 1)
    months = round(years * 12)
    end_year, end_month = divmod(start.month - 1 + months, 12)
    end = date(start.year + end_year, end_month + 1, 1) - timedelta(days=1)
    return start, end


def _plan(demo: Demo) -> list[tuple[ProgrammeSpec, int, int | None]]:
    """(spec, owning province, receiving province across provinces or None)."""
    if not demo.regions.provinces:
        return [(spec, 0, None) for spec in SPECS[: demo.scale.programmes]]
    provinces = len(demo.regions.provinces)
    cross = [c for c in CROSS_PROVINCE if max(c[:2]) < provinces]
    if not cross and provinces > 1:  # reduced variants: the first to the last
        cross = [(0, provinces - 1, "东西部协作教育帮扶")]
    per_province = min(len(SPECS), max(1, (demo.scale.programmes - len(cross))))
    per_province = min(per_province, max(1, demo.scale.programmes // provinces))
    plan = [(spec, p, None) for p in range(provinces) for spec in SPECS[:per_province]]
    east_west = next(s for s in SPECS if s.kind == K.EAST_WEST)
    for owner, partner, name in cross:
        spec = ProgrammeSpec(
            kind=K.EAST_WEST,
            name=name,
            owner=("province", 0),
            years=5,
            start_offset=3,
            weight=CROSS_WEIGHT,
            thresholds=east_west.thresholds,
            description="东部省份优质学校对口帮扶西部省份薄弱学校,开展支教、挂职、"
            "跟岗学习和物资援助。",
        )
        plan.append((spec, owner, partner))
    return plan


def build_programmes(demo: Demo) -> None:
    rng, ids = demo.rng("programmes"), demo.writer.ids(Programme)
    rows = []
    for spec, province, partner in _plan(demo):
        region, body, prefix = _owner(demo, spec.owner, province)
        start, end = cycle(demo.anchor, spec.years, spec.start_offset)
        name = spec.name.format(owner=region.name)
        if demo.regions.provinces and partner is None and "{owner}" not in spec.name:
            # One province's own programme among several: say whose.
            name = demo.regions.provinces[province].name + name.removeprefix("全省")
        programme = Programme(
            id=next(ids),
            name=name,
            kind=spec.kind,
            issuing_body=body,
            document_number=f"{prefix}[{start.year}]{rng.randint(3, 96)}号",
            region_id=region.id,
            cycle_start=start,
            cycle_end=end,
            description=spec.description,
            **spec.thresholds,
        )
        rows.append(programme)
        demo.programmes.append(
            ProgrammeInfo(
                programme,
                region,
                spec.weight,
                demo.regions.provinces[partner] if partner is not None else None,
            )
        )
    demo.writer.save(Programme, rows)
    demo.writer.report(Programme)
