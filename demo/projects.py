"""Aid projects, funding lines and donations: every category, phase, source and kind,
approximate figures (余/约/近/以上) and a few foreign-currency amounts."""

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal

from core.choices import Approximation, Currency
from projects.choices import (
    DonationForm,
    DonorKind,
    FundingKind,
    FundingSource,
    ProjectCategory,
    ProjectPhase,
)
from projects.models import AidProject, Donation, FundingLine

from .base import Demo, Weighted, clamp, money, pick, quota, random_date, yuan
from .names import child_name, company_name, surname

C, P, F = ProjectCategory, ProjectPhase, FundingSource
DAY = timedelta(days=1)
PHASES = {
    P.APPROVED: 15,
    P.IN_PROGRESS: 30,
    P.COMPLETED: 30,
    P.CLOSED: 15,
    P.CONTINUED: 10,
}
CATEGORIES = {C.BUILDINGS: 15, C.EQUIPMENT: 22, C.IT: 20, C.LIBRARY: 18}
CATEGORIES |= {C.TRAINING: 12, C.LIVELIHOOD: 13}
RANGES = {
    C.BUILDINGS: (500_000, 8_000_000),
    C.EQUIPMENT: (50_000, 800_000),
    C.IT: (80_000, 1_200_000),
    C.LIBRARY: (20_000, 300_000),
    C.TRAINING: (10_000, 200_000),
    C.LIVELIHOOD: (10_000, 500_000),
}
NAMES = {
    C.BUILDINGS: (
        "教学楼改造工程",
        "学生宿舍楼新建工程",
        "食堂改扩建工程",
        "塑胶运动场建设项目",
    ),
    C.EQUIPMENT: ("理化生实验室设备配备项目", "音体美器材配备项目", "课桌椅更新项目"),
    C.IT: ("录播教室建设项目", "班班通多媒体改造项目", "智慧校园网络升级项目"),
    C.LIBRARY: ("图书室改造及图书配备项目", "书香校园阅览室建设项目"),
    C.TRAINING: ("乡村教师能力提升培训项目", "名师工作室帮扶培训项目"),
    C.LIVELIHOOD: ("学生营养餐改善项目", "饮水安全改造项目", "冬季取暖设施改造项目"),
}
# phase: planned start (days before the anchor), share received, share spent
PHASE_DATES = {
    P.APPROVED: ((-180, 60), (0, 0), (0, 0)),
    P.IN_PROGRESS: ((30, 400), (0.3, 0.9), (0.3, 0.8)),
    P.COMPLETED: ((200, 900), (0.9, 1.0), (0.8, 1.0)),
    P.CLOSED: ((400, 1100), (1.0, 1.0), (0.95, 1.0)),
    P.CONTINUED: ((700, 1400), (0.4, 0.9), (0.5, 0.9)),
}
CO_SOURCES = (F.CENTRAL, F.PROVINCIAL, F.CITY, F.COUNTY, F.SCHOOL, F.OTHER)
PAIRING_SOURCES = {
    F.SCHOOL: 30,
    F.COUNTY: 20,
    F.SUPPORTING_GOVERNMENT: 20,
    F.CITY: 8,
    F.PROVINCIAL: 8,
    F.CENTRAL: 4,
    F.DONATION: 6,
    F.OTHER: 4,
}
KINDS = {FundingKind.PLANNED: 35, FundingKind.RECEIVED: 35, FundingKind.SPENT: 30}
APPROXIMATIONS = [a for a in Approximation if a != Approximation.EXACT]
RATES = {Currency.HKD: Decimal("0.91"), Currency.USD: Decimal("7.10")}
RATES[Currency.EUR] = Decimal("7.80")
GOODS = {  # category: (unit, quantity range, value per unit, description)
    "books": ("册", (200, 5000), (18, 45), "图书"),
    "instruments": ("套", (2, 40), (500, 6000), "教学仪器"),
    "computers": ("台", (5, 60), (3000, 6000), "台式电脑"),
    "sports": ("套", (10, 200), (50, 800), "体育器材"),
    "clothing": ("件", (50, 800), (60, 300), "冬装校服"),
    "office": ("台", (2, 30), (800, 5000), "办公设备"),
    "other": ("件", (10, 300), (20, 500), "爱心书包文具"),
}
FORMS = {"cash": 35, "books": 14, "instruments": 8, "computers": 10, "sports": 12}
FORMS |= {"clothing": 10, "office": 6, "other": 5}
D = DonorKind
DONORS = {D.SCHOOL: 30, D.STAFF: 18, D.PUPILS: 10, D.COMPANY: 20, D.GOVERNMENT: 10}
DONORS[D.OTHER] = 12
CASH = {
    "school": (5_000, 100_000),
    "staff": (1_000, 30_000),
    "pupils": (500, 10_000),
    "company": (10_000, 500_000),
    "government": (20_000, 300_000),
    "other": (1_000, 50_000),
}


