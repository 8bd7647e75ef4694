"""Tables 5 (学期报告报送情况表) and 6 (结对达标情况表): figures recomputed here in
plain Python from the fixture's records, the schools still missing by name, rule
results at a threshold, scope, query counts, and both tables in one workbook."""

import datetime as dt
import itertools
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from openpyxl import load_workbook

from core.choices import Direction, Side
from dispatch.models import (
    Activity,
    BackboneCultivation,
    Person,
    Secondment,
    Stint,
    TrainingParticipation,
)
from pairings.models import (
    Pairing,
    PairingAssessment,
    PairingParty,
    Programme,
    SchoolYearProfile,
)
from reporting.choices import ReportStatus
from reporting.compliance import engine as compliance
from reporting.models import ReportEvent, ReportingPeriod, SemesterReport
from reporting.reports import services as reporting_services
from reporting.statistics import compliance_table, submission
from reporting.statistics.base import Spec
from reporting.statistics.excel import build_workbook

from . import previews, world

pytestmark = pytest.mark.django_db

D = dt.date
DRAFT, SUBMITTED, RETURNED, APPROVED = (
    ReportStatus.DRAFT,
    ReportStatus.SUBMITTED,
    ReportStatus.RETURNED,
    ReportStatus.APPROVED,
)
_names = itertools.count(1)


def secondment(pairing, person, kind, direction, start, end, sending, host):
    s = Secondment.objects.create(
        person=person,
        pairing=pairing,
        direction=direction,
        kind=kind,
        sending_school=sending,
        host_school=host,
        planned_start=start,
        planned_end=end,
        subject="maths",
    )
    Stint.objects.create(secondment=s, start=start, end=end)
    return s


