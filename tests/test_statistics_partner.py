"""Table 1 (对口支援工作统计表): every figure recomputed here in plain Python from the
fixture's records and compared with the table, for a calendar year and a semester;
subtotals and totals, 人 vs 人次, stints across the span's edge, approximate funds,
scope, query counts, and the HTML preview."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.choices import Direction, Side
from dispatch.models import (
    Activity,
    BackboneCultivation,
    Person,
    Secondment,
    Stint,
    TrainingParticipation,
)
from pairings import periods
from pairings.models import (
    Agreement,
    AgreementTarget,
    Pairing,
    PairingParty,
    SchoolYearProfile,
)
from projects.models import Donation, FundingLine
from reporting.compliance import engine as compliance
from reporting.statistics import partner_assistance
from reporting.statistics.base import Spec, rate, wan

from . import previews, world

pytestmark = pytest.mark.django_db


D = dt.date
_codes = itertools.count(501)


def secondment(w, person, pairing, kind, direction, stints, sending, host):
    s = Secondment.objects.create(
        person=person,
        pairing=pairing,
        direction=direction,
        kind=kind,
        sending_school=sending,
        host_school=host,
        planned_start=stints[0][0],
        planned_end=stints[-1][1],
        subject="maths",
    )
    for start, end in stints:
        Stint.objects.create(secondment=s, start=start, end=end)
    return s


def activity(pairing, kind, day, **extra):
    return Activity.objects.create(
        pairing=pairing, kind=kind, title=kind, date=day, host_side="joint", **extra
    )


@pytest.fixture
def w():
    w = world.build()
    a1s, a1r, lx, b1s, b1r = (w[k] for k in ("a1s", "a1r", "lx", "b1s", "b1r"))
    pA1, pX, pB1 = w["pA1"], w["pX"], w["pB1"]
    teacher = w["in_A1"][Person]
    # The same teacher a second time, in pX: 人 1, 人次 2 in 历下区. The stint crosses
    # the end of 2024: 12 days in 2024, all 22 in the autumn semester.
    secondment(
        w,
        teacher,
        pX,
        "teaching",
        Direction.TO_RECEIVING,
        [(D(2024, 12, 20), D(2025, 1, 10))],
        a1s,
        lx,
    )
    manager = Person.objects.create(
        name="王校长", gender="M", home_school=a1s, subject="management"
    )
    secondment(
        w,
        manager,
        pA1,
        "attachment",
        Direction.TO_RECEIVING,
        [(D(2024, 9, 5), D(2024, 11, 5))],
        a1s,
        a1r,
    )
    back = Person.objects.create(
        name="李主任", gender="F", home_school=a1r, subject="management"
    )
    secondment(
        w,
        back,
        pA1,
        "attachment",
        Direction.TO_SUPPORTING,
        [(D(2024, 10, 8), D(2024, 10, 20))],
        a1r,
        a1s,
    )
    learner = Person.objects.create(
        name="赵老师", gender="F", home_school=a1r, subject="chinese"
    )
    for stints in (
        [(D(2024, 3, 1), D(2024, 4, 1))],
        [(D(2024, 10, 1), D(2024, 11, 1))],
    ):
        secondment(
            w, learner, pA1, "shadowing", Direction.TO_SUPPORTING, stints, a1r, a1s
        )
    # A secondment in B1 (out of xian's scope).
    secondment(
        w,
        Person.objects.create(name="孙老师", gender="M", home_school=b1s, subject="pe"),
        pB1,
        "teaching",
        Direction.TO_RECEIVING,
        [(D(2024, 11, 1), D(2024, 12, 31))],
        b1s,
        b1r,
    )
    for p in (pA1, pX):
        activity(p, "demonstration_lesson", D(2024, 10, 9), lessons=3)
        activity(p, "open_lesson", D(2024, 5, 9), lessons=2)
        activity(p, "lecture", D(2024, 11, 9))
        activity(p, "joint_preparation", D(2024, 11, 10))
        activity(p, "observation", D(2025, 1, 5))
        activity(p, "research", D(2024, 12, 1))
        activity(p, "visit", D(2024, 12, 2), student_participants=12)
        activity(p, "student_event", D(2025, 1, 3))
    training = activity(
        pA1, "training", D(2024, 12, 5), sessions=2, teacher_participants=30
    )
    trainee = w["in_A1"][TrainingParticipation].person
    TrainingParticipation.objects.create(activity=training, person=trainee)
    other = Person.objects.create(
        name="钱老师", gender="M", home_school=a1r, subject="english"
    )
    TrainingParticipation.objects.create(activity=training, person=other)
    activity(pX, "training", D(2024, 9, 20), sessions=1, teacher_participants=8)
    activity(pB1, "lecture", D(2024, 10, 1))
    SchoolYearProfile.objects.filter(school=a1r).update(subject_teachers=8)
    SchoolYearProfile.objects.filter(school=b1r).update(subject_teachers=40)
    SchoolYearProfile.objects.create(school=lx, school_year=2024, subject_teachers=12)
    SchoolYearProfile.objects.create(school=a1r, school_year=2023, subject_teachers=7)
    agreement = w["in_A1"][Agreement]
    Agreement.objects.filter(pk=agreement.pk).update(signed_on=D(2024, 10, 1))
    Agreement.objects.create(
        pairing=pX, kind="school", title="X", signed_on=D(2025, 1, 2)
    )
    AgreementTarget.objects.create(
        agreement=agreement, year=2024, metric="backbone_teachers", planned=2
    )
    AgreementTarget.objects.create(
        agreement=agreement, year=2025, metric="backbone_teachers", planned=1
    )
    BackboneCultivation.objects.create(
        pairing=pA1, person=other, level="county", recognised_on=D(2024, 11, 11)
    )
    line = dict(kind="received", currency="CNY")
    FundingLine.objects.create(
        pairing=pA1,
        source="provincial",
        year=2024,
        date=D(2024, 6, 1),
        amount=Decimal("100000"),
        amount_approximation="more",
        **line,
    )
    FundingLine.objects.create(
        pairing=pX,
        source="supporting_government",
        year=2024,
        date=D(2024, 10, 1),
        amount=Decimal("52345.67"),
        **line,
    )
    FundingLine.objects.create(
        pairing=pX, source="city", year=2024, kind="planned", amount=Decimal("9e5")
    )
    FundingLine.objects.create(
        pairing=pB1, source="donation", year=2025, amount=Decimal("7000"), **line
    )
    Donation.objects.create(
        pairing=pX,
        donor_kind="company",
        donor_name="某公司",
        recipient_school=lx,
        date=D(2024, 12, 12),
        form="cash",
        amount=Decimal("10000"),
    )
    Donation.objects.create(
        pairing=pA1,
        donor_kind="school",
        donor_name="历下实验小学",
        recipient_school=a1r,
        date=D(2025, 1, 2),
        form="goods",
        category="books",
        quantity=120,
        amount=Decimal("2400"),
        amount_approximation="about",
    )
    return w


# The expected figures, in plain Python over all records -----------------------------


def _in(day, span):
    return day is not None and span.start <= day <= span.end


GROUPS = {
    # domain.md §5a: every secondment in exactly one group, by type and direction.
    "teaching": lambda s: s.kind == "teaching" and s.direction == "to_receiving",
    "attachment": lambda s: s.kind == "attachment",
    "shadowing": lambda s: s.kind == "shadowing" and s.direction == "to_supporting",
    "outreach": lambda s: s.kind == "outreach",
    "rotation": lambda s: s.kind == "rotation",
}
GROUPS["other"] = lambda s: not any(f(s) for f in GROUPS.values())
WITH_DAYS = ["teaching", "attachment", "shadowing", "rotation", "other"]


def expected(ids, span, *, profile_year, target_years, semester, schools=()):
    """Figures of a row whose pairings are ``ids`` (each counted once); money not
    tied to a pairing counts when its school is in ``schools``."""
    counted = [
        p
        for p in Pairing.objects.all()
        if p.pk in ids
        and p.status != "preparing"
        and p.start_date <= span.end
        and p.end_date >= span.start
    ]
    counted_ids = {p.pk for p in counted}
    parties = [pp for pp in PairingParty.objects.all() if pp.pairing_id in counted_ids]
    stints = list(Stint.objects.all())
    sec = [
        s
        for s in Secondment.objects.all()
        if s.pairing_id in counted_ids
        and any(
            st.secondment_id == s.pk and st.start <= span.end and st.end >= span.start
            for st in stints
        )
    ]
    acts = [
        a
        for a in Activity.objects.all()
        if a.pairing_id in counted_ids and _in(a.date, span)
    ]

    def count(*kinds):
        return sum(1 for a in acts if a.kind in kinds)

    receiving = {
        (pp.pairing_id, pp.school_id) for pp in parties if pp.side == "receiving"
    }
    trained_at: dict[int, set] = {}
    for tp in TrainingParticipation.objects.select_related("activity", "person"):
        a = tp.activity
        if (
            a.kind == "training"
            and a.pairing_id in counted_ids
            and _in(a.date, span)
            and tp.person.role == "teacher"
            and (a.pairing_id, tp.person.home_school_id) in receiving
        ):
            trained_at.setdefault(tp.person.home_school_id, set()).add(tp.person_id)
    teachers_at = {
        pr.school_id: pr.subject_teachers
        for pr in SchoolYearProfile.objects.all()
        if pr.school_id in {school for _p, school in receiving}
        and pr.school_year == profile_year
    }
    uncounted = any(
        a.kind == "training"
        and a.teacher_participants > 0
        and not TrainingParticipation.objects.filter(activity=a).exists()
        for a in acts
    )
    coverage = (
        None
        if uncounted
        else rate(
            sum(min(len(trained_at.get(s, ())), n) for s, n in teachers_at.items()),
            sum(teachers_at.values()),
        )
    )
    lines = [
        f
        for f in FundingLine.objects.select_related("project")
        if f.kind == "received"
        and (_in(f.date, span) or (f.date is None and _in(D(f.year, 12, 31), span)))
        and (
            f.pairing_id in ids
            or (f.pairing_id is None and f.project.pairing_id in ids)
            or (
                f.pairing_id is None
                and f.project.pairing_id is None
                and f.project.receiving_school_id in schools
            )
        )
    ]
    donations = [
        d
        for d in Donation.objects.all()
        if _in(d.date, span)
        and (
            d.pairing_id in ids
            or (d.pairing_id is None and d.recipient_school_id in schools)
        )
    ]

    def funds(*sources):
        return sum((f.amount for f in lines if f.source in sources), Decimal(0))

    cash = sum((d.amount for d in donations if d.form == "cash"), Decimal(0))
    government = funds("central", "provincial", "city", "county")
    supporting = funds("supporting_government", "school")
    other = funds("donation", "other")
    unpaired = sum(
        (
            f.amount
            for f in lines
            if f.pairing_id is None and f.project.pairing_id is None
        ),
        Decimal(0),
    ) + sum(
        (d.amount for d in donations if d.form == "cash" and d.pairing_id is None),
        Decimal(0),
    )
    values = {
        "pairings": len(counted),
        "supporting_schools": len(
            {pp.school_id for pp in parties if pp.side == Side.SUPPORTING}
        ),
        "receiving_schools": len(
            {pp.school_id for pp in parties if pp.side == Side.RECEIVING}
        ),
        "agreements": sum(
            1
            for a in Agreement.objects.all()
            if a.pairing_id in counted_ids and _in(a.signed_on, span)
        ),
        "lessons": sum(
            a.lessons for a in acts if a.kind in ("demonstration_lesson", "open_lesson")
        ),
        "lectures": count("lecture"),
        "preparation": count("joint_preparation", "observation", "lesson_talk"),
        "research": count("research"),
        "training_sessions": sum(a.sessions for a in acts if a.kind == "training"),
        "training_times": sum(
            a.teacher_participants for a in acts if a.kind == "training"
        ),
        "training_coverage": coverage,
        "backbone_target": sum(
            (
                t.planned
                for t in AgreementTarget.objects.select_related("agreement")
                if t.agreement.pairing_id in counted_ids
                and t.agreement.signed_on is not None
                and t.agreement.signed_on <= span.end
                and t.metric == "backbone_teachers"
                and t.year in target_years
            ),
            Decimal(0),
        ),
        "backbone_done": sum(
            1
            for b in BackboneCultivation.objects.all()
            if b.pairing_id in counted_ids and _in(b.recognised_on, span)
        ),
        "student_activities": count("student_event"),
        "student_times": sum(
            a.student_participants for a in acts if a.kind == "student_event"
        ),
        "funds_government": wan(government),
        "funds_supporting": wan(supporting),
        "funds_other": wan(other),
        "funds_cash": wan(cash),
        "funds_total": wan(government + supporting + other + cash),
        "funds_unpaired": wan(unpaired),
        "goods": wan(sum(d.amount for d in donations if d.form == "goods")),
        "books": sum(
            d.quantity or 0
            for d in donations
            if d.form == "goods" and d.category == "books"
        ),
    }
    for name, belongs in GROUPS.items():
        chosen = [s for s in sec if belongs(s)]
        values[f"{name}_people"] = len({s.person_id for s in chosen})
        values[f"{name}_times"] = len(chosen)
        if name in WITH_DAYS:
            values[f"{name}_days"] = sum(
                periods.clipped_days(st.start, st.end, span)
                for st in stints
                if st.secondment_id in {s.pk for s in chosen}
            )
    values["attachment_from_receiving"] = sum(
        1 for s in sec if s.kind == "attachment" and s.direction == "to_supporting"
    )
    if semester is None:
        values.update(compliant=None, evaluated=None, compliance_rate=None)
    else:
        term = periods.semester(semester)
        judged = [
            p for p in counted if p.start_date <= term.end and p.end_date >= term.start
        ]
        passed = sum(1 for p in judged if compliance.evaluate([p], term)[0].passed)
        values.update(
            compliant=passed,
            evaluated=len(judged),
            compliance_rate=rate(passed, len(judged)),
        )
    return values


def ids_in(*regions):
    return {
        pp.pairing_id
        for pp in PairingParty.objects.select_related("school__region")
        if any(pp.school.region.path.startswith(r.path) for r in regions)
    }


def spans(w):
    return [
        (
            Spec(span="calendar_year", year=2024),
            # A calendar year uses the school year ending in it (2023-2024).
            dict(profile_year=2024, target_years=[2023], semester=None),
        ),
        (
            Spec(span="semester", semester=w["period"].pk),
            dict(profile_year=2024, target_years=[2024], semester=w["period"]),
        ),
    ]


def by_label(table):
    return {row.values["label"]: row for row in table.rows}


def assert_row(row, want):
    got = {key: row.values[key] for key in want}
    assert got == want


@pytest.mark.parametrize("which", [0, 1], ids=["calendar_year", "semester"])
def test_every_figure_for_a_province(w, which):
    spec, how = spans(w)[which]
    span = periods.calendar_year(2024) if which == 0 else periods.semester(w["period"])
    table = partner_assistance.build(user=w["sheng"], spec=spec)
    rows = table.rows
    assert [(r.kind, r.level) for r in rows] == [
        ("data", 2),
        ("data", 2),
        ("subtotal", 1),
        ("data", 2),
        ("subtotal", 1),
        ("total", 0),
    ]
    regions = [w["A1"], w["A2"], w["A"], w["B1"], w["B"], w["P1"]]
    for row, region in zip(rows, regions, strict=True):
        assert_row(row, expected(ids_in(region), span, **how))
    # The cross-province pairing X counts in 历下区 and once in the total.
    assert rows[0].values["pairings"] == 2
    assert rows[-1].values["pairings"] == 3


@pytest.mark.parametrize("which", [0, 1], ids=["calendar_year", "semester"])
def test_county_table_and_edge_cases(w, which):
    spec, how = spans(w)[which]
    table = partner_assistance.build(user=w["xian"], spec=spec)
    row, total = table.rows
    assert row.values["label"] == "历下区" and total.kind == "total"
    assert table.unit_name == "历下区"
    # One teacher, two secondments: 1 人, 2 人次 (never added together).
    assert (row.values["teaching_people"], row.values["teaching_times"]) == (1, 2)
    # 59 days in autumn, plus the stint across New Year: 12 days in 2024, 22 in
    # the semester.
    assert row.values["teaching_days"] == (59 + 12 if which == 0 else 59 + 22)
    assert row.values["shadowing_times"] == (2 if which == 0 else 1)
    assert row.values["shadowing_people"] == 1
    # Approximate figures are marked, exact ones are not.
    if which == 0:
        assert row.approximate == {"funds_government", "funds_total"}
        assert row.values["funds_government"] == Decimal("12.00")  # + world line
        assert row.values["funds_supporting"] == Decimal("5.23")
        # The cash donation has its own column (现金捐赠), in the total too.
        assert row.values["funds_other"] == Decimal("0.00")
        assert row.values["funds_cash"] == Decimal("1.00")
        assert row.values["funds_total"] == Decimal("18.23")
    else:
        assert row.approximate == {"goods"}
        assert row.values["books"] == 300 + 120  # with the world's books
        assert row.values["compliant"] is not None
    assert total.approximate == row.approximate
    # Scope: nothing of 市南 (B1) reaches the county's table.
    assert "市南区" not in by_label(table)
    span = periods.calendar_year(2024) if which == 0 else periods.semester(w["period"])
    assert_row(row, expected(ids_in(w["A1"]), span, **how))
    assert_row(total, expected(ids_in(w["A1"]), span, **how))


def test_admin_rows_do_not_add_up_for_cross_region_pairings(w):
    spec = Spec(span="semester", semester=w["period"].pk)
    table = partner_assistance.build(user=w["admin"], spec=spec)
    rows = by_label(table)
    total = table.rows[-1]
    assert rows["历下区"].values["pairings"] == 2
    assert rows["龙山县"].values["pairings"] == 2
    assert total.values["pairings"] == 4
    assert total.values["teaching_people"] == 4  # 历下, 龙山 and two of 市南
    subtotals = [r for r in table.rows if r.kind == "subtotal"]
    assert len(subtotals) == 5  # three cities, two provinces
    how = dict(profile_year=2024, target_years=[2024], semester=w["period"])
    span = periods.semester(w["period"])
    everything = {p.pk for p in Pairing.objects.all()}
    assert_row(total, expected(everything, span, **how))


def test_other_groupings(w):
    spec = Spec(span="semester", semester=w["period"].pk, group="pairing")
    table = partner_assistance.build(user=w["xian"], spec=spec)
    assert [r.values["label"] for r in table.rows] == [
        "历下结对",
        "济南—龙山东西部协作",
        world_total(),
    ]
    how = dict(profile_year=2024, target_years=[2024], semester=w["period"])
    span = periods.semester(w["period"])
    assert_row(table.rows[0], expected({w["pA1"].pk}, span, **how))
    assert_row(table.rows[1], expected({w["pX"].pk}, span, **how))
    spec = Spec(span="semester", semester=w["period"].pk, group="supporting_school")
    table = partner_assistance.build(user=w["sheng"], spec=spec)
    assert [r.values["label"] for r in table.rows][:2] == [
        "历下实验小学",
        "市南实验小学",
    ]
    assert_row(table.rows[0], expected({w["pA1"].pk, w["pX"].pk}, span, **how))


def world_total():
    from django.utils.translation import gettext

    return gettext("Total")


def _queries(user, spec):
    with CaptureQueriesContext(connection) as ctx:
        partner_assistance.build(user=user, spec=spec)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_rows(w):
    spec = Spec(span="school_year", year=2024)
    sheng = w["sheng"]
    _queries(sheng, spec)  # warm the caches (scope, content types)
    before = _queries(sheng, spec)
    for i in range(4):
        county = world.region(f"3701{next(_codes)}", f"新区{i}", 3, w["A"])
        s, r = world.school(f"新{i}支", county), world.school(f"新{i}受", county)
        p = world.pairing(f"新{i}结对", w["programme"], s, r)
        activity(p, "lecture", D(2024, 10, 1))
        FundingLine.objects.create(
            pairing=p, source="county", year=2024, kind="received", amount=1
        )
    after = _queries(sheng, spec)
    assert len(partner_assistance.build(user=sheng, spec=spec).rows) == 10
    assert after == before


def test_html_preview(w, client):
    client.force_login(w["xian"])
    url = reverse("reporting:statistics_table", args=["partner_assistance"])
    response = previews.get(client, url, {"span": "calendar_year", "year": 2024})
    assert response.status_code == 200
    body = response.content.decode()
    assert "历下区" in body and "市南区" not in body
    assert "≥12.00" in body
    assert 'rowspan="3"' in body and 'colspan="18"' in body
    assert client.get(reverse("reporting:statistics")).status_code == 200
    assert previews.get(client, url).status_code == 200  # defaults: this year
    assert client.get(url, {"span": "semester"}).status_code == 200  # form errors
    missing = reverse("reporting:statistics_table", args=["nope"])
    assert client.get(missing).status_code == 404
    client.force_login(w["xuexiao"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("reporting:statistics")).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