def period_index(demo: Demo, day: date | None) -> int | None:
    for i, period in enumerate(demo.periods):
        if day and period.start <= day <= period.end:
            return i
    return None


def _add_total(demo: Demo, school: int, day, cash=Decimal(0), goods=Decimal(0)):
    index = period_index(demo, day)
    if index is not None:
        totals = demo.donation_totals.setdefault((school, index), [Decimal(0)] * 2)
        totals[0] += cash
        totals[1] += goods


def _funded_pairings(demo: Demo) -> Weighted:
    """Pairings with records, those with funds-and-goods aid three times as likely."""
    options = [p for p in demo.pairings if p.records_range(demo) is not None]
    return Weighted(options, [3 if p.pairing.aid_funding else 1 for p in options])


def build_projects(demo: Demo) -> None:
    rng, writer, anchor = demo.rng("projects"), demo.writer, demo.anchor
    ids = writer.ids(AidProject)
    items = demo.schools.items
    pairings = _funded_pairings(demo)
    weak = [i for i, s in enumerate(items) if s.tier == "weak"] or list(
        range(len(items))
    )
    phases = quota(rng, demo.scale.projects, PHASES)
    categories = quota(rng, demo.scale.projects, CATEGORIES)
    projects = []
    for phase, category in zip(phases, categories, strict=True):
        pairing = None
        if rng.random() < 0.85:
            pairing = pairings.draw(rng)
            school = rng.choice(pairing.receiving)
        else:
            school = rng.choice(weak)
        (after, before), _r, _s = PHASE_DATES[phase]
        planned_start = anchor - rng.randint(after, before) * DAY
        actual_start = actual_end = None
        if phase != P.APPROVED:
            actual_start = min(planned_start + rng.randint(0, 30) * DAY, anchor - DAY)
        if phase in (P.COMPLETED, P.CLOSED):
            actual_end = clamp(
                actual_start + rng.randint(60, 360) * DAY, actual_start, anchor - DAY
            )
        planned_end = planned_start + rng.randint(120, 720) * DAY
        if phase == P.CONTINUED:
            planned_end = anchor + rng.randint(100, 400) * DAY
        total = money(rng, *RANGES[category])
        aid = min(total, yuan(total * Decimal(rng.uniform(0.3, 1.0)), 100))
        county = demo.regions.counties[items[school].county].region.name
        document = rng.choice(("发改投资", "教计字", "财教"))
        document = f"{county[0]}{document}[{planned_start.year}]{rng.randint(2, 150)}号"
        school_name = items[school].school.name
        projects.append(
            (
                AidProject(
                    id=next(ids),
                    pairing_id=pairing.pairing.id if pairing else None,
                    receiving_school_id=items[school].school.id,
                    name=f"{school_name}{rng.choice(NAMES[category])}"[:200],
                    category=category,
                    approval_document=document if rng.random() < 0.8 else "",
                    total_investment=total,
                    aid_amount=aid,
                    phase=phase,
                    planned_start=planned_start,
                    planned_end=planned_end,
                    actual_start=actual_start,
                    actual_end=actual_end,
                    description=f"由{'结对支援方' if pairing else '上级'}资金支持,"
                    f"总投资{total / 10000:.2f}万元。",
                ),
                school,
            )
        )
    writer.save(AidProject, [p for p, _s in projects])
    writer.report(AidProject)
    _funding_lines(demo, rng, projects)
    _donations(demo)


