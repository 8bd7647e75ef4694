"""Figures count the stints the host school confirmed; the option "include
unconfirmed stints" counts every stint and the table says so. Tables 1, 2 and 6,
the compliance engine and the report prefill, each against figures worked out here
from the fixture's stints, with and without the option.

The fixture adds to pairing A1 of the shared world (历下实验小学 → 历下乡村小学,
whose teacher A1老师 has a confirmed stint 2024-09-02 – 2024-10-30) three
teachers with stints confirmed, awaiting the host school and sent back."""

import datetime as dt

import pytest
from django.utils import translation

from core.choices import Direction
from dispatch.choices import StintConfirmation
from dispatch.models import Person, Secondment, Stint
from pairings import periods
from reporting.compliance import engine as compliance
from reporting.models import ReportingPeriod
from reporting.reports.prefill import prefill
from reporting.statistics import compliance_table, partner_assistance, roster
from reporting.statistics.base import Spec
from reporting.statistics.forms import StatisticsForm

pytestmark = pytest.mark.django_db

D = dt.date
C, P, R = (
    StintConfirmation.CONFIRMED,
    StintConfirmation.PENDING,
    StintConfirmation.CORRECTION,
)
YEAR = (D(2024, 9, 1), D(2025, 8, 31))  # school year 2024-2025
AUTUMN = (D(2024, 9, 1), D(2025, 1, 19))  # the world's reporting period


@pytest.fixture
def stints(w):
    """Three more teachers of pairing A1, with stints in each state."""
    a1s, a1r, pairing = w["a1s"], w["a1r"], w["pA1"]

    def teacher(name, *stints):
        person = Person.objects.create(
            name=name, gender="F", home_school=a1s, subject="maths"
        )
        secondment = Secondment.objects.create(
            person=person,
            pairing=pairing,
            direction=Direction.TO_RECEIVING,
            kind="teaching",
            sending_school=a1s,
            host_school=a1r,
            planned_start=D(2024, 9, 1),
            planned_end=D(2025, 6, 30),
            subject="maths",
        )
        for start, end, confirmation in stints:
            Stint.objects.create(
                secondment=secondment, start=start, end=end, confirmation=confirmation
            )

    # Confirmed in autumn (26 days: under the 30-day rule), waiting in spring.
    teacher(
        "钱老师",
        (D(2024, 11, 4), D(2024, 11, 29), C),
        (D(2025, 3, 3), D(2025, 3, 31), P),
    )
    # Only waiting: on post only when unconfirmed stints are included.
    teacher("孙老师", (D(2024, 9, 9), D(2024, 10, 31), P))
    # Sent back for correction: counts only with the option, too.
    teacher("李老师", (D(2024, 12, 2), D(2024, 12, 20), R))
    return w


def overlap(start, end, span) -> int:
    first, last = max(start, span[0]), min(end, span[1])
    return (last - first).days + 1 if first <= last else 0


def counted(w, span, unconfirmed, **where):
    """The stints of the pairings the county bureau A1 sees that count in
    ``span``, worked out in Python from every stint."""
    pairings = {w["pA1"].pk, w["pX"].pk}
    return [
        s
        for s in Stint.objects.select_related("secondment__person")
        if s.secondment.pairing_id in pairings
        and overlap(s.start, s.end, span)
        and (unconfirmed or s.confirmation == C)
        and all(getattr(s.secondment, k) == v for k, v in where.items())
    ]


def spec(unconfirmed) -> Spec:
    return Spec(
        span="school_year", year=2024, unconfirmed=True if unconfirmed else None
    )


def zh(text):
    with translation.override("zh-hans"):
        return translation.gettext(text)


CONFIRMED_NOTE = (
    "Secondments on post and days on post count only stints the host school has "
    "confirmed."
)
ALL_NOTE = (
    "Including unconfirmed stints: secondments on post and days on post include "
    "stints the host school has not yet confirmed (awaiting confirmation or sent "
    "back for correction)."
)


