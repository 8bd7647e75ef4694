"""Tables 4 (资金物资统计表) and 7 (结对关系一览表): every figure recomputed here in
plain Python from the fixture's records; subtotals and totals, scope, approximate
amounts, undated funding lines, query counts and the Excel workbook."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext, pgettext
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from core.choices import Side
from pairings import periods
from pairings.models import Agreement, Pairing, PairingParty
from projects.models import AidProject, Donation, FundingLine
from reporting.statistics import funds_goods, pairing_list
from reporting.statistics.base import Spec, wan
from reporting.statistics.excel import build_workbook

from . import world

pytestmark = pytest.mark.django_db

D = dt.date
_codes = itertools.count(801)
SOURCES = [
    "central",
    "provincial",
    "city",
    "county",
    "supporting_government",
    "school",
    "donation",
    "other",
]
KINDS = ["planned", "received", "spent"]
CATEGORIES = ["books", "instruments", "computers", "sports", "clothing", "office"]
CATEGORIES += ["other"]


def line(amount, source, kind, year, day=None, **where):
    return FundingLine.objects.create(
        amount=Decimal(amount), source=source, kind=kind, year=year, date=day, **where
    )


def goods(pairing, school, day, category, quantity, amount, approx=""):
    return Donation.objects.create(
        pairing=pairing,
        donor_kind="company",
        donor_name="某公司",
        recipient_school=school,
        date=day,
        form="goods",
        category=category,
        quantity=quantity,
        amount=Decimal(amount),
        amount_approximation=approx,
    )


@pytest.fixture
def w():
    w = world.build()
    a1r, b1r, lx = w["a1r"], w["b1r"], w["lx"]
    pA1, pB1, pX = w["pA1"], w["pB1"], w["pX"]
    # 历下 (A1): an approximate planned figure, a received one, and the east-west
    # pairing X (counted in 历下 and in 龙山, once in a total).
    line(
        "100000",
        "provincial",
        "planned",
        2024,
        D(2024, 6, 1),
        pairing=pA1,
        amount_approximation="more",
    )
    line("80000", "provincial", "received", 2024, D(2024, 7, 1), pairing=pA1)
    line(
        "52345.67",
        "supporting_government",
        "received",
        2024,
        D(2024, 10, 1),
        pairing=pX,
    )
    line("30000.12", "supporting_government", "spent", 2024, D(2024, 12, 1), pairing=pX)
    # A line of X's project, with no pairing of its own.
    project_x = AidProject.objects.create(
        pairing=pX,
        receiving_school=lx,
        name="龙山电脑室",
        category="it",
        total_investment=Decimal("90000"),
        aid_amount=Decimal("90000"),
    )
    line("12345", "school", "spent", 2024, D(2024, 5, 5), project=project_x)
    # A project of 历下乡村小学 outside any pairing: undated lines count on
    # 31 December of their year.
    own = AidProject.objects.create(
        receiving_school=a1r,
        name="历下操场",
        category="buildings",
        total_investment=Decimal("50000"),
        aid_amount=Decimal("0"),
    )
    line("5000", "other", "planned", 2024, project=own)
    line("6000", "other", "planned", 2023, project=own)
    # 市南 (B1): money xian must never see.
    line("99999", "central", "received", 2024, D(2024, 3, 3), pairing=pB1)
    line("7000", "donation", "received", 2025, pairing=pB1)  # 31 Dec 2025
    # Goods (the world adds 300 books, 4,500 yuan, under each pairing).
    goods(pX, lx, D(2024, 12, 12), "computers", 5, "30000", approx="about")
    goods(pA1, a1r, D(2025, 1, 2), "sports", 10, "1500")
    goods(None, a1r, D(2024, 8, 8), "clothing", 50, "2000")
    goods(pB1, b1r, D(2024, 4, 4), "office", 3, "9000")
    Donation.objects.create(  # cash: not goods
        pairing=pA1,
        donor_kind="school",
        donor_name="历下实验小学",
        recipient_school=a1r,
        date=D(2024, 9, 9),
        form="cash",
        amount=Decimal("8888"),
    )
    return w


# The expected figures, in plain Python over all records -----------------------------


def _in(day, span):
    return day is not None and span.start <= day <= span.end


def _placed(pairing, school, regions, pairing_ids, side):
    """Whether a record of ``pairing`` (or, without one, of ``school``) belongs to
    a row of ``regions`` (or of the pairings ``pairing_ids``), through the
    pairing's schools on ``side`` (any side when None)."""
    if pairing_ids is not None:
        return pairing is not None and pairing.pk in pairing_ids
    paths = [r.path for r in regions]
    if pairing is None:
        schools = [school]
    else:
        schools = [
            pp.school
            for pp in pairing.parties.select_related("school__region")
            if side is None or pp.side == side
        ]
    return any(s.region.path.startswith(p) for s in schools for p in paths)


