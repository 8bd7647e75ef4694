"""Pairings and their parties: mostly one-to-one within a county, some across
counties and cities (cross-region scope matters), every mode and status, and a few
showcase pairings around the demo school user's school."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.choices import Side
from pairings.choices import PairingMode, PairingStatus, ProgrammeKind
from pairings.models import Pairing, PairingParty

from .base import Demo, allocate, clamp, pick, quota, random_date, school_day
from .calendar import semesters_between
from .programmes import ProgrammeInfo

M, ST = PairingMode, PairingStatus
EAST = {"370100", "370200", "370300", "370500", "370600", "370700", "371000"}
GROUP_WEIGHTS = {"primary": 52, "junior": 24, "kg": 10, "senior": 8, "vocational": 6}
# Preferred tiers with their odds, then the fallbacks in order.
SIDE_TIERS = {
    Side.SUPPORTING: ({"strong": 0.7, "middle": 0.2, "elite": 0.1}, ("weak",)),
    Side.RECEIVING: ({"weak": 0.7, "middle": 0.3}, ("strong",)),
}
STATUS_WEIGHTS = {ST.ACTIVE: 60, ST.ENDED: 20, ST.TERMINATED: 7, ST.PREPARING: 13}
MODE_WEIGHTS = {M.ONE_TO_ONE: 62, M.ONE_TO_MANY: 14, M.MANY_TO_ONE: 12, M.TEAM: 12}
NOTES = (
    "帮扶协议每学年续签一次。",
    "含送教下乡和线上联合教研。",
    "部分活动通过国家中小学智慧教育平台线上开展。",
    "受援校新校区建设期间,部分活动在支援校举行。",
)


@dataclass
class PairingInfo:
    pairing: Pairing
    programme: ProgrammeInfo
    supporting: list[int]
    receiving: list[int]
    counties: set[int] = field(default_factory=set)

    @property
    def schools(self) -> list[int]:
        return self.supporting + self.receiving

    def side(self, side: str) -> list[int]:
        return self.supporting if side == Side.SUPPORTING else self.receiving

    def records_range(self, demo: Demo) -> tuple[date, date] | None:
        """Where actual records (stints, activities…) can lie: within the pairing,
        the reporting window and up to the anchor."""
        start = max(self.pairing.start_date, demo.window_start)
        end = min(self.pairing.end_date, demo.anchor)
        return (start, end) if end >= start else None


@dataclass
class Showcase:
    county: int
    school: int
    pairings: list[int] = field(default_factory=list)


def term_day(rng: random.Random, low: date, high: date, ends: bool = False) -> date:
    """A day in [low, high], usually the first (or last) day of a semester: that is
    when pairings start and end."""
    if high <= low:
        return low
    semesters = semesters_between(low.year - 1, high.year)
    days_ = [s.end if ends else s.start for s in semesters]
    candidates = [d for d in days_ if low <= d <= high]
    if candidates and rng.random() < 0.65:
        return rng.choice(candidates)
    return school_day(random_date(rng, low, high), low, high)


def pairing_dates(rng, status, cycle_start, cycle_end, anchor) -> tuple[date, date]:
    """Start and end within the programme cycle, consistent with the status."""
    day = timedelta(days=1)
    if status == ST.ACTIVE:
        start = term_day(rng, cycle_start, max(cycle_start, anchor - 60 * day))
        end = cycle_end
        if rng.random() < 0.3:
            end = term_day(rng, anchor + 60 * day, anchor + 300 * day, ends=True)
        return start, clamp(end, anchor + 30 * day, cycle_end)
    if status == ST.PREPARING:
        latest = max(anchor + 10 * day, min(anchor + 150 * day, cycle_end - 200 * day))
        return term_day(rng, anchor + 10 * day, latest), cycle_end
    latest_start = max(cycle_start, anchor - (330 if status == ST.ENDED else 240) * day)
    start = term_day(rng, cycle_start, latest_start)
    if status == ST.ENDED:
        end = term_day(rng, start + 180 * day, anchor - day, ends=True)
    else:  # terminated part-way through
        end = random_date(rng, start + 90 * day, anchor - day)
    return start, clamp(end, start, anchor - day)


class _Builder:
    def __init__(self, demo: Demo):
        self.demo = demo
        self.rng = demo.rng("pairings")
        self.schools = demo.schools
        self.pairing_ids = demo.writer.ids(Pairing)
        self.party_ids = demo.writer.ids(PairingParty)
        self.parties: list[PairingParty] = []
        self.scopes: dict[str, tuple[list[int], dict[int, list[int]]]] = {}

    def draw(self, county: int, group: str, side: str, exclude: set[int]):
        """A school of ``group`` in ``county`` fit for ``side``, not in ``exclude``."""
        preferred, fallback = SIDE_TIERS[side]
        first = pick(self.rng, preferred)
        order = [first, *(t for t in preferred if t != first), *fallback]
        for tier in order:
            pool = self.schools.candidates(county, group, tier)
            if not pool:
                continue
            for _ in range(6):
                candidate = self.rng.choice(pool)
                if candidate not in exclude:
                    return candidate
            free = [i for i in pool if i not in exclude]
            if free:
                return self.rng.choice(free)
        return None

    def choose_schools(self, sup_counties, rec_counties, mode):
        counts = {
            M.ONE_TO_ONE: (1, 1),
            M.ONE_TO_MANY: (1, self.rng.randint(2, 4)),
            M.MANY_TO_ONE: (self.rng.randint(2, 3), 1),
            M.TEAM: (self.rng.randint(2, 3), self.rng.randint(2, 3)),
        }[mode]
        groups = list(GROUP_WEIGHTS)
        first = pick(self.rng, GROUP_WEIGHTS)
        for group in [first] + [g for g in groups if g != first]:
            chosen: set[int] = set()
            sides = ([], [])
            for side_index, (side, counties) in enumerate(
                ((Side.SUPPORTING, sup_counties), (Side.RECEIVING, rec_counties))
            ):
                for _ in range(counts[side_index]):
                    school = self.draw(self.rng.choice(counties), group, side, chosen)
                    if school is not None:
                        chosen.add(school)
                        sides[side_index].append(school)
            if len(sides[0]) == counts[0] and len(sides[1]) == counts[1]:
                return sides
        raise RuntimeError("not enough schools for a pairing")

    def within(self, region) -> tuple[list[int], dict[int, list[int]]]:
        """The counties under ``region`` (indexes), and the same by city."""
        path = region.path
        if path not in self.scopes:
            counties = self.demo.regions.counties
            scope = [
                i for i, c in enumerate(counties) if c.region.path.startswith(path)
            ]
            by_city: dict[int, list[int]] = {}
            for i in scope:
                by_city.setdefault(counties[i].city, []).append(i)
            self.scopes[path] = scope, by_city
        return self.scopes[path]

    def geography(self, info: ProgrammeInfo):
        """(supporting counties, receiving counties) for one pairing."""
        counties = self.demo.regions.counties
        if info.partner is not None:  # across provinces: a city of each
            _scope, east = self.within(info.region)
            _scope, west = self.within(info.partner)
            return (
                east[self.rng.choice(list(east))],
                west[self.rng.choice(list(west))],
            )
        scope, by_city = self.within(info.region)
        cities = list(by_city)
        multi = [c for c in cities if len(by_city[c]) > 1]
        roll = self.rng.random()
        east_west = info.programme.kind == ProgrammeKind.EAST_WEST
        if len(cities) > 1 and (east_west or roll < 0.05):
            codes = self.demo.regions.cities
            east = [c for c in cities if codes[c].code in EAST]
            west = [c for c in cities if codes[c].code not in EAST]
            if not east or not west:
                east, west = cities[: len(cities) // 2], cities[len(cities) // 2 :]
            return by_city[self.rng.choice(east)], by_city[self.rng.choice(west)]
        if multi and roll < 0.17:
            pair = self.rng.sample(by_city[self.rng.choice(multi)], 2)
            return [pair[0]], [pair[1]]
        weights = [len(counties[i].townships) for i in scope]
        county = self.rng.choices(scope, weights=weights)[0]
        return [county], [county]

    def add(self, info, status, mode, supporting, receiving) -> PairingInfo:
        rng, programme = self.rng, info.programme
        start, end = pairing_dates(
            rng, status, programme.cycle_start, programme.cycle_end, self.demo.anchor
        )
        names = [self.schools.items[i].school.name for i in supporting + receiving]
        sup, rec = names[0], names[len(supporting)]
        title = {
            M.ONE_TO_ONE: f"{sup}与{rec}结对帮扶",
            M.ONE_TO_MANY: f"{sup}帮扶{rec}等{len(receiving)}所学校",
            M.MANY_TO_ONE: f"{sup}等{len(supporting)}校帮扶{rec}",
            M.TEAM: f"{sup}牵头团队帮扶{rec}等{len(receiving)}校",
        }[mode]
        pairing = Pairing(
            id=next(self.pairing_ids),
            programme_id=programme.id,
            name=title[:200],
            mode=mode,
            aid_teaching=rng.random() < 0.92,
            aid_management=rng.random() < 0.55,
            aid_funding=rng.random()
            < (0.8 if programme.kind == ProgrammeKind.EAST_WEST else 0.4),
            start_date=start,
            end_date=end,
            status=status,
            note=rng.choice(NOTES) if rng.random() < 0.15 else "",
        )
        for side, schools in (
            (Side.SUPPORTING, supporting),
            (Side.RECEIVING, receiving),
        ):
            for k, school in enumerate(schools):
                self.parties.append(
                    PairingParty(
                        id=next(self.party_ids),
                        pairing_id=pairing.id,
                        school_id=self.schools.items[school].school.id,
                        side=side,
                        is_lead=side == Side.SUPPORTING and k == 0 and len(schools) > 1,
                    )
                )
        counties = {self.schools.items[i].county for i in supporting + receiving}
        result = PairingInfo(pairing, info, supporting, receiving, counties)
        self.demo.pairings.append(result)
        return result

    def showcase(self) -> tuple[Showcase, list[int]]:
        """Pairings around one middle-tier school of the first county: receiving in
        one, supporting in another, and receiving from a school of another county."""
        programmes = self.demo.programmes
        used = [0] * len(programmes)
        middle = self.schools.candidates(0, "primary", "middle")
        school = middle[0] if middle else self.draw(0, "primary", Side.RECEIVING, set())
        show = Showcase(county=0, school=school)
        strong = self.draw(0, "primary", Side.SUPPORTING, {school})
        weak = self.draw(0, "primary", Side.RECEIVING, {school, strong})
        county_programme = 2 if len(programmes) > 2 else 0
        plan = [(0, M.ONE_TO_ONE, [strong], [school])]
        plan.append((county_programme, M.ONE_TO_ONE, [school], [weak]))
        neighbours = [
            i for i, c in enumerate(self.demo.regions.counties) if c.city == 0 and i
        ]
        if neighbours:
            other = self.draw(neighbours[0], "primary", Side.SUPPORTING, set())
            second = self.draw(0, "primary", Side.RECEIVING, {school, strong, weak})
            plan.append((0, M.ONE_TO_MANY, [other], [school, second]))
        for programme, mode, supporting, receiving in plan:
            self.add(programmes[programme], ST.ACTIVE, mode, supporting, receiving)
            show.pairings.append(len(self.demo.pairings) - 1)
            used[programme] += 1
        return show, used


def _school_share(demo: Demo, info: ProgrammeInfo, per_county: list[int]) -> float:
    """The share of all schools inside the programme's region: a county programme
    gets far fewer pairings than a provincial one."""
    counties = demo.regions.counties
    inside = sum(
        count
        for county, count in zip(counties, per_county, strict=True)
        if county.region.path.startswith(info.region.path)
    )
    return inside / len(demo.schools.items)


def build_pairings(demo: Demo) -> None:
    builder = _Builder(demo)
    show, used = builder.showcase()
    demo.showcase = show
    total = demo.scale.pairings - len(show.pairings)
    per_county = [0] * len(demo.regions.counties)
    for school in demo.schools.items:
        per_county[school.county] += 1
    weights = [
        info.weight * _school_share(demo, info, per_county) for info in demo.programmes
    ]
    counts = allocate(demo.scale.pairings, weights, minimum=1)
    counts = [max(0, c - u) for c, u in zip(counts, used, strict=True)]
    while sum(counts) > total:  # the showcase took more than a programme's share
        counts[counts.index(max(counts))] -= 1
    rng: random.Random = builder.rng
    statuses = quota(rng, total, STATUS_WEIGHTS)
    modes = quota(rng, total, MODE_WEIGHTS)
    n = 0
    for info, count in zip(demo.programmes, counts, strict=True):
        for _ in range(count):
            sup_counties, rec_counties = builder.geography(info)
            supporting, receiving = builder.choose_schools(
                sup_counties, rec_counties, modes[n]
            )
            builder.add(info, statuses[n], modes[n], supporting, receiving)
            n += 1
    demo.writer.save(Pairing, [p.pairing for p in demo.pairings])
    demo.writer.report(Pairing)
    demo.writer.save(PairingParty, builder.parties)
    demo.writer.report(PairingParty)