@pytest.mark.parametrize("unconfirmed", [False, True])
def test_partner_assistance_counts_confirmed_stints(stints, unconfirmed):
    w = stints
    found = counted(w, YEAR, unconfirmed, kind="teaching")
    expected = {
        "teaching_times": len({s.secondment_id for s in found}),
        "teaching_people": len({s.secondment.person_id for s in found}),
        "teaching_days": sum(overlap(s.start, s.end, YEAR) for s in found),
    }
    with translation.override("en"):
        table = partner_assistance.build(user=w["xian"], spec=spec(unconfirmed))
    [total] = [r for r in table.rows if r.kind == "total"]
    assert {k: total.values[k] for k in expected} == expected
    assert expected["teaching_times"] == (4 if unconfirmed else 2)
    note = ALL_NOTE if unconfirmed else CONFIRMED_NOTE
    assert note in table.notes
    assert ("unconfirmed" in table.title) is unconfirmed


@pytest.mark.parametrize("unconfirmed", [False, True])
def test_roster_counts_confirmed_stints(stints, unconfirmed):
    w = stints
    expected: dict[str, int] = {}
    for s in counted(w, YEAR, unconfirmed):
        name = s.secondment.person.name
        expected[name] = expected.get(name, 0) + overlap(s.start, s.end, YEAR)
    with translation.override("en"):
        table = roster.build(user=w["xian"], spec=spec(unconfirmed))
        got = {row.values["name"]: row.values["days"] for row in table.rows}
    assert got == expected
    assert ("孙老师" in got) is unconfirmed and ("李老师" in got) is unconfirmed
    assert (ALL_NOTE if unconfirmed else CONFIRMED_NOTE) in table.notes


def expected_time_on_post(w, unconfirmed):
    programme = w["programme"]
    people: dict[str, list] = {}
    for s in counted(w, AUTUMN, unconfirmed, pairing_id=w["pA1"].pk):
        if s.secondment.kind in compliance.ON_POST_KINDS:
            people.setdefault(s.secondment.person.name, []).append(s)
    ok = sum(
        1
        for mine in people.values()
        if sum(overlap(s.start, s.end, AUTUMN) for s in mine)
        >= programme.min_days_on_post
        and min((s.end - s.start).days + 1 for s in mine) >= programme.min_stint_days
    )
    return f"{ok} of {len(people)} people meet it"


@pytest.mark.parametrize("unconfirmed", [False, True])
def test_compliance_counts_confirmed_stints(stints, unconfirmed):
    w = stints
    term = ReportingPeriod.objects.get(pk=w["period"].pk)

    with translation.override("en"):
        [judged] = compliance.evaluate(
            [w["pA1"]], periods.semester(term), include_unconfirmed=unconfirmed
        )
        figure = judged.result(compliance.TIME_ON_POST).figure
    expected = expected_time_on_post(w, unconfirmed)
    assert figure == expected
    assert expected == (
        "2 of 4 people meet it" if unconfirmed else "1 of 2 people meet it"
    )
    with translation.override("en"):
        table = compliance_table.build(
            user=w["xian"],
            spec=Spec(
                span="semester", semester=term.pk, unconfirmed=unconfirmed or None
            ),
        )
        rows = list(table.rows)
    texts = [str(v) for row in rows for v in row.values.values()]
    assert any(expected in text for text in texts), texts
    assert (ALL_NOTE if unconfirmed else CONFIRMED_NOTE) in table.notes


def test_report_prefill_counts_confirmed_stints(stints):
    w = stints
    found = [
        s
        for s in Stint.objects.filter(secondment__host_school=w["a1r"])
        if s.confirmation == C and overlap(s.start, s.end, AUTUMN)
    ]
    figures = prefill(w["a1r"], w["period"])
    assert figures["days_in"] == sum(overlap(s.start, s.end, AUTUMN) for s in found)
    assert figures["secondments_in"] == len({s.secondment_id for s in found})


def test_the_option_in_the_form_and_the_footnote_in_chinese(stints):
    w = stints
    data = {"span": "school_year", "year": 2024, "group": "region"}
    plain = StatisticsForm(data, user=w["xian"])
    marked = StatisticsForm({**data, "unconfirmed": "on"}, user=w["xian"])
    assert plain.is_valid() and marked.is_valid()
    assert plain.spec().unconfirmed is None
    assert marked.spec().unconfirmed is True
    assert Spec.from_dict(marked.spec().as_dict()).unconfirmed is True
    with translation.override("zh-hans"):
        table = roster.build(user=w["xian"], spec=marked.spec())
    assert zh(ALL_NOTE) in table.notes
    assert zh("(including unconfirmed stints)") in table.title