def expected(span, regions=(), pairing_ids=None, side=None):
    """(values, approximate keys) of a row, each record counted once. Region rows
    place money by the receiving schools (``side``); the total by any school."""
    yuan = {f"{s}_{k}": Decimal(0) for s in SOURCES for k in KINDS}
    yuan |= {f"goods_{c}_value": Decimal(0) for c in CATEGORIES}
    yuan["cash_received"] = Decimal(0)
    quantities = {f"goods_{c}_quantity": 0 for c in CATEGORIES}
    approximate = set()
    for f in FundingLine.objects.select_related("pairing", "project__pairing"):
        day = f.date or D(f.year, 12, 31)
        pairing = f.pairing or (f.project.pairing if f.project else None)
        school = f.project.receiving_school if f.project else None
        if not _in(day, span):
            continue
        if not _placed(pairing, school, regions, pairing_ids, side):
            continue
        key = f"{f.source}_{f.kind}"
        yuan[key] += f.amount
        if f.amount_approximation:
            approximate.add(key)
    for d in Donation.objects.select_related("pairing", "recipient_school__region"):
        if not _in(d.date, span):
            continue
        if not _placed(d.pairing, d.recipient_school, regions, pairing_ids, side):
            continue
        if d.form == "cash":
            yuan["cash_received"] += d.amount
            if d.amount_approximation:
                approximate.add("cash_received")
            continue
        yuan[f"goods_{d.category}_value"] += d.amount
        quantities[f"goods_{d.category}_quantity"] += d.quantity or 0
        if d.amount_approximation:
            approximate.add(f"goods_{d.category}_value")
    received = sum(v for k, v in yuan.items() if k.endswith("_received"))
    goods_value = sum(v for k, v in yuan.items() if k.startswith("goods_"))
    if any(k.endswith("_received") for k in approximate):
        approximate.add("received_total")
    if any(k.startswith("goods_") for k in approximate):
        approximate.add("goods_total")
    totals = {"received_total": wan(received), "goods_total": wan(goods_value)}
    return {k: wan(v) for k, v in yuan.items()} | quantities | totals, approximate


def assert_row(row, span, **where):
    values, approximate = expected(span, **where)
    assert {k: row.values[k] for k in values} == values
    assert row.approximate == approximate


SPANS = [
    (Spec(span="calendar_year", year=2024), periods.calendar_year(2024)),
    (Spec(span="school_year", year=2024), periods.school_year(2024)),
    (Spec(span="school_year", year=2023), periods.school_year(2023)),
]


# Table 4 ---------------------------------------------------------------------------


@pytest.mark.parametrize("which", [0, 1, 2], ids=["2024", "sy2024", "sy2023"])
def test_every_figure_for_a_province(w, which):
    spec, span = SPANS[which]
    table = funds_goods.build(user=w["sheng"], spec=spec)
    assert [(r.values["label"], r.kind) for r in table.rows] == [
        ("历下区", "data"),
        ("市中区", "data"),
        (gettext("%(region)s subtotal") % {"region": "济南市"}, "subtotal"),
        ("市南区", "data"),
        (gettext("%(region)s subtotal") % {"region": "青岛市"}, "subtotal"),
        (OUTSIDE, "data"),
        (gettext("Total"), "total"),
    ]
    regions = [w["A1"], w["A2"], w["A"], w["B1"], w["B"]]
    for row, region in zip(table.rows, regions, strict=False):
        assert_row(row, span, regions=[region], side=Side.RECEIVING)
    assert_row(table.rows[-1], span, regions=[w["P1"]])
    # The east-west pairing X gives to 龙山 (Hunan): in the total, in no row of
    # Shandong, shown on a row of its own.
    everything, _approx = expected(span, regions=[w["P1"]])
    inside, _approx = expected(span, regions=[w["P1"]], side=Side.RECEIVING)
    outside = table.rows[-2].values
    for key in ("supporting_government_received", "school_spent", "received_total"):
        assert outside[key] == everything[key] - inside[key]
    if which != 2:
        assert outside["supporting_government_received"] == Decimal("5.23")


OUTSIDE = gettext("Of which to receiving schools outside the area")


