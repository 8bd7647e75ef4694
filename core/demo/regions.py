"""Regions: 山东省, its 16 real prefecture-level cities and real counties (synthesized
ones only past the real list), and townships with 9-digit codes under their county."""

from dataclasses import dataclass, field

from pairings.choices import RegionLevel
from pairings.models import Region

from .base import Demo, allocate
from .names import county_name, township_name

PROVINCE = ("370000", "山东省")

# City code, name, short form used in document numbers.
CITIES = [
    ("370100", "济南市", "济"),
    ("370200", "青岛市", "青"),
    ("370300", "淄博市", "淄"),
    ("370400", "枣庄市", "枣"),
    ("370500", "东营市", "东"),
    ("370600", "烟台市", "烟"),
    ("370700", "潍坊市", "潍"),
    ("370800", "济宁市", "济宁"),
    ("370900", "泰安市", "泰"),
    ("371000", "威海市", "威"),
    ("371100", "日照市", "日"),
    ("371300", "临沂市", "临"),
    ("371400", "德州市", "德"),
    ("371500", "聊城市", "聊"),
    ("371600", "滨州市", "滨"),
    ("371700", "菏泽市", "菏"),
]

# Real counties and districts, in the order the demo takes them: a rural county first
# (the demo county bureau), then a mix, so that small scales look like a real city.
COUNTIES = {
    "370100": "370124平阴县 370112历城区 370126商河县 370114章丘区 370113长清区 "
    "370115济阳区 370102历下区 370103市中区 370104槐荫区 370105天桥区 370116莱芜区 "
    "370117钢城区",
    "370200": "370283平度市 370203市北区 370285莱西市 370211黄岛区 370215即墨区 "
    "370281胶州市 370214城阳区 370212崂山区 370213李沧区 370202市南区",
    "370300": "370323沂源县 370303张店区 370322高青县 370302淄川区 370304博山区 "
    "370305临淄区 370306周村区 370321桓台县",
    "370400": "370406山亭区 370402市中区 370481滕州市 370403薛城区 370404峄城区 "
    "370405台儿庄区",
    "370500": "370522利津县 370502东营区 370523广饶县 370503河口区 370505垦利区",
    "370600": "370686栖霞市 370602芝罘区 370687海阳市 370611福山区 370612牟平区 "
    "370613莱山区 370614蓬莱区 370681龙口市 370682莱阳市 370683莱州市 370685招远市",
    "370700": "370724临朐县 370705奎文区 370725昌乐县 370702潍城区 370703寒亭区 "
    "370704坊子区 370781青州市 370782诸城市 370783寿光市 370784安丘市 370785高密市 "
    "370786昌邑市",
    "370800": "370831泗水县 370811任城区 370826微山县 370812兖州区 370827鱼台县 "
    "370828金乡县 370829嘉祥县 370830汶上县 370832梁山县 370881曲阜市 370883邹城市",
    "370900": "370921宁阳县 370902泰山区 370923东平县 370911岱岳区 370982新泰市 "
    "370983肥城市",
    "371000": "371083乳山市 371002环翠区 371003文登区 371082荣成市",
    "371100": "371121五莲县 371102东港区 371122莒县 371103岚山区",
    "371300": "371328蒙阴县 371302兰山区 371321沂南县 371311罗庄区 371312河东区 "
    "371322郯城县 371323沂水县 371324兰陵县 371325费县 371326平邑县 371327莒南县 "
    "371329临沭县",
    "371400": "371427夏津县 371402德城区 371422宁津县 371403陵城区 371423庆云县 "
    "371424临邑县 371425齐河县 371426平原县 371428武城县 371481乐陵市 371482禹城市",
    "371500": "371522莘县 371502东昌府区 371521阳谷县 371503茌平区 371524东阿县 "
    "371525冠县 371526高唐县 371581临清市",
    "371600": "371621惠民县 371602滨城区 371622阳信县 371603沾化区 371623无棣县 "
    "371625博兴县 371681邹平市",
    "371700": "371721曹县 371702牡丹区 371722单县 371703定陶区 371723成武县 "
    "371724巨野县 371725郓城县 371726鄄城县 371728东明县",
}


@dataclass
class County:
    region: Region
    city: int
    townships: list[Region] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    @property
    def is_district(self) -> bool:
        return self.region.name.endswith("区")


@dataclass
class Regions:
    province: Region
    cities: list[Region]
    city_short: list[str]
    counties: list[County]

    def all(self) -> list[Region]:
        rows = [self.province, *self.cities]
        for county in self.counties:
            rows.append(county.region)
            rows.extend(county.townships)
        return rows


def _county_quota(cities: int, counties: int) -> list[int]:
    """Counties per city, taken round-robin so no city is left with none."""
    quota = [0] * cities
    real = [len(COUNTIES[code].split()) for code, _n, _s in CITIES[:cities]]
    while sum(quota) < counties:
        for i in range(cities):
            if sum(quota) < counties and (
                quota[i] < real[i] or sum(real) <= sum(quota)
            ):
                quota[i] += 1
    return quota


def build_regions(demo: Demo) -> None:
    scale, rng, ids = demo.scale, demo.rng("regions"), demo.writer.ids(Region)
    if scale.cities > len(CITIES):
        raise ValueError("Shandong has 16 prefecture-level cities")

    def region(code, name, level, parent):
        path = (parent.path if parent else "") + code + "/"
        return Region(
            id=next(ids),
            code=code,
            name=name,
            level=level,
            parent_id=parent.id if parent else None,
            path=path,
        )

    province = region(*PROVINCE, RegionLevel.PROVINCE, None)
    cities, counties = [], []
    for city_index, quota in enumerate(_county_quota(scale.cities, scale.counties)):
        code, name, _short = CITIES[city_index]
        city = region(code, name, RegionLevel.CITY, province)
        cities.append(city)
        real = [(item[:6], item[6:]) for item in COUNTIES[code].split()]
        for k in range(quota):
            if k < len(real):
                county_code, county = real[k]
            else:  # past the real list: synthesize in the unused code range
                county_code = f"{code[:4]}{90 + k - len(real):02d}"
                county = county_name(rng, district=rng.random() < 0.3)
            counties.append(
                County(
                    region(county_code, county, RegionLevel.COUNTY, city), city_index
                )
            )
    per_county = allocate(scale.townships, [1] * len(counties), minimum=1)
    for county, count in zip(counties, per_county, strict=True):
        streets = max(1, round(count * (0.45 if county.is_district else 0.15)))
        villages = 0 if county.is_district else count // 6
        kinds = ["street"] * streets + ["village"] * villages
        kinds += ["town"] * (count - len(kinds))
        used, serial = set(), {"street": 0, "town": 100, "village": 200}
        for kind in kinds[:count]:
            name = township_name(rng, kind)
            while name in used:
                name = township_name(rng, kind)
            used.add(name)
            serial[kind] += 1
            code = f"{county.region.code}{serial[kind]:03d}"
            county.townships.append(
                region(code, name, RegionLevel.TOWNSHIP, county.region)
            )
            county.kinds.append(kind)
    demo.regions = Regions(
        province, cities, [short for _c, _n, short in CITIES[: scale.cities]], counties
    )
    demo.writer.save(Region, demo.regions.all())
    demo.writer.report(Region)