class _Lines:
    """Funding lines in order; every 17th carries an approximate (rounded) figure."""

    def __init__(self, demo: Demo):
        self.demo = demo
        self.ids = demo.writer.ids(FundingLine)
        self.rows: list[FundingLine] = []

    def add(self, *, school: int, **fields) -> FundingLine:
        n = len(self.rows)
        approximation = ""
        if n % 17 == 5 and not fields.get("original_amount"):
            approximation = APPROXIMATIONS[(n // 17) % len(APPROXIMATIONS)]
            fields["amount"] = yuan(max(fields["amount"], 10_000), 10_000)
        line = FundingLine(
            id=next(self.ids),
            year=fields["date"].year,
            amount_approximation=approximation,
            **fields,
        )
        if line.kind == FundingKind.RECEIVED:
            _add_total(self.demo, school, line.date, cash=line.amount)
        self.rows.append(line)
        return line


def _project_plan(rng: random.Random, project: AidProject):
    """(source, planned amount): the aid share and the co-funding of the rest."""
    aid_sources = {F.SUPPORTING_GOVERNMENT: 60, F.DONATION: 25, F.PROVINCIAL: 15}
    plan = [(pick(rng, aid_sources), project.aid_amount)]
    rest = project.total_investment - project.aid_amount
    if rest > 0:
        sources = rng.sample(CO_SOURCES, rng.randint(1, 2))
        if len(sources) == 1:
            plan.append((sources[0], rest))
        else:
            first = yuan(rest * Decimal(rng.uniform(0.4, 0.8)), 100)
            plan += [(sources[0], first), (sources[1], rest - first)]
    return plan


def _funding_lines(demo: Demo, rng: random.Random, projects) -> None:
    anchor, target = demo.anchor, demo.scale.funding_lines
    cap = target - max(30, target // 4)  # the rest are lines of pairings
    lines = _Lines(demo)
    for project, school in projects:
        _d, (r_lo, r_hi), (s_lo, s_hi) = PHASE_DATES[project.phase]
        plan = _project_plan(rng, project)
        if len(lines.rows) + len(plan) * (3 if r_hi else 1) > cap:
            break
        for source, amount in plan:
            common = {"school": school, "project_id": project.id, "source": source}
            planned_on = project.planned_start - rng.randint(0, 60) * DAY
            lines.add(
                kind=FundingKind.PLANNED, amount=amount, date=planned_on, **common
            )
            if not r_hi or not project.actual_start:
                continue
            received = yuan(amount * Decimal(rng.uniform(r_lo, r_hi)), 100)
            last = min(project.actual_end or anchor, anchor - DAY)
            received_on = random_date(rng, project.actual_start, last)
            lines.add(
                kind=FundingKind.RECEIVED, amount=received, date=received_on, **common
            )
            lines.add(
                kind=FundingKind.SPENT,
                amount=yuan(received * Decimal(rng.uniform(s_lo, s_hi)), 100),
                date=random_date(rng, received_on, anchor - DAY),
                **common,
            )
    pairings = _funded_pairings(demo)
    combos = list(itertools.product(F, FundingKind))  # every source and kind
    foreign = itertools.cycle(RATES)
    for j in range(target - len(lines.rows)):
        info = pairings.draw(rng)
        if j < len(combos):
            source, kind = combos[j]
        else:
            source, kind = pick(rng, PAIRING_SOURCES), pick(rng, KINDS)
        fields = {"amount": money(rng, 5_000, 600_000)}
        if j % 40 == 7:  # a donation from abroad, converted to yuan
            currency = next(foreign)
            original = money(rng, 10_000, 300_000)
            source, kind = F.DONATION, FundingKind.RECEIVED
            fields = {
                "currency": currency,
                "original_amount": original,
                "amount": yuan(original * RATES[currency]),
            }
        lines.add(
            school=info.receiving[0],
            pairing_id=info.pairing.id,
            source=source,
            kind=kind,
            date=random_date(rng, *info.records_range(demo)),
            note="经费列入学校年度预算" if source == F.SCHOOL else "",
            **fields,
        )
    demo.writer.save(FundingLine, lines.rows)
    demo.writer.report(FundingLine)


def _donor(rng: random.Random, demo: Demo, kind: str, info) -> tuple[str, int | None]:
    """The donor's name, and the donor school for school, staff and pupils."""
    items = demo.schools.items
    if kind in ("school", "staff", "pupils"):
        school = rng.choice(info.supporting)
        name = items[school].school.name
        suffix = {"school": "", "staff": "全体教职工", "pupils": "少先大队"}[kind]
        return name + suffix, school
    city = demo.regions.cities[items[info.supporting[0]].city if info else 0].name
    if kind == "company":
        return company_name(rng, city[:-1]), None
    if kind == "government":
        return rng.choice(
            (f"共青团{city}委员会", f"{city}慈善总会", f"{city}妇联")
        ), None
    return f"爱心人士{surname(rng)}{rng.choice(('先生', '女士'))}", None


def _donations(demo: Demo) -> None:
    """Cash and goods of every category; goods carry quantity, unit and value."""
    rng, writer = demo.rng("donations"), demo.writer
    ids = writer.ids(Donation)
    items = demo.schools.items
    pairings = _funded_pairings(demo)
    weak = [i for i, s in enumerate(items) if s.tier == "weak"] or [0]
    forms = quota(rng, demo.scale.donations, FORMS)
    kinds = quota(rng, demo.scale.donations, DONORS)
    rows = []
    for n, (form, kind) in enumerate(zip(forms, kinds, strict=True)):
        info = pairings.draw(rng)
        if kind in ("company", "other") and rng.random() < 0.15:
            info = None  # given straight to a school, outside any pairing
        recipient = rng.choice(info.receiving) if info else rng.choice(weak)
        span = info.records_range(demo) if info else (demo.window_start, demo.anchor)
        day = random_date(rng, *span)
        donor_name, donor_school = _donor(rng, demo, kind, info)
        fields = {"amount_approximation": "", "quantity": None, "unit": ""}
        if form == "cash":
            low, high = CASH[kind]
            fields |= {"amount": money(rng, low, high, 10), "category": ""}
            fields["description"] = "捐赠现金"
            if n % 71 == 20:  # from Hong Kong, converted to yuan
                original = money(rng, 20_000, 200_000)
                donor_name = "香港仁爱教育基金会"
                fields |= {"currency": Currency.HKD, "original_amount": original}
                fields["amount"] = yuan(original * RATES[Currency.HKD])
            elif n % 13 == 4:
                fields["amount_approximation"] = Approximation.MORE_THAN
                fields["amount"] = yuan(max(fields["amount"], 10_000), 10_000)
            _add_total(demo, recipient, day, cash=fields["amount"])
        else:
            unit, (q_low, q_high), (v_low, v_high), label = GOODS[form]
            quantity = rng.randint(q_low, q_high)
            fields |= {"quantity": quantity, "unit": unit, "category": form}
            fields["amount"] = yuan(quantity * rng.uniform(v_low, v_high))
            fields["description"] = f"{label}{quantity}{unit}"
            if n % 13 == 4:
                if quantity >= 100:
                    fields["quantity"] = quantity = round(quantity, -2)
                fields["amount_approximation"] = Approximation.ABOUT
                fields["amount"] = yuan(max(fields["amount"], 1_000), 1_000)
                fields["description"] = f"{label}约{quantity}{unit}"
            _add_total(demo, recipient, day, goods=fields["amount"])
        pupil = form == "cash" and rng.random() < 0.12
        rows.append(
            Donation(
                id=next(ids),
                pairing_id=info.pairing.id if info else None,
                donor_kind=kind,
                donor_name=donor_name[:128],
                donor_school_id=None
                if donor_school is None
                else items[donor_school].school.id,
                recipient_school_id=items[recipient].school.id,
                recipient_pupil=child_name(rng) if pupil else "",
                date=day,
                form=DonationForm.CASH if form == "cash" else DonationForm.GOODS,
                **fields,
            )
        )
    writer.save(Donation, rows)
    writer.report(Donation)
