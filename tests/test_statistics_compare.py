"""Comparison columns (上年同期, 增减%, 本轮累计): figures counted here from the
fixture's activities and funding lines, never by the statistics module; the rate
of change divides by zero safely; the header; the form's rule; the preview."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import pgettext

from dispatch.models import Activity
from projects.models import FundingLine
from reporting.statistics import compare, registry
from reporting.statistics.base import Spec, wan
from reporting.statistics.forms import StatisticsForm

from . import previews, world

pytestmark = pytest.mark.django_db
D = dt.date
LECTURES = {  # school year → dates of lectures under pA1
    2024: [D(2024, 10, 1), D(2024, 11, 1), D(2025, 3, 1), D(2025, 5, 1)],
    2025: [
        D(2025, 9, 10),
        D(2025, 10, 1),
        D(2025, 11, 1),
        D(2026, 3, 1),
        D(2026, 4, 1),
    ],
}
FUNDS = {2024: Decimal("12345.67"), 2025: Decimal("20000")}


@pytest.fixture
def w():
    w = world.build()
    FundingLine.objects.all().delete()
    for days in LECTURES.values():
        for day in days:
            Activity.objects.create(
                pairing=w["pA1"], kind="lecture", title="讲座", date=day,
                host_side="joint",
            )  # fmt: skip
    for year, amount in FUNDS.items():
        FundingLine.objects.create(
            pairing=w["pA1"], source="county", year=year, kind="received",
            date=D(year, 10, 15), amount=amount,
        )  # fmt: skip
    return w


def lectures_in(start, end):
    return sum(
        1
        for a in Activity.objects.filter(kind="lecture", pairing__name="历下结对")
        if start <= a.date <= end
    )


def funds_in(start, end):
    return wan(
        sum(
            (f.amount for f in FundingLine.objects.all() if start <= f.date <= end),
            Decimal(0),
        )
    )


def a1_row(w, spec):
    table = registry.build("partner_assistance", user=w["xian"], spec=spec)
    return table, next(r for r in table.rows if r.values["label"] == "历下区")


def test_same_period_last_year_and_change(w):
    spec = Spec(span="school_year", year=2025, compare_previous=True)
    table, row = a1_row(w, spec)
    v = row.values
    now = lectures_in(D(2025, 9, 1), D(2026, 8, 31))
    before = lectures_in(D(2024, 9, 1), D(2025, 8, 31))
    assert (v["lectures"], v["lectures__previous"]) == (now, before) == (5, 4)
    assert v["lectures__change"] == Decimal("25.0")  # (5 − 4) ÷ 4
    funds_now = funds_in(D(2025, 9, 1), D(2026, 8, 31))
    funds_before = funds_in(D(2024, 9, 1), D(2025, 8, 31))
    assert v["funds_total"] == funds_now and v["funds_total__previous"] == (
        funds_before
    )
    assert v["funds_total__change"] == (
        (funds_now - funds_before) * 100 / funds_before
    ).quantize(Decimal("0.1"))
    # Nothing last year: the change is "—", not a division by zero.
    assert v["research__previous"] == 0 and v["research__change"] is None
    keys = [c.key for c in table.columns]
    at = keys.index("lectures")
    assert keys[at : at + 3] == ["lectures", "lectures__previous", "lectures__change"]
    assert compare.change(5, 0) is None and compare.change(0, 4) == Decimal("-100.0")


def test_cycle_to_date(w):
    spec = Spec(
        span="calendar_year",
        year=2025,
        programme=w["programme"].pk,
        compare_cycle=True,
        compare_previous=True,
    )
    _table, row = a1_row(w, spec)
    v = row.values
    # The programme's cycle starts on 1 September 2024; the span ends 2025-12-31.
    assert v["lectures__cycle"] == lectures_in(D(2024, 9, 1), D(2025, 12, 31)) == 7
    assert v["lectures"] == lectures_in(D(2025, 1, 1), D(2025, 12, 31)) == 5
    assert v["lectures__previous"] == lectures_in(D(2024, 1, 1), D(2024, 12, 31))
    assert v["funds_total__cycle"] == funds_in(D(2024, 9, 1), D(2025, 12, 31))


def test_header_gets_a_row_naming_the_comparison_columns(w):
    spec = Spec(span="school_year", year=2025, compare_previous=True)
    plain = registry.build("partner_assistance", user=w["xian"], spec=Spec(
        span="school_year", year=2025))  # fmt: skip
    table = registry.build("partner_assistance", user=w["xian"], spec=spec)
    assert len(table.header) == len(plain.header) + 1
    numeric = [c for c in plain.columns if c.kind in ("int", "wan")]
    bottom = table.header[-1]
    assert len(bottom) == 3 * len(numeric)
    assert [c.text for c in bottom[:3]] == [
        pgettext("statistics table", "This period"),
        pgettext("statistics table", "Same period last year"),
        pgettext("statistics table", "Change (%)"),
    ]
    # Every header row spans every column.
    for r in range(len(table.header)):
        spanned = sum(
            c.colspan
            for rr, row in enumerate(table.header[: r + 1])
            for c in row
            if rr + c.rowspan > r
        )
        assert spanned == len(table.columns), r
    # The checks cover the new columns too, and hold.
    assert table.checks and all(c.ok for c in table.checks)


def test_the_form_asks_for_the_programme_of_the_cycle(w):
    form = StatisticsForm(
        {"span": "school_year", "year": 2025, "group": "region", "compare_cycle": "on"},
        user=w["xian"],
    )
    assert not form.is_valid()
    assert "programme" in form.errors
    form = StatisticsForm(
        {
            "span": "school_year", "year": 2025, "group": "region",
            "compare_cycle": "on", "programme": w["programme"].pk,
        },
        user=w["xian"],
    )  # fmt: skip
    assert form.is_valid(), form.errors
    assert form.spec().programme == w["programme"].pk and form.spec().compare_cycle


def test_preview_shows_the_comparison(w, client):
    client.force_login(w["xian"])
    url = reverse("reporting:statistics_table", args=["partner_assistance"])
    data = {"span": "school_year", "year": 2025, "compare_previous": "on"}
    body = previews.get(client, url, data).content.decode()
    assert pgettext("statistics table", "Same period last year") in body
    assert "25.0" in body


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_earlier_tables_are_built_alongside(monkeypatch):
    """As the worker builds them: each earlier span on its own connection, in
    the user's language, with the same figures as one after the other."""
    import threading

    from django.utils import translation

    from reporting.statistics import partner_assistance

    w = world.build()
    Activity.objects.create(
        pairing=w["pA1"], kind="lecture", title="讲座", date=D(2024, 10, 1),
        host_side="joint",
    )  # fmt: skip
    threads, languages = set(), set()
    real = partner_assistance.build

    def recording(*, user, spec):
        threads.add(threading.get_ident())
        languages.add(translation.get_language())
        return real(user=user, spec=spec)

    monkeypatch.setattr(partner_assistance, "build", recording)
    spec = Spec(
        span="school_year", year=2025, programme=w["programme"].pk,
        compare_previous=True, compare_cycle=True,
    )  # fmt: skip
    with translation.override("zh-hans"):
        together = registry.build("partner_assistance", user=w["xian"], spec=spec)
    assert len(threads) == 3 and languages == {"zh-hans"}
    row = next(r for r in together.rows if r.values["label"] == "历下区").values
    assert (row["lectures"], row["lectures__previous"], row["lectures__cycle"]) == (
        0, 1, 1,
    )  # fmt: skip


