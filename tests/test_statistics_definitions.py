"""domain.md §5a, one boundary case each: the figure a county clerk filling the
official form expects, computed here from the fixture's rows (never by the
statistics module); then the stable history of a past period and the
reconciliation checks, including their failure on inconsistent figures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from core.choices import Direction
from dispatch.models import (
    Activity,
    BackboneCultivation,
    Person,
    Secondment,
    Stint,
    TrainingParticipation,
)
from pairings import services as pairing_services
from pairings.forms import SchoolForm
from pairings.models import (
    Agreement,
    AgreementTarget,
    Pairing,
    School,
    SchoolRegionChange,
    SchoolYearProfile,
)
from projects.models import AidProject, Donation, FundingLine
from reporting.models import ReportEvent, ReportingPeriod, SemesterReport
from reporting.statistics import (
    checks,
    funds_goods,
    partner_assistance,
    registry,
    submission,
)
from reporting.statistics.base import Column, HeaderCell, Row, Spec, Table, wan

from . import world

pytestmark = pytest.mark.django_db
D = dt.date

CALENDAR = Spec(span="calendar_year", year=2024)
SCHOOL_YEAR = Spec(span="school_year", year=2024)


def semester(w):
    return Spec(span="semester", semester=w["period"].pk)


def spans(w):
    return {"calendar": CALENDAR, "school_year": SCHOOL_YEAR, "semester": semester(w)}


def row_of(table, label):
    return next(r for r in table.rows if r.values.get("label") == label)


def a1(w, spec):
    """The 历下区 row of table 1 for the county bureau."""
    return row_of(partner_assistance.build(user=w["xian"], spec=spec), "历下区")


def stay(pairing, person, kind, direction, start, end, sending, host):
    s = Secondment.objects.create(
        person=person,
        pairing=pairing,
        direction=direction,
        kind=kind,
        sending_school=sending,
        host_school=host,
        planned_start=start,
        planned_end=end,
    )
    Stint.objects.create(secondment=s, start=start, end=end)
    return s


# 人员交流: every secondment in exactly one group ---------------------------------


@pytest.mark.parametrize("which", ["calendar", "school_year", "semester"])
def test_every_secondment_in_exactly_one_group(w, which):
    a1s, a1r, pA1 = w["a1s"], w["a1r"], w["pA1"]
    day = (D(2024, 10, 8), D(2024, 10, 17))  # 10 days, inside every span
    people = {}
    for name, kind, direction, sending, host in [
        ("送教", "outreach", Direction.TO_RECEIVING, a1s, a1r),
        ("轮岗", "rotation", Direction.TO_SUPPORTING, a1r, a1s),
        ("反向支教", "teaching", Direction.TO_SUPPORTING, a1r, a1s),
        ("反向跟岗", "shadowing", Direction.TO_RECEIVING, a1s, a1r),
        ("回派挂职", "attachment", Direction.TO_SUPPORTING, a1r, a1s),
    ]:
        person = Person.objects.create(name=name, gender="F", home_school=sending)
        people[name] = stay(pA1, person, kind, direction, *day, sending, host)
    row = a1(w, spans(w)[which]).values
    assert (row["outreach_people"], row["outreach_times"]) == (1, 1)
    assert (row["rotation_people"], row["rotation_times"]) == (1, 1)
    assert (row["rotation_days"], row["other_days"]) == (10, 20)
    # 支教 受援方→支援方 and 跟岗 支援方→受援方 are neither 支教 nor 跟岗: 其他.
    assert (row["other_people"], row["other_times"]) == (2, 2)
    assert row["attachment_from_receiving"] == 1
    # No secondment on post in the span is left out of every group.
    on_post = {
        s.pk
        for s in Secondment.objects.filter(pairing__in=[w["pA1"], w["pX"]])
        if s.stints.filter(start__lte=D(2024, 12, 31), end__gte=D(2024, 9, 1)).exists()
    }
    groups = ["teaching", "attachment", "shadowing", "outreach", "rotation", "other"]
    assert sum(row[f"{g}_times"] for g in groups) == len(on_post)


# 学生交流 -------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["calendar", "school_year", "semester"])
def test_student_exchange_counts_only_student_events(w, which):
    pA1 = w["pA1"]
    Activity.objects.create(
        pairing=pA1, kind="demonstration_lesson", title="示范课", lessons=1,
        date=D(2024, 10, 9), host_side="joint", student_participants=45,
    )  # fmt: skip
    Activity.objects.create(
        pairing=pA1, kind="student_event", title="手拉手", date=D(2024, 11, 9),
        host_side="joint", student_participants=30,
    )  # fmt: skip
    row = a1(w, spans(w)[which]).values
    events = [
        a
        for a in Activity.objects.filter(pairing__in=[pA1, w["pX"]])
        if a.kind == "student_event" and D(2024, 9, 1) <= a.date <= D(2024, 12, 31)
    ]
    assert row["student_activities"] == len(events) == 1
    assert row["student_times"] == sum(a.student_participants for a in events) == 30


# Training coverage ----------------------------------------------------------------


def test_coverage_counts_each_teacher_once_and_never_exceeds_the_teachers(w):
    a1r = w["a1r"]
    SchoolYearProfile.objects.filter(school=a1r, school_year=2024).update(
        subject_teachers=2
    )
    training = w["in_A1"][Activity]
    teachers = [
        Person.objects.create(name=f"教师{i}", gender="F", home_school=a1r)
        for i in range(3)
    ]
    second = Activity.objects.create(
        pairing=w["pA1"], kind="training", title="二期", date=D(2024, 11, 1),
        host_side="receiving",
    )  # fmt: skip
    for activity in (training, second):
        for person in teachers:
            TrainingParticipation.objects.create(activity=activity, person=person)
    Activity.objects.create(
        pairing=w["pX"], kind="training", title="只记人次", date=D(2024, 9, 20),
        host_side="receiving", teacher_participants=8,
    )  # fmt: skip
    row = a1(w, CALENDAR).values  # pX's training records trainees as a count only
    assert row["training_coverage"] is None
    Activity.objects.filter(pairing=w["pX"], kind="training").delete()
    row = a1(w, CALENDAR).values
    # 4 distinct teachers of a1r trained (3 + the world's), 2 subject teachers:
    # at most 2 counted, 100.0, never 200.
    trained = {
        tp.person_id
        for tp in TrainingParticipation.objects.select_related("person")
        if tp.person.home_school_id == a1r.pk
    }
    assert len(trained) == 4
    assert row["training_coverage"] == Decimal("100.0")


# Targets and cultivation ------------------------------------------------------------


def test_targets_by_school_year_and_only_what_is_dated_in_the_period(w):
    agreement = w["in_A1"][Agreement]
    Agreement.objects.filter(pk=agreement.pk).update(signed_on=D(2024, 9, 10))
    for year, planned in [(2023, 5), (2024, 2), (2025, 7)]:
        AgreementTarget.objects.create(
            agreement=agreement, year=year, metric="backbone_teachers", planned=planned
        )
    # An agreement signed after the semester: its target does not count then.
    late = Agreement.objects.create(
        pairing=w["pA1"], kind="memorandum", title="补签", signed_on=D(2025, 3, 1)
    )
    AgreementTarget.objects.create(
        agreement=late, year=2024, metric="backbone_teachers", planned=10
    )
    trainee = w["in_A1"][Person]
    BackboneCultivation.objects.create(
        pairing=w["pA1"], person=trainee, level="county", recognised_on=D(2025, 1, 25)
    )  # after the autumn semester, inside the school year
    term = a1(w, semester(w)).values
    year = a1(w, SCHOOL_YEAR).values
    calendar = a1(w, CALENDAR).values
    # Semester and school year: 2024-2025's target (2), not the later agreement's
    # while it was unsigned; the school year counts the later agreement.
    assert term["backbone_target"] == 2
    assert year["backbone_target"] == 2 + 10
    # A calendar year uses the school year ending in it: 2023-2024.
    assert calendar["backbone_target"] == 5
    # Completion: only cultivations dated inside the period (the world's is
    # 2025-05-01, this one 2025-01-25).
    assert term["backbone_done"] == 0
    assert year["backbone_done"] == 2
    assert calendar["backbone_done"] == 0
    note = partner_assistance.build(user=w["xian"], spec=CALENDAR).notes
    assert any("2023-2024" in line for line in note)


def test_agreements_of_pairings_starting_after_the_period_do_not_count(w):
    Agreement.objects.filter(pk=w["in_A1"][Agreement].pk).update(
        signed_on=D(2024, 10, 1)
    )
    later = world.pairing("明年结对", w["programme"], w["a1t"], w["a1r"])
    Pairing.objects.filter(pk=later.pk).update(start_date=D(2025, 3, 1))
    Agreement.objects.create(
        pairing=later, kind="school", title="提前签", signed_on=D(2024, 12, 1)
    )
    row = a1(w, CALENDAR).values
    signed = [
        a
        for a in Agreement.objects.select_related("pairing")
        if a.signed_on
        and D(2024, 1, 1) <= a.signed_on <= D(2024, 12, 31)
        and a.pairing.start_date <= D(2024, 12, 31)
        and a.pairing_id in (w["pA1"].pk, w["pX"].pk, later.pk)
    ]
    assert row["agreements"] == len(signed) == 1
    assert row["pairings"] == 2  # pA1 and pX; the pairing of next year is not


# Money ----------------------------------------------------------------------------


def test_rounding_half_up_from_exact_sums(w):
    # Two lines of 50 yuan: 0.005 万元 each. Rounded per line and added they
    # would be 0.02; from the exact sum, 100 yuan = 0.01. Half up: 0.005 → 0.01.
    FundingLine.objects.all().delete()
    Donation.objects.filter(form="cash").delete()
    for _ in range(2):
        FundingLine.objects.create(
            pairing=w["pA1"], source="county", year=2024, kind="received",
            date=D(2024, 10, 1), amount=Decimal("50"),
        )  # fmt: skip
    assert wan(Decimal("50")) == Decimal("0.01")  # half up, not to even (0.00)
    assert wan(Decimal("250")) == Decimal("0.03")  # half up, not to even (0.02)
    row = a1(w, CALENDAR).values
    assert row["funds_government"] == row["funds_total"] == Decimal("0.01")


def test_money_not_tied_to_a_pairing_is_in_tables_1_and_4_alike(w):
    a1r = w["a1r"]
    own = AidProject.objects.create(
        receiving_school=a1r, name="操场", category="buildings",
        total_investment=Decimal("50000"), aid_amount=Decimal("0"),
    )  # fmt: skip
    FundingLine.objects.create(
        project=own, source="county", year=2024, kind="received",
        date=D(2024, 5, 1), amount=Decimal("12345.67"),
    )  # fmt: skip
    Donation.objects.create(
        donor_kind="company", donor_name="某公司", recipient_school=a1r,
        date=D(2024, 6, 1), form="cash", amount=Decimal("3000"),
    )  # fmt: skip
    Donation.objects.create(
        donor_kind="company", donor_name="某公司", recipient_school=a1r,
        date=D(2024, 6, 2), form="goods", category="books", quantity=10,
        amount=Decimal("800"),
    )  # fmt: skip
    one = partner_assistance.build(user=w["sheng"], spec=CALENDAR)
    four = funds_goods.build(user=w["sheng"], spec=CALENDAR)
    row = row_of(one, "历下区").values
    assert row["funds_unpaired"] == wan(Decimal("12345.67") + 3000) == Decimal("1.53")
    # The universe of table 4 computed here: every received line and cash
    # donation dated in 2024 with a school in Shandong (by pairing or directly).
    in_shandong = set(
        School.objects.filter(region__path__startswith=w["P1"].path).values_list(
            "pk", flat=True
        )
    )

    def placed(pairing, school_id):
        if pairing is None:
            return school_id in in_shandong
        return any(p.school_id in in_shandong for p in pairing.parties.all())

    lines = sum(
        f.amount
        for f in FundingLine.objects.select_related("pairing", "project__pairing")
        if f.kind == "received"
        and (f.date or D(f.year, 12, 31)).year == 2024
        and placed(
            f.pairing or (f.project.pairing if f.project else None),
            f.project.receiving_school_id if f.project else None,
        )
    )
    cash = sum(
        d.amount
        for d in Donation.objects.select_related("pairing")
        if d.form == "cash"
        and d.date.year == 2024
        and placed(d.pairing, d.recipient_school_id)
    )
    total_one = one.rows[-1].values["funds_total"]
    total_four = four.rows[-1].values["received_total"]
    assert total_one == total_four == wan(lines + cash)


# Stable history -------------------------------------------------------------------


def snapshot(w, spec, user="sheng"):
    """Every figure of tables 1, 4, 5, 6 and 7 for the spec."""
    tables = registry.build_all(
        ["partner_assistance", "funds_goods", "report_submission", "compliance",
         "pairing_list"],
        user=w[user], spec=spec,
    )  # fmt: skip
    return {t.code: [dict(r.values) for r in t.rows] for t in tables}


def test_a_past_period_keeps_its_figures(w):
    """Take the tables of autumn 2024, then terminate a pairing, add a
    cultivation and an agreement dated later, approve a report late and move a
    school to another region: autumn 2024 gives the same figures."""
    report = SemesterReport.objects.get(school=w["a1r"], period=w["period"])
    event = ReportEvent.objects.create(report=report, action="submit",
                                       to_status="submitted")  # fmt: skip
    ReportEvent.objects.filter(pk=event.pk).update(
        created_at=dt.datetime(2025, 2, 1, 10, tzinfo=dt.UTC)
    )
    SemesterReport.objects.filter(pk=report.pk).update(status="submitted")
    specs = [semester(w), CALENDAR]
    before = [snapshot(w, spec) for spec in specs]

    Pairing.objects.filter(pk=w["pB1"].pk).update(
        status="terminated", end_date=D(2025, 6, 30)
    )
    BackboneCultivation.objects.create(
        pairing=w["pA1"], person=w["in_A1"][Person], level="city",
        recognised_on=D(2025, 3, 3),
    )  # fmt: skip
    Agreement.objects.create(
        pairing=w["pA1"], kind="memorandum", title="补充协议", signed_on=D(2025, 4, 4)
    )
    approved = ReportEvent.objects.create(report=report, action="approve",
                                          to_status="approved")  # fmt: skip
    ReportEvent.objects.filter(pk=approved.pk).update(
        created_at=dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC)
    )  # after the lock date (2025-03-01)
    SemesterReport.objects.filter(pk=report.pk).update(status="approved")
    # 历下区 becomes part of 市中区's school list: the school moves today.
    form = SchoolForm(
        data={**{f: getattr(w["b1r"], f) for f in ("code", "name", "stage",
              "ownership", "locality", "address")}, "region": w["A2"].pk},
        instance=w["b1r"], user=w["admin"],
    )  # fmt: skip
    assert form.is_valid(), form.errors
    form.save()
    moved = SchoolRegionChange.objects.filter(school=w["b1r"]).latest("changed_on")
    assert moved.former_region == w["B1"]

    after = [snapshot(w, spec) for spec in specs]
    for old, new in zip(before, after, strict=True):
        for code in old:
            for i, (o, n) in enumerate(zip(old[code], new[code], strict=True)):
                assert o == n, (
                    code,
                    i,
                    {k: (o[k], n.get(k)) for k in o if o[k] != n.get(k)},
                )
    assert after == before
    # The school lies in 市中区 today; autumn 2024 still places it in 市南区.
    w["b1r"].refresh_from_db()
    assert w["b1r"].region == w["A2"]
    rows = {
        r["label"]: r
        for r in after[0]["report_submission"]
        if isinstance(r["expected"], int)
    }
    assert rows["市南区"]["expected"] == 2 and rows["市中区"]["expected"] == 0


def test_a_school_moved_between_counties_counts_where_it_lay(w):
    pairing_services.school_region_moved(
        school=w["a1r"], former_region=w["A1"], on=D(2025, 9, 1)
    )
    w["a1r"].region = w["A2"]
    w["a1r"].save()
    before = a1(w, SCHOOL_YEAR).values  # 2024-2025: a1r was in 历下区
    assert before["receiving_schools"] == 2  # a1r and lx
    table = partner_assistance.build(
        user=w["sheng"], spec=Spec(span="school_year", year=2025)
    )
    assert row_of(table, "市中区").values["receiving_schools"] == 1


def test_schools_directly_in_a_city_have_a_row(w):
    direct = world.school("济南市直属中学", w["A"])
    partner = world.school("市中乡村小学", w["A2"])
    world.pairing("市直结对", w["programme"], direct, partner)
    table = partner_assistance.build(user=w["sheng"], spec=SCHOOL_YEAR)
    label = gettext("%(region)s (directly)") % {"region": "济南市"}
    assert row_of(table, label).values["supporting_schools"] == 1
    assert all(c.ok for c in table.checks), [c for c in table.checks if not c.ok]


# Reconciliation --------------------------------------------------------------------


def test_the_yearly_tables_reconcile(w):
    tables = registry.build_all(list(registry.available()), user=w["sheng"],
                                spec=CALENDAR)  # fmt: skip
    lines = [c for t in tables for c in t.checks]
    labels = [c.label for c in lines]
    assert gettext("Funds received in total: table 1 against table 4") in labels
    assert gettext("Pairings in progress: table 1 against the rows of table 7") in (
        labels
    )
    # One line per subtotal and total of tables 1 and 4, naming the row.
    for table in tables[:1] + [t for t in tables if t.code == "funds_goods"]:
        for row in table.rows:
            if row.kind in ("subtotal", "total"):
                named = [c for c in table.checks if c.label.startswith(
                    row.values["label"])]  # fmt: skip
                assert len(named) == 1, row.values["label"]
    assert all(c.ok for c in lines), [c for c in lines if not c.ok]


def test_checks_fail_on_inconsistent_figures(w):
    one = partner_assistance.build(user=w["sheng"], spec=CALENDAR)
    four = funds_goods.build(user=w["sheng"], spec=CALENDAR)
    # Table 4 drifting from table 1 (say, cash donations left out again).
    four.rows[-1].values["received_total"] -= Decimal("1.00")
    checks.reconcile([one, four])
    failed = [c for c in one.checks if not c.ok]
    assert [c.label for c in failed] == [
        gettext("Funds received in total: table 1 against table 4")
    ]
    assert failed[0].expected != failed[0].actual
    # A subtotal larger than the sum of its rows, and a total that does not add
    # up in a table whose rows partition its records.
    table = Table(
        code="report_submission", title="t", period_label="p", unit="",
        header=[[HeaderCell("地区"), HeaderCell("应报")]],
        columns=[Column("label", "text"), Column("expected")],
        rows=[
            Row({"label": "甲县", "expected": 3}, level=1),
            Row({"label": "乙县", "expected": 4}, level=1),
            Row({"label": "合计", "expected": 8}, kind="total"),
        ],
    )  # fmt: skip
    (line,) = checks.subtotal_checks(table)
    assert not line.ok and "应报" in line.actual


def test_an_export_with_a_failed_check_is_not_shipped(w, monkeypatch, settings):
    from reporting.exports import jobs as exports
    from reporting.tasks import build_export

    real = funds_goods.build

    def drifting(*, user, spec):
        table = real(user=user, spec=spec)
        table.rows[-1].values["received_total"] += Decimal("0.01")
        return table

    monkeypatch.setattr(funds_goods, "build", drifting)
    job, _created = exports.export_request(
        user=w["sheng"], table=registry.YEARLY, spec=CALENDAR
    )
    assert build_export.apply(args=[job.pk]).get() == "failed"
    job.refresh_from_db()
    assert gettext("Funds received in total: table 1 against table 4") in job.error
    assert not job.file


def test_reporting_period_fixture_is_the_worlds(w):
    # Guard for the figures above: the world's autumn semester and lock date.
    period = ReportingPeriod.objects.get()
    assert (period.start, period.end, period.lock_date) == (
        D(2024, 9, 1), D(2025, 1, 19), D(2025, 3, 1),
    )  # fmt: skip
    assert submission.as_of(period) > dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def test_a_workbook_judges_each_pairing_once(w, monkeypatch):
    from reporting.compliance import engine as compliance

    judged = []
    real = compliance.evaluate

    def counting(pairings, term, **options):
        found = list(pairings)
        judged.extend(p.pk for p in found)
        return real(found, term, **options)

    monkeypatch.setattr(compliance, "evaluate", counting)
    spec = semester(w)
    tables = registry.build_all(
        ["partner_assistance", "compliance"], user=w["sheng"], spec=spec
    )
    assert judged and len(judged) == len(set(judged))
    # The same judgements as each table built alone.
    alone = [registry.build(t.code, user=w["sheng"], spec=spec) for t in tables]
    assert [[r.values for r in t.rows] for t in tables] == [
        [r.values for r in t.rows] for t in alone
    ]


def test_moving_a_school_in_the_admin_keeps_its_former_region(client, w):
    """The admin goes through the same service as the school form."""
    client.force_login(w["admin"])
    school = w["b1s"]
    page = client.get(f"/admin/pairings/school/{school.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(region=w["A2"].pk)
    for prefix in ("profiles", "former_names", "region_changes"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post(f"/admin/pairings/school/{school.pk}/change/", data)
    assert response.status_code == 302
    change = SchoolRegionChange.objects.filter(school=school).latest("changed_on")
    assert change.former_region == w["B1"]
    assert change.changed_on == dt.date.today()


def test_missing_schools_in_a_township_are_named_with_their_county(w):
    township = world.region("370102001", "姚家街道", 4, w["A1"])
    school = world.school("姚家小学", township)
    world.pairing("姚家结对", w["programme"], w["a1s"], school)
    table = submission.build(user=w["xian"], spec=semester(w))
    row = next(r for r in table.rows if r.values["expected"] == "姚家小学")
    assert row.values["label"] == "历下区"  # the row it counts in, not 姚家街道
    assert row.values["rate"] == "姚家结对"


def test_checks_allow_for_rounding_of_10000_yuan_only(w):
    """Rows and total are each rounded from exact yuan: 3 × 0.0044 万元 shows as
    0.00 in each row and 0.01 in the total; a real gap of 0.02 still fails."""

    def table(total):
        return Table(
            code="funds_goods", title="t", period_label="p", unit="",
            header=[[HeaderCell("地区"), HeaderCell("到位")]],
            columns=[Column("label", "text"), Column("received_total", "wan")],
            rows=[
                *[Row({"label": n, "received_total": Decimal("0.00")}, level=1)
                  for n in ("甲", "乙", "丙")],
                Row({"label": "合计", "received_total": total}, kind="total"),
            ],
        )  # fmt: skip

    (ok,) = checks.subtotal_checks(table(Decimal("0.01")))
    (wrong,) = checks.subtotal_checks(table(Decimal("0.02")))
    assert ok.ok and not wrong.ok
