"""Tables 2 and 3 (支教人员花名册, 援建项目台账): every row recomputed here in plain
Python from the fixture's records and compared with the table; scope, stints across
the span's edge, the time-on-post rule at and under its thresholds, ordering,
approximate money, streamed rows with a fixed query count, and the Excel sheets."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext
from openpyxl import load_workbook

from core.choices import Direction
from dispatch.models import Appraisal, Person, Secondment, Stint
from pairings import periods
from pairings.models import PairingParty, Programme, School
from projects.models import AidProject, FundingLine
from reporting.statistics import ledger, roster
from reporting.statistics.base import Spec, rate, wan
from reporting.statistics.excel import build_workbook

from . import previews, world

pytestmark = pytest.mark.django_db

D = dt.date
_names = itertools.count(1)
ON_POST = {"teaching", "attachment", "rotation", "shadowing"}


def secondment(pairing, person, sending, host, stints, kind="teaching", **extra):
    s = Secondment.objects.create(
        person=person,
        pairing=pairing,
        direction=extra.pop("direction", Direction.TO_RECEIVING),
        kind=kind,
        sending_school=sending,
        host_school=host,
        planned_start=extra.pop("planned_start", stints[0][0]),
        planned_end=extra.pop("planned_end", stints[-1][1]),
        subject="maths",
        **extra,
    )
    for start, end in stints:
        Stint.objects.create(secondment=s, start=start, end=end)
    return s


def person(name, school, **extra):
    return Person.objects.create(
        name=name,
        gender=extra.pop("gender", "M"),
        home_school=school,
        subject="maths",
        id_number="370102199001019999",
        **extra,
    )


@pytest.fixture
def w():
    w = world.build()
    a1s, a1r, a1t, a2s, lx = (w[k] for k in ("a1s", "a1r", "a1t", "a2s", "lx"))
    pA1, pX = w["pA1"], w["pX"]
    # A sending school in 市中区 (after 历下区 by region path), hosting in 历下区.
    w["pA2"] = world.pairing("市中结对", w["programme"], a2s, a1t)
    # The east-west programme asks for fewer days.
    Programme.objects.filter(pk=pX.programme_id).update(min_days_on_post=20)
    # Across the semester's start: 10 of its 22 days in the semester.
    secondment(pA1, person("周老师", a1s), a1s, a1r, [(D(2024, 8, 20), D(2024, 9, 10))])
    # At the thresholds (30 days, a stint of 7): met.
    w["at"] = secondment(
        pA1,
        person("吴老师", a1s, title="senior"),
        a1s,
        a1r,
        [(D(2024, 10, 1), D(2024, 10, 23)), (D(2024, 11, 1), D(2024, 11, 7))],
        batch=2,
    )
    # 29 days: not met.
    secondment(
        pA1,
        person("郑老师", a1s, gender="F"),
        a1s,
        a1r,
        [(D(2024, 10, 1), D(2024, 10, 23)), (D(2024, 11, 1), D(2024, 11, 6))],
    )
    # 30 days but a stint of 6: not met.
    secondment(
        pA1,
        person("陈老师", a1s),
        a1s,
        a1r,
        [(D(2024, 10, 1), D(2024, 10, 24)), (D(2024, 11, 1), D(2024, 11, 6))],
    )
    # 22 days across New Year, under the east-west programme's 20 days: met in
    # the semester, 12 days in 2024.
    w["x"] = secondment(
        pX, person("冯老师", a1s), a1s, lx, [(D(2024, 12, 20), D(2025, 1, 10))]
    )
    Appraisal.objects.create(secondment=w["x"], year=2024, result="excellent")
    Appraisal.objects.create(secondment=w["x"], year=2025, result="competent")
    # Outreach is not judged.
    secondment(
        pA1,
        person("褚老师", a1s),
        a1s,
        a1r,
        [(D(2024, 11, 5), D(2024, 11, 6))],
        kind="outreach",
    )
    # The other way round: sent by the receiving school.
    secondment(
        pA1,
        person("蒋老师", a1r, gender="F"),
        a1r,
        a1s,
        [(D(2024, 9, 15), D(2024, 10, 31))],
        kind="shadowing",
        direction=Direction.TO_SUPPORTING,
    )
    secondment(
        w["pA2"], person("卫老师", a2s), a2s, a1t, [(D(2024, 9, 2), D(2025, 1, 10))]
    )
    # Not on post in either span.
    secondment(pA1, person("沈老师", a1s), a1s, a1r, [(D(2023, 9, 1), D(2023, 12, 1))])
    _projects(w)
    return w


def _projects(w):
    pA1, a1r = w["pA1"], w["a1r"]
    lab = AidProject.objects.create(
        pairing=pA1,
        receiving_school=a1r,
        name="历下实验室",
        category="equipment",
        total_investment=Decimal("300000"),
        aid_amount=Decimal("200000"),
        phase="in_progress",
        planned_start=D(2024, 3, 1),
        planned_end=D(2024, 12, 31),
        actual_start=D(2024, 4, 1),
    )
    line = dict(project=lab, pairing=pA1, source="county", year=2024)
    FundingLine.objects.create(
        kind="received",
        date=D(2024, 5, 1),
        amount=Decimal("150000"),
        amount_approximation="more",
        **line,
    )
    FundingLine.objects.create(
        kind="spent", date=D(2024, 11, 1), amount=Decimal("180000"), **line
    )
    FundingLine.objects.create(
        kind="planned", date=D(2024, 11, 1), amount=Decimal("999"), **line
    )
    FundingLine.objects.create(
        kind="spent",
        date=D(2025, 2, 1),
        amount=Decimal("10000"),
        **{**line, "year": 2025},
    )
    # No pairing: no supporting side.
    AidProject.objects.create(
        receiving_school=a1r,
        name="乡村学校食堂",
        category="livelihood",
        total_investment=Decimal("80000"),
        aid_amount=Decimal("0"),
        planned_start=D(2024, 6, 1),
        planned_end=D(2025, 6, 30),
    )
    # Neither dates nor money in the spans: not listed.
    old = AidProject.objects.create(
        pairing=pA1,
        receiving_school=a1r,
        name="旧项目",
        category="it",
        total_investment=Decimal("1000"),
        aid_amount=Decimal("1000"),
        planned_start=D(2022, 1, 1),
        planned_end=D(2023, 6, 30),
    )
    FundingLine.objects.create(
        project=old, source="county", year=2023, kind="received", amount=1000
    )


# The expected rows, in plain Python over all records --------------------------------


def pairings_in(*regions):
    return {
        pp.pairing_id
        for pp in PairingParty.objects.select_related("school__region")
        if any(pp.school.region.path.startswith(r.path) for r in regions)
    }


def _overlaps(start, end, span):
    return start <= span.end and end >= span.start


def expected_roster(pairing_ids, span):
    yes, no = gettext("yes"), gettext("no")
    stints = list(Stint.objects.all())
    appraisals = list(Appraisal.objects.all())
    chosen = []
    for s in Secondment.objects.select_related(
        "person", "sending_school__region", "host_school", "pairing__programme"
    ):
        mine = [
            st
            for st in stints
            if st.secondment_id == s.pk and _overlaps(st.start, st.end, span)
        ]
        if s.pairing_id in pairing_ids and mine:
            chosen.append((s, mine))
    chosen.sort(
        key=lambda c: (
            c[0].sending_school.region.path,
            c[0].sending_school.name,
            c[0].person.name,
            c[0].pk,
        )
    )
    rows = []
    for number, (s, mine) in enumerate(chosen, 1):
        days = sum(periods.clipped_days(st.start, st.end, span) for st in mine)
        programme = s.pairing.programme
        met = days >= programme.min_days_on_post and all(
            st.days >= programme.min_stint_days for st in mine
        )
        years = range(span.start.year, span.end.year + 1)
        rows.append(
            {
                "number": number,
                "name": s.person.name,
                "gender": s.person.get_gender_display(),
                "sending_school": s.sending_school.name,
                "host_school": s.host_school.name,
                "kind": s.get_kind_display(),
                "direction": s.get_direction_display(),
                "subject": s.get_subject_display(),
                "title": s.person.get_title_display(),
                "batch": s.batch,
                "planned": gettext("%(start)s to %(end)s")
                % {"start": s.planned_start, "end": s.planned_end},
                "days": days,
                "longest": max(st.days for st in mine),
                "compliant": (yes if met else no) if s.kind in ON_POST else "—",
                "appraisals": "、".join(
                    f"{a.year} {a.get_result_display()}"
                    for a in sorted(appraisals, key=lambda a: a.year)
                    if a.secondment_id == s.pk and a.year in years
                ),
            }
        )
    return rows


def _in_span(line, span):
    if line.date is not None:
        return span.contains(line.date)
    return span.contains(D(line.year, 12, 31))


def _dates(start, end):
    if start is None and end is None:
        return "—"
    return gettext("%(start)s to %(end)s") % {
        "start": start.isoformat() if start else "",
        "end": end.isoformat() if end else "",
    }


def expected_ledger(pairing_ids, school_ids, span):
    lines = list(FundingLine.objects.all())
    parties = list(PairingParty.objects.select_related("school"))

    def running(start, end):
        return (
            start is not None
            and start <= span.end
            and (end is None or end >= span.start)
        )

    chosen = [
        p
        for p in AidProject.objects.select_related("receiving_school__region")
        if (p.pairing_id in pairing_ids or p.receiving_school_id in school_ids)
        and (
            running(p.planned_start, p.planned_end)
            or running(p.actual_start, p.actual_end)
            or any(f.project_id == p.pk and _in_span(f, span) for f in lines)
        )
    ]
    chosen.sort(
        key=lambda p: (
            p.receiving_school.region.path,
            p.receiving_school.name,
            p.name,
            p.pk,
        )
    )
    rows, sums = [], dict(total=0, aid=0, received=0, spent=0)
    approx_total = set()
    for number, p in enumerate(chosen, 1):
        mine = [f for f in lines if f.project_id == p.pk and _in_span(f, span)]
        received = sum(f.amount for f in mine if f.kind == "received")
        spent = sum(f.amount for f in mine if f.kind == "spent")
        supporting = [
            pp
            for pp in parties
            if pp.pairing_id == p.pairing_id and pp.side == "supporting"
        ]
        supporting.sort(key=lambda pp: (not pp.is_lead, pp.school.name))
        approximate = {
            key
            for key in ("received", "spent")
            if any(f.kind == key and f.amount_approximation for f in mine)
        }
        approx_total |= approximate
        rows.append(
            (
                {
                    "number": number,
                    "name": p.name,
                    "category": p.get_category_display(),
                    "receiving_school": p.receiving_school.name,
                    "supporting": "、".join(pp.school.name for pp in supporting) or "—",
                    "total": wan(p.total_investment),
                    "aid": wan(p.aid_amount),
                    "other": wan(p.total_investment - p.aid_amount),
                    "received": wan(received),
                    "spent": wan(spent),
                    "execution_rate": rate(spent, received),
                    "phase": p.get_phase_display(),
                    "planned": _dates(p.planned_start, p.planned_end),
                    "actual": _dates(p.actual_start, p.actual_end),
                },
                approximate,
            )
        )
        for key, value in [
            ("total", p.total_investment),
            ("aid", p.aid_amount),
            ("received", received),
            ("spent", spent),
        ]:
            sums[key] += value
    total = {
        "name": gettext("Total"),
        "total": wan(sums["total"]),
        "aid": wan(sums["aid"]),
        "other": wan(sums["total"] - sums["aid"]),
        "received": wan(sums["received"]),
        "spent": wan(sums["spent"]),
        "execution_rate": rate(sums["spent"], sums["received"]),
    }
    return rows, (total, approx_total)


def spans(w):
    return [
        (Spec(span="calendar_year", year=2024), periods.calendar_year(2024)),
        (Spec(span="semester", semester=w["period"].pk), periods.semester(w["period"])),
    ]


def values_of(table):
    return [row.values for row in table.rows]


# Roster ---------------------------------------------------------------------------


@pytest.mark.parametrize("which", [0, 1], ids=["calendar_year", "semester"])
def test_roster_rows_for_a_county(w, which):
    spec, span = spans(w)[which]
    table = roster.build(user=w["xian"], spec=spec)
    assert not isinstance(table.rows, list) and table.streamed
    rows = values_of(table)
    assert rows == expected_roster(pairings_in(w["A1"]), span)
    paths = {s.name: s.region.path for s in School.objects.select_related("region")}
    by_name = {row["name"]: row for row in rows}
    # Scope: none of 市南 (B1)'s secondments; nobody off post in the span.
    assert "B1老师" not in by_name and "沈老师" not in by_name
    assert not any("市南" in row["sending_school"] for row in rows)
    # Ordering: by the sending school's region, the school, then the name.
    sending = [row["sending_school"] for row in rows]
    assert sending == sorted(sending, key=lambda name: (paths[name], name))
    assert sending[-1] == "市中实验小学"  # 市中区 comes after 历下区
    names = [row["name"] for row in rows if row["sending_school"] == "历下实验小学"]
    assert names == sorted(names) and len(names) > 3
    assert [row["number"] for row in rows] == list(range(1, len(rows) + 1))
    yes, no = gettext("yes"), gettext("no")
    if which == 1:
        # The stint across the semester's start: 10 days in it, 22 long.
        assert (by_name["周老师"]["days"], by_name["周老师"]["longest"]) == (10, 22)
        assert by_name["周老师"]["compliant"] == no
        assert (by_name["吴老师"]["days"], by_name["吴老师"]["compliant"]) == (30, yes)
        assert (by_name["郑老师"]["days"], by_name["郑老师"]["compliant"]) == (29, no)
        assert (by_name["陈老师"]["days"], by_name["陈老师"]["compliant"]) == (30, no)
        assert (by_name["冯老师"]["days"], by_name["冯老师"]["compliant"]) == (22, yes)
        assert by_name["冯老师"]["appraisals"] == "2024 {}、2025 {}".format(
            gettext("excellent"), gettext("competent")
        )
    else:
        assert (by_name["冯老师"]["days"], by_name["冯老师"]["longest"]) == (12, 22)
        assert by_name["冯老师"]["compliant"] == no
        assert by_name["冯老师"]["appraisals"] == "2024 " + gettext("excellent")
    assert by_name["褚老师"]["compliant"] == "—"
    assert by_name["吴老师"]["batch"] == 2
    # ID numbers are never shown.
    assert not any("370102199001019999" in str(v) for r in rows for v in r.values())


def test_roster_in_chinese(w):
    from django.utils import translation

    with translation.override("zh-hans"):
        table = roster.build(user=w["xian"], spec=spans(w)[1][0])
        rows = {row["name"]: row for row in values_of(table)}
    assert rows["吴老师"]["gender"] == "男"
    assert rows["吴老师"]["compliant"] == "是"
    assert rows["郑老师"]["compliant"] == "否"
    assert table.title and table.unit_name == "历下区"


def test_roster_for_the_province_and_admin(w):
    spec, span = spans(w)[1]
    rows = values_of(roster.build(user=w["sheng"], spec=spec))
    assert rows == expected_roster(pairings_in(w["P1"]), span)
    assert "B1老师" in {row["name"] for row in rows}
    everything = {pp.pairing_id for pp in PairingParty.objects.all()}
    rows = values_of(roster.build(user=w["admin"], spec=spec))
    assert rows == expected_roster(everything, span)


def test_roster_figures_read_in_batches_give_the_same_rows(w, monkeypatch):
    """At national scale each batch of secondments has its stint figures and
    appraisals read on its own (memory): batches of one give every row of the
    roster computed in the test, in order."""
    spec, span = spans(w)[1]
    monkeypatch.setattr(roster, "FIGURES_AT_ONCE", 1)
    everything = {pp.pairing_id for pp in PairingParty.objects.all()}
    rows = values_of(roster.build(user=w["admin"], spec=spec))
    assert len(rows) > 2
    assert rows == expected_roster(everything, span)


def _row_queries(build, user, spec):
    table = build(user=user, spec=spec)
    with CaptureQueriesContext(connection) as ctx:
        count = len(list(table.rows))
    return count, len(ctx.captured_queries)


def test_roster_query_count_does_not_grow(w):
    spec = spans(w)[1][0]
    xian = w["xian"]
    rows_before, before = _row_queries(roster.build, xian, spec)
    a1s, a1r = w["a1s"], w["a1r"]
    for i in range(5):
        s = secondment(
            w["pA1"],
            person(f"新老师{i}", a1s),
            a1s,
            a1r,
            [(D(2024, 9, 2), D(2024, 9, 20)), (D(2024, 10, 2), D(2024, 10, 20))],
        )
        Appraisal.objects.create(secondment=s, year=2024, result="competent")
    rows_after, after = _row_queries(roster.build, xian, spec)
    assert rows_after == rows_before + 5
    assert after == before


# Ledger ---------------------------------------------------------------------------


def _ledger_expected(w, user_regions, span):
    schools = {
        s.pk
        for s in School.objects.select_related("region")
        if any(s.region.path.startswith(r.path) for r in user_regions)
    }
    return expected_ledger(pairings_in(*user_regions), schools, span)


@pytest.mark.parametrize("which", [0, 1], ids=["calendar_year", "semester"])
def test_ledger_rows_for_a_county(w, which):
    spec, span = spans(w)[which]
    table = ledger.build(user=w["xian"], spec=spec)
    assert table.streamed
    rows = list(table.rows)
    data, total = rows[:-1], rows[-1]
    want, (want_total, want_approx) = _ledger_expected(w, [w["A1"]], span)
    assert [(r.values, r.approximate) for r in data] == want
    assert total.kind == "total"
    assert {k: total.values.get(k) for k in want_total} == want_total
    assert total.approximate == want_approx
    names = [r.values["name"] for r in data]
    assert "旧项目" not in names and "B1图书室" not in names
    lab = data[names.index("历下实验室")]
    canteen = data[names.index("乡村学校食堂")]
    assert canteen.values["supporting"] == "—"
    assert lab.values["supporting"] == "历下实验小学"
    assert lab.values["other"] == Decimal("10.00")
    if which == 0:
        # Received ≈15万 (approximate), spent 18万: 120%, not capped.
        assert lab.values["received"] == Decimal("15.00")
        assert lab.values["spent"] == Decimal("18.00")
        assert lab.values["execution_rate"] == Decimal("120.0")
        assert lab.approximate == {"received"}
    else:
        assert lab.values["received"] == Decimal("0.00")
        assert lab.values["execution_rate"] is None
        assert lab.approximate == set()


def test_ledger_for_the_province(w):
    spec, span = spans(w)[0]
    rows = list(ledger.build(user=w["sheng"], spec=spec).rows)
    want, (want_total, _approx) = _ledger_expected(w, [w["P1"]], span)
    assert [(r.values, r.approximate) for r in rows[:-1]] == want
    assert "B1图书室" in {r.values["name"] for r in rows}
    assert {k: rows[-1].values.get(k) for k in want_total} == want_total


def test_ledger_query_count_does_not_grow(w):
    spec = spans(w)[0][0]
    xian = w["xian"]
    rows_before, before = _row_queries(ledger.build, xian, spec)
    for i in range(5):
        p = AidProject.objects.create(
            pairing=w["pX"] if i % 2 else w["pA1"],
            receiving_school=w["a1r"],
            name=f"新项目{i}",
            category="it",
            total_investment=Decimal("5000"),
            aid_amount=Decimal("5000"),
            planned_start=D(2024, 5, 1),
        )
        FundingLine.objects.create(
            project=p, source="county", year=2024, kind="spent", amount=100
        )
    rows_after, after = _row_queries(ledger.build, xian, spec)
    assert rows_after == rows_before + 5
    assert after == before


# Excel ----------------------------------------------------------------------------


def test_excel_writes_both_tables(w, tmp_path):
    spec = spans(w)[1][0]
    tables = [
        roster.build(user=w["xian"], spec=spec),
        ledger.build(user=w["xian"], spec=spec),
    ]
    want_roster = len(expected_roster(pairings_in(w["A1"]), spans(w)[1][1]))
    want_ledger = len(_ledger_expected(w, [w["A1"]], spans(w)[1][1])[0]) + 1
    path = build_workbook(tables, tmp_path / "tables.xlsx")
    book = load_workbook(path)
    for sheet, table, count in zip(
        book.worksheets, tables, [want_roster, want_ledger], strict=True
    ):
        assert sheet.max_row == 2 + 1 + count + len(table.notes) + 1
        header = [cell.value for cell in sheet[3]]
        assert header == [cell.text for cell in table.header[0]]
        numbers = [sheet.cell(row=r, column=1).value for r in range(4, 4 + count)]
        assert numbers[:3] == [1, 2, 3]
    roster_sheet = book.worksheets[0]
    first = expected_roster(pairings_in(w["A1"]), spans(w)[1][1])[0]
    assert roster_sheet.cell(row=4, column=2).value == first["name"]
    ledger_sheet = book.worksheets[1]
    total_row = 3 + want_ledger
    assert ledger_sheet.cell(row=total_row, column=2).value == gettext("Total")


def test_html_preview(w, client):
    from django.urls import reverse

    client.force_login(w["xian"])
    query = {"span": "calendar_year", "year": 2024}
    url = reverse("reporting:statistics_table", args=["roster"])
    body = previews.get(client, url, query).content.decode()
    assert "吴老师" in body and "B1老师" not in body
    assert "370102199001019999" not in body
    url = reverse("reporting:statistics_table", args=["project_ledger"])
    body = previews.get(client, url, query).content.decode()
    assert "历下实验室" in body and "B1图书室" not in body
    assert "≥15.00" in body and "120.0" in body