@pytest.mark.parametrize("group", ["region", "school", "pairing"])
def test_funds_and_goods_read_every_span_at_once(w, group):
    """Table 4 reads each family of records once for the period, last year and
    the cycle (a sum per span): each column holds its own span's money, counted
    here from the fixture, and the same as a table built for that span alone, in
    rows of regions (the same rows in every span) and of schools or pairings (the
    pairings in force, so the rows, differ between the spans)."""
    from projects.models import Donation

    Donation.objects.all().delete()
    FundingLine.objects.create(  # undated: counts on 31 December 2024
        pairing=w["pA1"], source="county", year=2024, kind="received",
        amount=Decimal("1000"), amount_approximation="余",
    )  # fmt: skip
    receiving = w["pA1"].parties.get(side="receiving").school
    Donation.objects.create(  # cash, not tied to a pairing: by the school
        donor_kind="company", donor_name="某公司", recipient_school=receiving,
        date=D(2025, 6, 1), form="cash", amount=Decimal("3000"),
    )  # fmt: skip
    Donation.objects.create(
        pairing=w["pA1"], donor_kind="company", donor_name="某公司",
        recipient_school=receiving, date=D(2024, 12, 1), form="goods",
        category="books", quantity=120, unit="册", amount=Decimal("2400"),
    )  # fmt: skip
    spec = Spec(
        span="calendar_year", year=2025, programme=w["programme"].pk,
        compare_previous=True, compare_cycle=True, group=group,
    )  # fmt: skip
    table = registry.build("funds_goods", user=w["xian"], spec=spec)
    total = next(r for r in table.rows if r.kind == "total")
    v, approximate = total.values, total.approximate

    def given(start, end, **kind):
        return [d for d in Donation.objects.filter(**kind) if start <= d.date <= end]

    def received(start, end):  # funding lines, undated on 31 December, and cash
        lines = [
            f for f in FundingLine.objects.all()
            if start <= (f.date or D(f.year, 12, 31)) <= end
        ]  # fmt: skip
        cash = given(start, end, form="cash")
        return sum((x.amount for x in [*lines, *cash]), Decimal(0))

    spans = {
        "": (D(2025, 1, 1), D(2025, 12, 31)),
        "__previous": (D(2024, 1, 1), D(2024, 12, 31)),
        "__cycle": (D(2024, 9, 1), D(2025, 12, 31)),
    }
    for suffix, (start, end) in spans.items():
        assert v[f"received_total{suffix}"] == wan(received(start, end)), suffix
        books = given(start, end, form="goods", category="books")
        assert v[f"goods_books_quantity{suffix}"] == sum(d.quantity for d in books)
        assert v[f"goods_books_value{suffix}"] == wan(
            sum((d.amount for d in books), Decimal(0))
        )
    # The approximate line (余) is in last year and the cycle, not this year.
    assert "county_received__previous" in approximate
    assert "county_received__cycle" in approximate
    assert "county_received" not in approximate
    # Each span alone gives the same figures as its column.
    for suffix, alone in (
        ("", Spec(span="calendar_year", year=2025, group=group)),
        ("__previous", Spec(span="calendar_year", year=2024, group=group)),
        (
            "__cycle",
            Spec(span="range", start="2024-09-01", end="2025-12-31", group=group),
        ),
    ):
        one = registry.build("funds_goods", user=w["xian"], spec=alone)
        by_label = {(r.kind, r.values["label"]): r.values for r in one.rows}
        for row in table.rows:
            values = by_label.get((row.kind, row.values["label"]))
            for column in one.columns[1:]:
                # A row the span's own table lacks shows "—" in its column.
                expected = values[column.key] if values else None
                assert row.values[f"{column.key}{suffix}"] == expected