def test_figures_by_hand_for_a_county(w):
    table = funds_goods.build(user=w["xian"], spec=SPANS[0][0])
    row, outside, total = table.rows
    assert outside.values["label"] == OUTSIDE
    assert outside.values["supporting_government_received"] == Decimal("5.23")
    assert row.values["label"] == "历下区" and total.kind == "total"
    assert row.values["provincial_planned"] == Decimal("10.00")
    assert row.values["provincial_received"] == Decimal("8.00")
    assert row.values["county_received"] == Decimal("2.00")  # the world's line
    # X's money goes to 龙山 (its receiving school): in 历下's total, in no row.
    assert row.values["supporting_government_received"] == 0
    assert total.values["supporting_government_received"] == Decimal("5.23")
    assert total.values["supporting_government_spent"] == Decimal("3.00")
    assert total.values["school_spent"] == Decimal("1.23")  # X's project
    assert row.values["cash_received"] == Decimal("0.89")  # 8,888 rounded half up
    assert row.values["received_total"] == Decimal("10.89")  # 80,000+20,000+8,888
    assert total.values["received_total"] == Decimal("16.12")  # + X's 52,345.67
    assert row.values["other_planned"] == Decimal("0.50")  # undated, 2024 only
    assert row.values["goods_books_quantity"] == 300  # the world's books
    assert row.values["goods_books_value"] == Decimal("0.45")
    assert total.values["goods_computers_value"] == Decimal("3.00")  # X, 龙山
    assert row.values["goods_clothing_quantity"] == 50  # given outside a pairing
    assert row.values["goods_sports_quantity"] == 0  # 2025
    # Approximate amounts mark their figure, in the row and in the total.
    assert row.approximate == {"provincial_planned"}
    assert total.approximate == {
        "provincial_planned",
        "goods_computers_value",
        "goods_total",
    }


def test_scope_keeps_other_counties_money_out(w):
    for spec, _span in SPANS:
        table = funds_goods.build(user=w["xian"], spec=spec)
        labels = [r.values["label"] for r in table.rows]
        assert labels in (
            ["历下区", gettext("Total")],
            ["历下区", OUTSIDE, gettext("Total")],
        )
        for row in table.rows:
            assert row.values["central_received"] == 0  # 市南's 99,999
            assert row.values["donation_received"] == 0  # 市南's undated 2025
            assert row.values["goods_office_value"] == 0  # 市南's goods
    xian_b1 = funds_goods.build(user=w["xian_b1"], spec=SPANS[0][0])
    assert xian_b1.rows[0].values["central_received"] == Decimal("10.00")
    assert xian_b1.rows[0].values["provincial_received"] == 0


def test_undated_lines_count_in_their_year(w):
    by_span = {
        spec: funds_goods.build(user=w["xian"], spec=spec).rows[0].values
        for spec, _span in SPANS
    }
    calendar, school_year, previous = (by_span[s] for s, _span in SPANS)
    # 5,000 of 2024 on 31 Dec 2024: in 2024 and in school year 2024-2025.
    assert calendar["other_planned"] == Decimal("0.50")
    assert school_year["other_planned"] == Decimal("0.50")
    # 6,000 of 2023 on 31 Dec 2023: in school year 2023-2024, not in 2024.
    assert previous["other_planned"] == Decimal("0.60")
    # A span without 31 December holds no undated line; a semester across it does.
    half = Spec(span="range", start="2024-01-01", end="2024-06-30")
    values = funds_goods.build(user=w["xian"], spec=half).rows[0].values
    assert values["other_planned"] == 0
    assert values["provincial_planned"] == Decimal("10.00")  # dated 1 June 2024
    term = Spec(span="semester", semester=w["period"].pk)
    values = funds_goods.build(user=w["xian"], spec=term).rows[0].values
    assert values["other_planned"] == Decimal("0.50")
    assert values["county_received"] == Decimal("2.00")  # the world's undated line
    table = funds_goods.build(user=w["xian_b1"], spec=Spec("calendar_year", 2025))
    assert table.rows[0].values["donation_received"] == Decimal("0.70")


def test_total_counts_each_line_once(w):
    spec, span = SPANS[1]
    table = funds_goods.build(user=w["admin"], spec=spec)
    rows = {r.values["label"]: r for r in table.rows}
    total = table.rows[-1]
    key = "supporting_government_received"
    # X's money shows in 龙山 (its receiving school's region), once in the total.
    assert rows["龙山县"].values[key] == Decimal("5.23")
    assert rows["历下区"].values[key] == 0
    assert total.values[key] == Decimal("5.23")
    assert_row(total, span, regions=list(w[k] for k in ("P1", "P2")))