def at(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def report(school, period, *steps):
    """A report with its history: ``steps`` are (day, action, status); late is
    decided by the first submission, as the workflow service does."""
    sent = [day for day, action, _status in steps if action in ("submit", "resubmit")]
    r, _created = SemesterReport.objects.get_or_create(school=school, period=period)
    SemesterReport.objects.filter(pk=r.pk).update(
        status=steps[-1][2] if steps else DRAFT,
        is_late=bool(sent) and sent[0] > period.deadline,
        submitted_at=at(sent[-1]) if sent else None,
    )
    previous = ""
    for day, action, status in steps:
        event = ReportEvent.objects.create(
            report=r, action=action, from_status=previous, to_status=status
        )
        ReportEvent.objects.filter(pk=event.pk).update(created_at=at(day))
        previous = status
    return r


@pytest.fixture
def w():
    """The world, with its autumn 2024 reports in every state and a spring 2025
    period; managers both ways and a research activity in pA1."""
    w = world.build()
    autumn = w["period"]  # deadline 2025-02-10, lock date 2025-03-01
    drafted = (D(2024, 12, 1), "create", DRAFT)
    report(w["a1r"], autumn, drafted)
    report(
        w["a1s"], autumn, drafted,
        (D(2025, 2, 1), "submit", SUBMITTED), (D(2025, 2, 5), "approve", APPROVED),
    )  # fmt: skip
    report(w["lx"], autumn, drafted, (D(2025, 2, 20), "submit", SUBMITTED))  # late
    report(w["b1r"], autumn, drafted, (D(2025, 2, 1), "submit", SUBMITTED))
    report(
        w["lr"], autumn, drafted,
        (D(2025, 2, 1), "submit", SUBMITTED), (D(2025, 2, 3), "return", RETURNED),
    )  # fmt: skip
    w["spring"] = ReportingPeriod.objects.create(
        school_year=2024,
        semester="spring",
        start=D(2025, 2, 17),
        end=D(2025, 7, 10),
        deadline=D(2025, 7, 20),
        lock_date=D(2025, 8, 1),
    )
    report(w["a1s"], w["spring"], (D(2025, 7, 25), "submit", SUBMITTED))  # late

    a1s, a1r, pA1 = w["a1s"], w["a1r"], w["pA1"]
    out = Person.objects.create(name="王校长", gender="M", home_school=a1s)
    back = Person.objects.create(name="李主任", gender="F", home_school=a1r)
    secondment(
        pA1, out, "attachment", Direction.TO_RECEIVING, D(2024, 9, 5), D(2024, 11, 5),
        a1s, a1r,
    )  # fmt: skip
    secondment(
        pA1, back, "attachment", Direction.TO_SUPPORTING, D(2024, 10, 8),
        D(2024, 11, 20), a1r, a1s,
    )  # fmt: skip
    Activity.objects.create(
        pairing=pA1, kind="research", title="教研", date=D(2024, 12, 1),
        host_side="joint",
    )  # fmt: skip
    # One trainee (the world's) of 1 subject teacher in a1r, of 2 in b1r.
    SchoolYearProfile.objects.filter(school=a1r).update(subject_teachers=1)
    SchoolYearProfile.objects.filter(school=w["b1r"]).update(subject_teachers=2)
    return w


def spec_for(period) -> Spec:
    return Spec(span="semester", semester=period.pk)


# Table 5 ---------------------------------------------------------------------------


def status_then(report_, period):
    """The report's status at the end of the period's lock date, from its history
    (plain Python)."""
    cut = at(period.lock_date + dt.timedelta(days=1), 0)
    events = [e for e in report_.events.all() if e.created_at < cut]
    events.sort(key=lambda e: (e.created_at, e.pk))
    return events[-1].to_status if events else None


def expected_board(period, regions):
    """Per region: the figures, from every school party to a pairing in force
    during the period (any status but preparing) and the reports' states at the
    lock date (plain Python)."""
    expected = {
        pp.school
        for pp in PairingParty.objects.select_related("pairing", "school__region")
        if pp.pairing.status != "preparing"
        and pp.pairing.start_date <= period.end
        and pp.pairing.end_date >= period.start
    }
    reports = {r.school_id: r for r in SemesterReport.objects.filter(period=period)}
    states = {pk: status_then(r, period) for pk, r in reports.items()}
    result = {}
    for region in regions:
        schools = [s for s in expected if s.region.path.startswith(region.path)]
        sent = [s for s in schools if states.get(s.pk) in (SUBMITTED, APPROVED)]
        row = {
            "expected": len(schools),
            "submitted": len(sent),
            "on_time": sum(1 for s in sent if not reports[s.pk].is_late),
            "late": sum(1 for s in sent if reports[s.pk].is_late),
            "approved": sum(1 for s in schools if states.get(s.pk) == APPROVED),
            "returned": sum(1 for s in schools if states.get(s.pk) == RETURNED),
            "missing": len(schools) - len(sent),
        }
        row["rate"] = (
            (Decimal(100 * row["submitted"]) / row["expected"]).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
            if schools
            else None
        )
        row["missing_schools"] = sorted(
            (s.region.path, s.name, states.get(s.pk)) for s in schools if s not in sent
        )
        result[region.pk] = row
    return result


FIGURES = ["expected", "submitted", "on_time", "late", "approved", "returned"]


def figures(row):
    return {k: row.values[k] for k in [*FIGURES, "missing", "rate"]}


def missing_rows(table):
    """(county, school, pairings, status text) of the missing-school rows."""
    return [
        (
            r.values["label"],
            r.values["expected"],
            r.values["rate"],
            r.values["submitted"],
        )
        for r in table.rows
        if r.kind == "data" and isinstance(r.values.get("expected"), str)
    ]


def status_text(status):
    if status is None:
        return str(submission.status_label(None))
    return str(ReportStatus(status).label)


def test_submission_for_a_province_semester(w):
    table = submission.build(user=w["sheng"], spec=spec_for(w["period"]))
    assert table.code == "report_submission"
    assert table.unit_name == "山东省"
    regions = [w["A1"], w["A2"], w["A"], w["B1"], w["B"], w["P1"]]
    want = expected_board(w["period"], regions)
    figure_rows = [r for r in table.rows if isinstance(r.values["expected"], int)]
    # Every county, its city's subtotal, the total (domain.md §5a).
    assert [(r.values["label"], r.kind) for r in figure_rows] == [
        ("历下区", "data"),
        ("市中区", "data"),
        (gettext("%(region)s subtotal") % {"region": "济南市"}, "subtotal"),
        ("市南区", "data"),
        (gettext("%(region)s subtotal") % {"region": "青岛市"}, "subtotal"),
        (gettext("Total"), "total"),
    ]
    for row, region in zip(figure_rows, regions, strict=True):
        assert figures(row) == {k: want[region.pk][k] for k in figures(row)}
    total = figure_rows[-1]
    # Not a made-up world: something of each kind is there.
    assert total.values["expected"] == 4 and total.values["submitted"] == 2
    # The missing list names county, school and pairing.
    assert missing_rows(table) == [
        ("历下区", "历下乡村小学", "历下结对", status_text(DRAFT)),
        ("市南区", "市南实验小学", "市南结对", status_text(None)),
    ]
    header = [
        r
        for r in table.rows
        if r.kind == "subtotal"
        and r.values["expected"] == pgettext("statistics table", "School")
    ]
    assert header[0].values["label"] == pgettext(
        "statistics table", "County (district)"
    )
    assert header[0].values["rate"] == pgettext("statistics table", "Pairings")


def test_submission_scope_of_a_county(w):
    table = submission.build(user=w["xian"], spec=spec_for(w["period"]))
    want = expected_board(w["period"], [w["A1"]])[w["A1"].pk]
    (total,) = [r for r in table.rows if r.kind == "total"]
    assert figures(total) == {k: want[k] for k in figures(total)}
    assert total.values["expected"] == 2  # a1s, a1r: lx lies in Longshan
    assert missing_rows(table) == [
        ("历下区", "历下乡村小学", "历下结对", str(ReportStatus.DRAFT.label))
    ]
    shown = {str(v) for r in table.rows for v in r.values.values()}
    for school in ("b1s", "b1r", "lx", "lr", "ls"):
        assert w[school].name not in shown
    assert "市南区" not in shown and "青岛市" not in shown


def test_submission_blocks_per_semester_in_a_school_year(w):
    table = submission.build(user=w["sheng"], spec=Spec(span="school_year", year=2024))
    heads = [
        r.values["label"]
        for r in table.rows
        if r.values["expected"] == "" and r.values["submitted"] == ""
    ]
    assert str(w["period"]) in heads and str(w["spring"]) in heads
    totals = [r for r in table.rows if r.kind == "total"]
    assert len(totals) == 2
    spring = expected_board(w["spring"], [w["P1"]])[w["P1"].pk]
    assert figures(totals[1]) == {k: spring[k] for k in figures(totals[1])}
    assert totals[1].values["late"] == 1
    spring_missing = missing_rows(table)[2:]
    # a1r, b1s and b1r have no spring report at all.
    none = str(submission.status_label(None))
    assert spring_missing == [
        ("历下区", "历下乡村小学", "历下结对", none),
        ("市南区", "市南乡村小学", "市南结对", none),
        ("市南区", "市南实验小学", "市南结对", none),
    ]


def test_resubmission_after_a_return_is_not_late(w):
    """The workflow service decides lateness by the first submission."""
    # Still open for editing today (the lock date decides), deadline long past.
    ReportingPeriod.objects.filter(pk=w["period"].pk).update(lock_date=D(2099, 1, 1))
    w["period"].refresh_from_db()
    r = SemesterReport.objects.get(school=w["lr"], period=w["period"])
    SemesterReport.objects.filter(pk=r.pk).update(
        status=SUBMITTED, submitted_at=at(D(2025, 2, 1)), is_late=False
    )
    r.refresh_from_db()
    reporting_services.report_return(report=r, user=w["admin"], comment="请补充")
    r.refresh_from_db()
    staff = world.user("school_lr", "school", school_=w["lr"])
    reporting_services.report_submit(
        report=r, user=staff, now=at(D(2025, 2, 25))
    )  # after the deadline, but a resubmission
    r.refresh_from_db()
    assert r.status == SUBMITTED and r.is_late is False
    first = report(w["ls"], w["period"])
    reporting_services.report_submit(
        report=first,
        user=world.user("school_ls", "school", school_=w["ls"]),
        now=at(D(2025, 2, 25)),
    )
    first.refresh_from_db()
    assert first.is_late is True


def test_terminated_pairing_still_expects_its_schools(w):
    """A pairing terminated after the semester keeps its schools expected."""
    before = figures(table_total(w))
    Pairing.objects.filter(pk=w["pB1"].pk).update(
        status="terminated", end_date=D(2025, 6, 30)
    )
    assert figures(table_total(w)) == before
    # Terminated before the semester began: no longer expected then.
    Pairing.objects.filter(pk=w["pB1"].pk).update(
        start_date=D(2024, 3, 1), end_date=D(2024, 8, 31)
    )
    assert table_total(w).values["expected"] == before["expected"] - 2


def table_total(w):
    table = submission.build(user=w["sheng"], spec=spec_for(w["period"]))
    return [r for r in table.rows if r.kind == "total"][0]


def test_after_the_lock_date_nothing_changes(w):
    """A report approved, submitted or returned after the lock date leaves the
    semester's figures as they were at the lock date."""
    before = figures(table_total(w))
    later = D(2025, 4, 1)
    for school, action, status in [
        ("b1r", "approve", APPROVED),
        ("lr", "resubmit", SUBMITTED),
        ("a1r", "submit", SUBMITTED),
    ]:
        r = SemesterReport.objects.get(school=w[school], period=w["period"])
        event = ReportEvent.objects.create(report=r, action=action, to_status=status)
        ReportEvent.objects.filter(pk=event.pk).update(created_at=at(later))
        SemesterReport.objects.filter(pk=r.pk).update(status=status)
    assert figures(table_total(w)) == before


def add_county(w, n):
    """A new county under 济南市 with ``n`` pairings and their reports."""
    code = next(_names)
    county = world.region(f"3701{50 + code:02d}", f"新区{code}", 3, w["A"])
    for i in range(n):
        s = world.school(f"新区{code}支援{i}", county)
        r = world.school(f"新区{code}受援{i}", county)
        world.pairing(f"新区{code}结对{i}", w["programme"], s, r)
        report(r, w["period"], (D(2025, 2, 1), "submit", SUBMITTED))
    return county


def count_queries(build, user, spec):
    user = type(user).objects.get(pk=user.pk)  # nothing cached on the account
    with CaptureQueriesContext(connection) as ctx:
        table = build(user=user, spec=spec)
        rows = list(table.rows)
    return len(ctx.captured_queries), rows


def test_submission_query_count_does_not_grow_with_rows(w):
    spec = spec_for(w["period"])
    before, rows_before = count_queries(submission.build, w["sheng"], spec)
    add_county(w, 3)
    after, rows_after = count_queries(submission.build, w["sheng"], spec)
    assert after == before
    assert len(rows_after) > len(rows_before)


# Table 6 ---------------------------------------------------------------------------


def in_semester(day, period):
    return period.start <= day <= period.end


def expected_compliance(w, pairing, period):
    """The results of the rules recomputed from the records, for the rules the
    fixture decides (plain Python)."""
    stints = list(Stint.objects.select_related("secondment"))
    managers = {Direction.TO_RECEIVING: set(), Direction.TO_SUPPORTING: set()}
    for st in stints:
        s = st.secondment
        if (
            s.pairing_id == pairing.pk
            and s.kind == "attachment"
            and st.start <= period.end
            and st.end >= period.start
        ):
            managers[s.direction].add(s.person_id)
    research = sum(
        1
        for a in Activity.objects.all()
        if a.pairing_id == pairing.pk
        and a.kind == "research"
        and in_semester(a.date, period)
    )
    assessments = sum(
        1
        for a in PairingAssessment.objects.all()
        if a.pairing_id == pairing.pk and in_semester(a.assessed_on, period)
    )
    receiving = {
        pp.school_id
        for pp in PairingParty.objects.filter(pairing=pairing, side=Side.RECEIVING)
    }
    teachers = sum(
        p.subject_teachers or 0
        for p in SchoolYearProfile.objects.all()
        if p.school_id in receiving and p.school_year == 2024
    )
    trained = {
        tp.person_id
        for tp in TrainingParticipation.objects.select_related("activity", "person")
        if tp.activity.pairing_id == pairing.pk
        and tp.activity.kind == "training"
        and D(2024, 9, 1) <= tp.activity.date <= D(2025, 8, 31)
        and tp.person.home_school_id in receiving
    }
    programme = Programme.objects.get(pk=pairing.programme_id)
    return {
        compliance.MANAGERS: all(
            len(v) >= programme.min_managers_per_side for v in managers.values()
        ),
        compliance.RESEARCH: research >= programme.min_research_activities,
        compliance.ASSESSMENT: assessments >= programme.min_assessments,
        compliance.TRAINING: (
            None
            if not teachers
            else len(trained) * 100 >= programme.training_coverage_percent * teachers
        ),
    }


def by_pairing(table):
    return {r.values["pairing"]: r.values for r in table.rows}


def label_of(passed):
    return compliance_table.result_label(passed)


def test_compliance_rows_and_results(w):
    table = compliance_table.build(user=w["admin"], spec=spec_for(w["period"]))
    assert table.code == "compliance"
    assert str(w["period"]) in table.notes[0]
    rows = by_pairing(table)
    assert set(rows) == {p.name for p in (w["pA1"], w["pB1"], w["pL"], w["pX"])}
    assert [r.values["number"] for r in table.rows] == [1, 2, 3, 4]
    assert rows["济南—龙山东西部协作"]["receiving"] == "龙山山区小学"
    assert rows["济南—龙山东西部协作"]["supporting"] == "历下实验小学"
    for key in ("pA1", "pB1", "pL", "pX"):
        values = rows[w[key].name]
        # Each side's schools by name, joined with 、 when a side has several.
        for side in ("receiving", "supporting"):
            parties = w[key].parties.filter(side=side).order_by("school__name")
            names = [p.school.name for p in parties]
            assert values[side] == "、".join(names)
        for rule, passed in expected_compliance(w, w[key], w["period"]).items():
            assert values[f"{rule}_result"] == label_of(passed), (key, rule)
    a1 = rows["历下结对"]
    assert a1[f"{compliance.MANAGERS}_result"] == label_of(True)
    assert a1[f"{compliance.TIME_ON_POST}_result"] == label_of(True)
    # The world's backbone teacher was recognised in May 2025, after the autumn
    # semester: not yet counted for it, counted for the spring (domain.md §5a).
    assert a1[f"{compliance.BACKBONE}_result"] == label_of(False)
    spring = by_pairing(
        compliance_table.build(user=w["admin"], spec=spec_for(w["spring"]))
    )
    assert spring["历下结对"][f"{compliance.BACKBONE}_result"] == label_of(True)
    assert a1[f"{compliance.TEACHERS}_result"] == label_of(False)  # 1 teacher
    assert "1" in a1[f"{compliance.MANAGERS}_figure"]
    assert a1["passed"] == gettext("no")
    x = rows["济南—龙山东西部协作"]
    assert x[f"{compliance.TRAINING}_result"] == label_of(None)  # no profile
    assert x[f"{compliance.RESEARCH}_result"] == label_of(False)


def test_compliance_at_a_threshold(w):
    spec = spec_for(w["period"])
    b1 = by_pairing(compliance_table.build(user=w["admin"], spec=spec))["市南结对"]
    # 1 trainee of 2 subject teachers: 50%, below the default 100%.
    assert b1[f"{compliance.TRAINING}_result"] == label_of(False)
    Programme.objects.filter(pk=w["programme"].pk).update(training_coverage_percent=50)
    b1 = by_pairing(compliance_table.build(user=w["admin"], spec=spec))["市南结对"]
    assert b1[f"{compliance.TRAINING}_result"] == label_of(True)
    assert "50.0%" in b1[f"{compliance.TRAINING}_figure"]
    Programme.objects.filter(pk=w["programme"].pk).update(min_assessments=2)
    b1 = by_pairing(compliance_table.build(user=w["admin"], spec=spec))["市南结对"]
    assert b1[f"{compliance.ASSESSMENT}_result"] == label_of(False)


def test_compliance_all_rules_met(w):
    """pA1 meets every rule once a second teacher each way is exchanged (and its
    backbone teacher is recognised inside the semester)."""
    pA1, a1s, a1r = w["pA1"], w["a1s"], w["a1r"]
    BackboneCultivation.objects.filter(pairing=pA1).update(recognised_on=D(2024, 12, 1))
    for name, home, direction, sending, host in [
        ("甲", a1s, Direction.TO_RECEIVING, a1s, a1r),
        ("乙", a1r, Direction.TO_SUPPORTING, a1r, a1s),
        ("丙", a1r, Direction.TO_SUPPORTING, a1r, a1s),
    ]:
        person = Person.objects.create(name=name, gender="F", home_school=home)
        secondment(
            pA1, person, "teaching", direction, D(2024, 9, 2), D(2024, 10, 30),
            sending, host,
        )  # fmt: skip
    rows = by_pairing(
        compliance_table.build(user=w["xian"], spec=spec_for(w["period"]))
    )
    a1 = rows["历下结对"]
    assert a1[f"{compliance.TEACHERS}_result"] == label_of(True)
    assert all(a1[f"{rule}_result"] == label_of(True) for rule in compliance.RULES), a1
    assert a1["passed"] == gettext("yes")


def test_compliance_scope(w):
    table = compliance_table.build(user=w["xian"], spec=spec_for(w["period"]))
    assert set(by_pairing(table)) == {"历下结对", "济南—龙山东西部协作"}
    shown = {str(v) for r in table.rows for v in r.values.values()}
    assert not {"市南结对", "市南实验小学", "市南乡村小学"} & shown
    assert not by_pairing(
        compliance_table.build(user=w["xian_l"], spec=spec_for(w["period"]))
    ).keys() & {"历下结对", "市南结对"}


def test_compliance_without_a_semester(w):
    table = compliance_table.build(
        user=w["admin"], spec=Spec(span="range", start="2024-09-01", end="2024-12-31")
    )
    assert table.rows == []
    assert len(table.notes) == 1


def test_compliance_query_count_does_not_grow_with_rows(w):
    spec = spec_for(w["period"])
    before, rows_before = count_queries(compliance_table.build, w["admin"], spec)
    add_county(w, 4)
    after, rows_after = count_queries(compliance_table.build, w["admin"], spec)
    assert after == before
    assert len(rows_after) == len(rows_before) + 4


def test_compliance_judged_in_batches_gives_the_same_rows(w, monkeypatch):
    """At national scale the pairings are judged a batch at a time (memory): a
    batch of one pairing gives every row the judgement of one batch of all, in
    the same order, alone and in a workbook sharing its judgements."""
    from reporting.statistics import base as statistics_base

    spec = spec_for(w["period"])
    whole = [r.values for r in compliance_table.build(user=w["admin"], spec=spec).rows]
    monkeypatch.setattr(statistics_base, "JUDGED_AT_ONCE", 1)
    one_by_one = [
        r.values for r in compliance_table.build(user=w["admin"], spec=spec).rows
    ]
    with statistics_base.shared_evaluations():
        shared = [
            r.values for r in compliance_table.build(user=w["admin"], spec=spec).rows
        ]
    assert len(whole) == 4
    assert one_by_one == whole == shared


# Excel -----------------------------------------------------------------------------


def test_both_tables_in_a_workbook(w, tmp_path):
    spec = spec_for(w["period"])
    t5 = submission.build(user=w["sheng"], spec=spec)
    t6 = compliance_table.build(user=w["sheng"], spec=spec)
    path = build_workbook([t5, t6], tmp_path / "t.xlsx")
    book = load_workbook(path)
    five, six = book.worksheets
    texts5 = [c for row in five.iter_rows(values_only=True) for c in row if c]
    assert t5.title in texts5
    assert "市南实验小学" in texts5 and "历下区" in texts5
    merged = {str(r) for r in six.merged_cells.ranges}
    # The header starts on row 3, under the title and unit line; the rules from
    # column E, two columns each.
    for i, label in enumerate(compliance.RULES.values()):
        first = 5 + 2 * i
        letters = [chr(ord("A") + first - 1), chr(ord("A") + first)]
        assert f"{letters[0]}3:{letters[1]}3" in merged
        assert six[f"{letters[0]}3"].value == str(label)
        assert six[f"{letters[1]}4"].value == pgettext("statistics table", "Result")
    texts6 = [c for row in six.iter_rows(values_only=True) for c in row if c]
    assert "历下结对" in texts6 and "市南结对" in texts6


def test_html_preview_of_both_tables(w, client):
    client.force_login(w["xian"])
    query = {"span": "semester", "semester": w["period"].pk}
    url = reverse("reporting:statistics_table", args=["report_submission"])
    response = previews.get(client, url, query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "历下乡村小学" in body and "市南实验小学" not in body
    url = reverse("reporting:statistics_table", args=["compliance"])
    response = previews.get(client, url, query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "历下结对" in body and "市南结对" not in body
    assert 'colspan="2"' in body


def test_checks_of_several_semesters_name_their_semester(w):
    from reporting.statistics import registry

    table = registry.build(
        "report_submission", user=w["sheng"], spec=Spec(span="school_year", year=2024)
    )
    labels = [c.label for c in table.checks]
    assert labels and all(c.ok for c in table.checks)
    assert sum(1 for label in labels if label.startswith(str(w["period"]))) == 3
    assert sum(1 for label in labels if label.startswith(str(w["spring"]))) == 3
