"""Regions: 山东省, its 16 real prefecture-level cities and real counties (synthesized
ones only past the real list), and townships with 9-digit codes under their county.

The national scale (benchmarks only) adds nine more provinces with their real
prefecture-level cities (重庆 as its two official second-level units, 市辖区 and 县) and
generated counties; every province gets an equal share of the counties and townships."""

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


# The national scale's other provinces: code, name, short form (document numbers),
# and their prefecture-level cities (code and name; the short form is the first
# character). Counties under them are generated.
OTHER_PROVINCES = [
    (
        "410000",
        "河南省",
        "豫",
        "410100郑州市 410200开封市 410300洛阳市 "
        "410400平顶山市 410500安阳市 "
        "410600鹤壁市 410700新乡市 410800焦作市 "
        "410900濮阳市 411000许昌市 411100漯河市 "
        "411200三门峡市 411300南阳市 "
        "411400商丘市 411500信阳市 411600周口市 "
        "411700驻马店市",
    ),
    (
        "420000",
        "湖北省",
        "鄂",
        "420100武汉市 420200黄石市 420300十堰市 "
        "420500宜昌市 420600襄阳市 420700鄂州市 "
        "420800荆门市 420900孝感市 421000荆州市 "
        "421100黄冈市 421200咸宁市 421300随州市 "
        "422800恩施土家族苗族自治州",
    ),
    (
        "430000",
        "湖南省",
        "湘",
        "430100长沙市 430200株洲市 430300湘潭市 "
        "430400衡阳市 430500邵阳市 430600岳阳市 "
        "430700常德市 430800张家界市 "
        "430900益阳市 431000郴州市 431100永州市 "
        "431200怀化市 431300娄底市 "
        "433100湘西土家族苗族自治州",
    ),
    (
        "440000",
        "广东省",
        "粤",
        "440100广州市 440200韶关市 440300深圳市 "
        "440400珠海市 440500汕头市 440600佛山市 "
        "440700江门市 440800湛江市 440900茂名市 "
        "441200肇庆市 441300惠州市 441400梅州市 "
        "441500汕尾市 441600河源市 441700阳江市 "
        "441800清远市 441900东莞市 442000中山市 "
        "445100潮州市 445200揭阳市 445300云浮市",
    ),
    (
        "450000",
        "广西壮族自治区",
        "桂",
        "450100南宁市 450200柳州市 450300桂林市 "
        "450400梧州市 450500北海市 "
        "450600防城港市 450700钦州市 "
        "450800贵港市 450900玉林市 451000百色市 "
        "451100贺州市 451200河池市 451300来宾市 "
        "451400崇左市",
    ),
    (
        "500000",
        "重庆市",
        "渝",
        "500100市辖区 500200县",
    ),
    (
        "510000",
        "四川省",
        "川",
        "510100成都市 510300自贡市 "
        "510400攀枝花市 510500泸州市 "
        "510600德阳市 510700绵阳市 510800广元市 "
        "510900遂宁市 511000内江市 511100乐山市 "
        "511300南充市 511400眉山市 511500宜宾市 "
        "511600广安市 511700达州市 511800雅安市 "
        "511900巴中市 512000资阳市 "
        "513200阿坝藏族羌族自治州 513300甘孜藏族自治州 "
        "513400凉山彝族自治州",
    ),
    (
        "520000",
        "贵州省",
        "黔",
        "520100贵阳市 520200六盘水市 "
        "520300遵义市 520400安顺市 520500毕节市 "
        "520600铜仁市 522300黔西南布依族苗族自治州 "
        "522600黔东南苗族侗族自治州 "
        "522700黔南布依族苗族自治州",
    ),
    (
        "530000",
        "云南省",
        "滇",
        "530100昆明市 530300曲靖市 530400玉溪市 "
        "530500保山市 530600昭通市 530700丽江市 "
        "530800普洱市 530900临沧市 "
        "532300楚雄彝族自治州 "
        "532500红河哈尼族彝族自治州 "
        "532600文山壮族苗族自治州 "
        "532800西双版纳傣族自治州 532900大理白族自治州 "
        "533100德宏傣族景颇族自治州 "
        "533300怒江傈僳族自治州 533400迪庆藏族自治州",
    ),
]
# Every province of the national scale: (code, name, short, [(city code, name,
# short)]), Shandong first.
PROVINCES = [(*PROVINCE, "鲁", CITIES)] + [
    (code, name, short, [(item[:6], item[6:], item[6]) for item in cities.split()])
    for code, name, short, cities in OTHER_PROVINCES
]


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
    province: Region  # 山东省: the provincial demo bureau's (``sheng``)
    cities: list[Region]
    city_short: list[str]
    counties: list[County]
    # The national scale: every province (Shandong first), the province of each
    # city (by index), and each province's short form for document numbers.
    provinces: list[Region] = field(default_factory=list)
    city_province: list[int] = field(default_factory=list)
    province_short: list[str] = field(default_factory=list)

    def all(self) -> list[Region]:
        rows = [*(self.provinces or [self.province]), *self.cities]
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
    if scale.provinces > 1:
        _build_provinces(demo)
        return
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
    _townships(rng, region, counties, scale.townships)
    demo.regions = Regions(
        province, cities, [short for _c, _n, short in CITIES[: scale.cities]], counties
    )
    demo.writer.save(Region, demo.regions.all())
    demo.writer.report(Region)