def test_other_groupings(w):
    spec, span = Spec(span="calendar_year", year=2024, group="pairing"), SPANS[0][1]
    table = funds_goods.build(user=w["xian"], spec=spec)
    assert [r.values["label"] for r in table.rows] == [
        "历下结对",
        "济南—龙山东西部协作",
        gettext("Not in the rows above"),
        gettext("Total"),
    ]
    assert_row(table.rows[0], span, pairing_ids={w["pA1"].pk})
    assert_row(table.rows[1], span, pairing_ids={w["pX"].pk})
    # The total still holds the project outside any pairing and the goods given
    # outside one: on a row of their own, so the total reconciles.
    assert_row(table.rows[3], span, regions=[w["A1"]])
    everything, _a = expected(span, regions=[w["A1"]])
    paired, _a = expected(span, pairing_ids={w["pA1"].pk, w["pX"].pk})
    rest = table.rows[2].values
    assert {k: rest[k] for k in everything} == {
        k: everything[k] - paired[k] for k in everything
    }
    assert rest["goods_clothing_quantity"] == 50
    spec = Spec(span="calendar_year", year=2024, group="supporting_school")
    table = funds_goods.build(user=w["sheng"], spec=spec)
    assert table.rows[0].values["label"] == "历下实验小学"
    assert_row(table.rows[0], span, pairing_ids={w["pA1"].pk, w["pX"].pk})


def _queries(build, user, spec):
    with CaptureQueriesContext(connection) as ctx:
        table = build(user=user, spec=spec)
        rows = list(table.rows)  # table 7's rows are streamed
    return len(ctx.captured_queries), len(rows)


def test_query_counts_do_not_grow_with_rows(w):
    spec = Spec(span="school_year", year=2024)
    sheng = w["sheng"]
    for build in (funds_goods.build, pairing_list.build):
        _queries(build, sheng, spec)  # warm the caches (scope, content types)
    before = {
        b: _queries(b, sheng, spec) for b in (funds_goods.build, pairing_list.build)
    }
    for i in range(4):
        county = world.region(f"3701{next(_codes)}", f"新区{i}", 3, w["A"])
        s, r = world.school(f"新{i}支", county), world.school(f"新{i}受", county)
        p = world.pairing(f"新{i}结对", w["programme"], s, r)
        line("1", "county", "received", 2024, D(2024, 10, 1), pairing=p)
        goods(p, r, D(2024, 10, 2), "books", 1, "10")
        Agreement.objects.create(
            pairing=p, kind="school", title="新", signed_on=D(2024, 10, 1)
        )
    after = {
        b: _queries(b, sheng, spec) for b in (funds_goods.build, pairing_list.build)
    }
    for build in before:
        assert after[build][0] == before[build][0]
    assert after[funds_goods.build][1] == before[funds_goods.build][1] + 4
    assert after[pairing_list.build][1] == before[pairing_list.build][1] + 4


# Table 7 ---------------------------------------------------------------------------


def test_pairing_list(w):
    agreement = w["in_A1"][Agreement]
    Agreement.objects.filter(pk=agreement.pk).update(signed_on=D(2024, 10, 1))
    Agreement.objects.create(
        pairing=w["pX"], kind="school", title="X", signed_on=D(2025, 1, 2)
    )
    # A many-to-one pairing with a lead unit, and one that ended before 2024.
    many = world.pairing("两校帮扶市南", w["programme"], w["a2s"], w["b1r"])
    PairingParty.objects.create(
        pairing=many, school=w["a1t"], side=Side.SUPPORTING, is_lead=True
    )
    Pairing.objects.filter(pk=many.pk).update(
        mode="many_to_one", aid_management=True, aid_funding=True
    )
    old = world.pairing("旧结对", w["programme"], w["a2s"], w["a1r"])
    Pairing.objects.filter(pk=old.pk).update(
        start_date=D(2020, 9, 1), end_date=D(2023, 8, 31), status="ended"
    )
    table = pairing_list.build(user=w["sheng"], spec=Spec("calendar_year", 2024))
    assert table.count == 4  # for the check against table 1: its rows are streamed
    rows = [r.values for r in table.rows]
    # Ordered by the receiving school's region and name (市南乡村小学 twice).
    assert [r["receiving"] for r in rows] == [
        "历下乡村小学",
        "市南乡村小学",
        "市南乡村小学",
        "龙山山区小学",
    ]
    assert [r["number"] for r in rows] == [1, 2, 3, 4]
    assert not [r for r in rows if r["dates"].startswith("2020")]  # ended in 2023
    assert len(rows) == 4
    yes, no = gettext("Yes"), gettext("No")
    first = rows[0]
    assert first == {
        "number": 1,
        "receiving": "历下乡村小学",
        "supporting": "历下实验小学",
        "lead": "",
        "programme": "城乡学校对口帮扶",
        "mode": Pairing(mode="one_to_one").get_mode_display(),
        "aid_types": pgettext("statistics table", "Teaching staff"),
        # Still running at the end of 2024: its start and the cycle's end.
        "dates": gettext("from %(start)s (cycle to %(end)s)")
        % {"start": "2024-09-01", "end": "2027-08-31"},
        "status": Pairing(status="active").get_status_display(),
        "agreement": yes,
    }
    joint = next(r for r in rows if r["lead"])
    assert joint["supporting"] == "历下第二实验小学、市中实验小学"  # lead first
    assert joint["lead"] == "历下第二实验小学"
    assert joint["aid_types"] == "、".join(
        pgettext("statistics table", t)
        for t in ("Teaching staff", "Management", "Funds and goods")
    )
    assert joint["agreement"] == no
    # X's agreement is signed on 2 Jan 2025: after 2024, inside school year 2024.
    assert rows[-1]["supporting"] == "历下实验小学" and rows[-1]["agreement"] == no
    sy = pairing_list.build(user=w["sheng"], spec=Spec("school_year", 2024))
    assert list(sy.rows)[-1].values["agreement"] == yes
    # Scope: xian sees the pairings with a school in 历下区 only (the joint one
    # through its lead unit), not 市南's own pairing.
    xian = pairing_list.build(user=w["xian"], spec=Spec("calendar_year", 2024))
    assert [r.values["supporting"] for r in xian.rows] == [
        "历下实验小学",
        "历下第二实验小学、市中实验小学",
        "历下实验小学",
    ]
    assert "市南实验小学" not in {r.values["supporting"] for r in xian.rows}


# Excel -----------------------------------------------------------------------------


def test_workbook_writes_both_tables(w, tmp_path):
    spec = Spec(span="calendar_year", year=2024)
    funds = funds_goods.build(user=w["xian"], spec=spec)
    pairings = pairing_list.build(user=w["xian"], spec=spec)
    path = build_workbook([funds, pairings], tmp_path / "t.xlsx")
    book = load_workbook(path)
    assert len(book.sheetnames) == 2
    ws, wl = book.worksheets
    assert ws["A1"].value == funds.title and wl["A1"].value == pairings.title
    merged = {str(r) for r in ws.merged_cells.ranges}
    # Row 3: funds over 8 × 3 columns, cash donations and the received total;
    # goods over 7 × 2 and their total; row 4: each source over its three kinds,
    # each category over quantity and value, the three totals down to row 5.
    col = get_column_letter
    assert {"A3:A5", f"B3:{col(27)}3", f"{col(28)}3:{col(42)}3"} <= merged
    sources = {f"{col(2 + 3 * i)}4:{col(4 + 3 * i)}4" for i in range(8)}
    categories = {f"{col(28 + 2 * i)}4:{col(29 + 2 * i)}4" for i in range(7)}
    downwards = {f"{col(c)}4:{col(c)}5" for c in (26, 27, 42)}
    assert sources | categories | downwards <= merged
    assert not {r for r in merged if r.split(":")[0].endswith("5")}
    header = funds.header
    assert ws["B4"].value == header[1][0].text
    assert ws["B5"].value == pgettext("statistics table", "Planned")
    assert ws["D5"].value == pgettext("statistics table", "Spent")
    assert ws[f"{col(26)}4"].value == pgettext("statistics table", "Cash donations")
    assert ws[f"{col(28)}4"].value == pgettext("statistics table", "Books")
    assert ws[f"{col(29)}5"].value == pgettext(
        "statistics table", "Value (10,000 yuan)"
    )
    data = next(
        r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "历下区"
    )
    keys = [c.key for c in funds.columns]
    planned = keys.index("provincial_planned") + 1
    assert Decimal(str(ws.cell(data, planned).value)) == Decimal("10.00")
    assert "≥" in ws.cell(data, planned).number_format
    names = [c.value for c in wl["B"]]
    assert "历下乡村小学" in names and "龙山山区小学" in names