def _townships(rng, region, counties: list[County], total: int) -> None:
    per_county = allocate(total, [1] * len(counties), minimum=1)
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


def _new_region(ids):
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

    return region


def _build_provinces(demo: Demo) -> None:
    """Several provinces (the national scale): Shandong with its real counties first,
    then the others in ``PROVINCES`` order with generated counties; cities, counties
    and townships are shared out between the provinces as evenly as their real
    prefecture lists allow."""
    scale, rng = demo.scale, demo.rng("regions")
    if scale.provinces > len(PROVINCES):
        raise ValueError(f"the generator knows {len(PROVINCES)} provinces")
    region = _new_region(demo.writer.ids(Region))
    chosen = PROVINCES[: scale.provinces]
    real = [len(cities) for _c, _n, _s, cities in chosen]
    city_quota = [
        min(q, r) for q, r in zip(allocate(scale.cities, real, 1), real, strict=True)
    ]
    county_quota = allocate(scale.counties, [1] * len(chosen), 1)
    provinces, cities, city_short, city_province, counties = [], [], [], [], []
    for p, (code, name, _short, city_list) in enumerate(chosen):
        province = region(code, name, RegionLevel.PROVINCE, None)
        provinces.append(province)
        wanted = max(county_quota[p], city_quota[p])
        if p == 0:  # Shandong: counties follow the real lists, as in one province
            per_city = _county_quota(city_quota[0], wanted)
        else:
            per_city = allocate(wanted, [1] * city_quota[p], minimum=1)
        for (city_code, city_name, short), quota in zip(
            city_list, per_city, strict=False
        ):
            city_index = len(cities)
            city = region(city_code, city_name, RegionLevel.CITY, province)
            cities.append(city)
            city_short.append(short)
            city_province.append(p)
            known = COUNTIES.get(city_code, "").split()
            real_counties = [(item[:6], item[6:]) for item in known]
            names = {name for _code, name in real_counties}
            for k in range(quota):
                if k < len(real_counties):
                    county_code, county = real_counties[k]
                else:
                    district = rng.random() < 0.3
                    county = county_name(rng, district=district)
                    while county in names:
                        county = county_name(rng, district=district)
                    # Shandong: the unused range past its real codes, as above.
                    number = 90 + k - len(real_counties) if p == 0 else k + 1
                    county_code = f"{city_code[:4]}{number:02d}"
                names.add(county)
                counties.append(
                    County(
                        region(county_code, county, RegionLevel.COUNTY, city),
                        city_index,
                    )
                )
    _townships(rng, region, counties, scale.townships)
    demo.regions = Regions(
        provinces[0],
        cities,
        city_short,
        counties,
        provinces=provinces,
        city_province=city_province,
        province_short=[short for _c, _n, short, _l in chosen],
    )
    demo.writer.save(Region, demo.regions.all())
    demo.writer.report(Region)
