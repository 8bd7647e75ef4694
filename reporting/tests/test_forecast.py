"""Early warning (issue 18, item 4): each rule projected to the semester's end at the
current pace, and warnings within DUIKOU_WARNING_DAYS of that end.

The semester is 2024-09-01 – 2025-01-19. On TODAY (2024-12-20) 111 days have passed,
today included, and 30 remain: the end is just inside the default window of 30 days.
Every expected figure is worked out here by hand from the records the tests make."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from core.choices import Direction
from core.models import Membership
from dispatch.choices import StintConfirmation
from dispatch.models import Stint, TrainingParticipation
from dispatch.tests.factories import ActivityFactory, PersonFactory, SecondmentFactory
from pairings.models import SchoolYearProfile
from pairings.tests.factories import (
    PairingFactory,
    RegionFactory,
    SchoolFactory,
    receiving_school,
)
from reporting.compliance import engine
from reporting.compliance.forecast import pairing_forecast, warnings_for
from reporting.tests.factories import ReportingPeriodFactory

pytestmark = pytest.mark.django_db

d = dt.date
TODAY = d(2024, 12, 20)
ELAPSED = 111  # 1 September to 20 December, both included
REMAINING = 30  # 21 December to 19 January


@pytest.fixture(autouse=True)
def english():
    """The messages' source text (their Chinese is in the catalogue)."""
    with translation.override("en"):
        yield


@pytest.fixture
def semester():
    return ReportingPeriodFactory()  # 2024-09-01 – 2025-01-19


@pytest.fixture
def regions():
    province = RegionFactory()
    return {
        "province": province,
        "here": RegionFactory(parent=province),
        "there": RegionFactory(parent=province),
    }


def pairing_in(region, name):
    return PairingFactory(
        name=name,
        supporting=[SchoolFactory(region=region)],
        receiving=[SchoolFactory(region=region)],
    )


def bureau(username, region):
    from django.contrib.auth import get_user_model

    account = get_user_model().objects.create_user(username, password="x")
    Membership.objects.create(user=account, role="bureau", region=region)
    return account


def seconded(pairing, *stints, name, kind="teaching", direction=None):
    """A secondment with stints given as (start, end[, confirmation])."""
    extra = {"direction": direction} if direction else {}
    secondment = SecondmentFactory(
        pairing=pairing, kind=kind, person__name=name, **extra
    )
    for start, end, *confirmation in stints:
        Stint.objects.create(
            secondment=secondment,
            start=start,
            end=end,
            confirmation=confirmation[0] if confirmation else "confirmed",
        )
    return secondment


@pytest.fixture
def pairing(semester, regions):
    """A pairing at known paces on TODAY:

    - 张老师: one confirmed stint of 20 days in September, nothing since;
    - 李老师: on post since 1 December until 10 January (recorded ahead);
    - 王老师: 10 confirmed days in October, and 45 days awaiting the host school;
    - 赵老师: only a stint awaiting the host school;
    - one teaching-research activity (the rule asks for 1: already met);
    - 4 of the receiving school's 10 subject teachers trained;
    - no manager on attachment either way, teachers sent one way only."""
    p = pairing_in(regions["here"], "甲结对")
    seconded(p, (d(2024, 9, 2), d(2024, 9, 21)), name="张老师")
    seconded(p, (d(2024, 12, 1), d(2025, 1, 10)), name="李老师")
    seconded(
        p,
        (d(2024, 10, 1), d(2024, 10, 10)),
        (d(2024, 11, 1), d(2024, 12, 15), StintConfirmation.PENDING),
        name="王老师",
    )
    seconded(
        p, (d(2024, 9, 1), d(2024, 12, 20), StintConfirmation.PENDING), name="赵老师"
    )
    ActivityFactory(pairing=p, kind="research", date=d(2024, 10, 8))
    receiving = receiving_school(p)
    SchoolYearProfile.objects.create(
        school=receiving, school_year=2024, subject_teachers=10
    )
    training = ActivityFactory(pairing=p, kind="training", date=d(2024, 11, 5))
    for _ in range(4):
        TrainingParticipation.objects.create(
            activity=training, person=PersonFactory(home_school=receiving)
        )
    return p


def at_pace(so_far, elapsed=ELAPSED, remaining=REMAINING):
    """so far + pace × remaining, rounded down: worked out without the code."""
    return so_far + so_far * remaining // elapsed


def test_each_rule_projected_at_the_current_pace(pairing):
    result = pairing_forecast(pairing, today=TODAY)
    assert (result.days_left, result.warning_window) == (30, True)
    got = {
        (f.rule, f.secondment.name if f.secondment else f.direction): (
            f.figure,
            f.projected,
            f.threshold,
            f.met,
        )
        for f in result.forecasts
    }
    # 李老师: 20 days so far, 21 recorded ahead, the 9 uncovered days at 20/111.
    li = 20 + 21 + 20 * 9 // 111
    assert got == {
        (engine.TIME_ON_POST, "张老师"): (20, at_pace(20), 30, False),  # 25
        (engine.TIME_ON_POST, "李老师"): (20, li, 30, True),  # 42
        (engine.TIME_ON_POST, "王老师"): (10, at_pace(10), 30, False),  # 12
        (engine.MANAGERS, Direction.TO_RECEIVING): (0, 0, 1, False),
        (engine.MANAGERS, Direction.TO_SUPPORTING): (0, 0, 1, False),
        # Three teachers with confirmed time this school year one way, none back.
        (engine.TEACHERS, Direction.TO_RECEIVING): (3, 3, 2, True),
        (engine.TEACHERS, Direction.TO_SUPPORTING): (0, 0, 2, False),
        (engine.RESEARCH, ""): (1, 1, 1, True),
        # 4 of 10 trained: 40%; at the pace, 4 + 4×30÷111 = 5 teachers, 50%.
        (engine.TRAINING, ""): (40, 50, 100, False),
    }
    assert (at_pace(20), li, at_pace(10)) == (25, 42, 12)


def test_warnings_name_the_rule_the_figures_and_where_to_fix_it(pairing, regions):
    warnings = warnings_for(bureau("xian", regions["here"]), today=TODAY)
    zhang = next(w for w in warnings if w.secondment and w.secondment.name == "张老师")
    assert zhang.pairing.id == pairing.pk and zhang.pairing.name == "甲结对"
    assert (zhang.figure, zhang.projected, zhang.threshold) == (20, 25, 30)
    assert zhang.rule == engine.TIME_ON_POST
    assert zhang.semester_end == d(2025, 1, 19) and zhang.days_left == 30
    assert zhang.message == (
        "At the current pace, 张老师 will have 25 days on post by the semester's "
        "end, short of 30 days"
    )
    assert zhang.url == reverse("pairings:pairing_detail", args=[pairing.pk]) + (
        "#forecast"
    )
    training = next(w for w in warnings if w.rule == engine.TRAINING)
    assert training.message == (
        "At the current pace, Training coverage of receiving-school teachers will "
        "reach 50% by the semester's end, short of 100%"
    )
    [back] = [w for w in warnings if w.rule == engine.TEACHERS]
    assert back.rule_label == "Teachers exchanged (receiving → supporting)"
    assert back.message == (
        "At the current pace, Teachers exchanged (receiving → supporting) will "
        "count 0 people by the semester's end, short of 2"
    )


def test_a_rule_met_or_projected_to_be_met_warns_of_nothing(pairing, regions):
    warnings = warnings_for(bureau("xian", regions["here"]), today=TODAY)
    warned = {(w.rule, w.secondment.name if w.secondment else "") for w in warnings}
    assert (engine.RESEARCH, "") not in warned  # already met
    assert (engine.TIME_ON_POST, "李老师") not in warned  # on post to January
    assert {name for rule, name in warned if rule == engine.TIME_ON_POST} == {
        "张老师",
        "王老师",
    }
    assert len(warnings) == 6  # 2 people, 2 manager ways, teachers back, training


def test_stints_awaiting_the_host_school_do_not_count(pairing):
    days = {
        f.secondment.name: f.figure
        for f in pairing_forecast(pairing, today=TODAY).forecasts
        if f.secondment
    }
    assert days["王老师"] == 10  # not 10 + 45
    assert "赵老师" not in days  # nothing confirmed: not on post


def test_no_warning_outside_the_window(pairing, regions, settings):
    user = bureau("xian", regions["here"])
    ten_days_earlier = TODAY - dt.timedelta(days=10)  # 40 days left
    assert warnings_for(user, today=ten_days_earlier) == []
    assert pairing_forecast(pairing, today=ten_days_earlier).warnings == []
    settings.DUIKOU_WARNING_DAYS = 40
    assert warnings_for(user, today=ten_days_earlier) != []


def test_no_warning_between_semesters(pairing, regions):
    assert warnings_for(bureau("xian", regions["here"]), today=d(2025, 2, 1)) == []
    assert pairing_forecast(pairing, today=d(2025, 2, 1)) is None


def test_pairings_outside_the_scope_never_appear(pairing, regions):
    elsewhere = pairing_in(regions["there"], "乙结对")
    seconded(elsewhere, (d(2024, 9, 2), d(2024, 9, 5)), name="钱老师")
    here = warnings_for(bureau("xian", regions["here"]), today=TODAY)
    there = warnings_for(bureau("xian2", regions["there"]), today=TODAY)
    assert {w.pairing.name for w in here} == {"甲结对"}
    assert {w.pairing.name for w in there} == {"乙结对"}
    assert "钱老师" not in str([w.message for w in here])
    both = warnings_for(bureau("shi", regions["province"]), today=TODAY)
    assert {w.pairing.name for w in both} == {"甲结对", "乙结对"}


@pytest.mark.parametrize("n", [2, 20])
def test_queries_do_not_grow_with_pairings_or_records(
    semester, regions, django_assert_max_num_queries, n
):
    user = bureau("xian", regions["here"])
    for i in range(n):
        p = pairing_in(regions["here"], f"结对{i:02}")
        for j in range(3):
            seconded(p, (d(2024, 9, 2 + j), d(2024, 9, 10 + j)), name=f"教师{i}-{j}")
        ActivityFactory(pairing=p, kind="research", date=d(2024, 10, 1))
    from django.core.cache import cache

    with django_assert_max_num_queries(10):
        warnings = warnings_for(user, today=TODAY)
    assert len({w.pairing.id for w in warnings}) == n
    cache.clear()
    pairing = type(p).objects.get(pk=p.pk)
    with django_assert_max_num_queries(8):
        pairing_forecast(pairing, today=TODAY)


class TestPages:
    """The dashboard and the pairing page show the warnings, each linking to where
    it is put right; the dashboard's cost does not grow with them."""

    @pytest.fixture(autouse=True)
    def today(self, monkeypatch):
        from django.utils import timezone

        monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)

    def test_the_dashboard_counts_and_lists_them(self, client, pairing, regions):
        client.force_login(bureau("xian", regions["here"]))
        page = client.get(reverse("home")).content.decode()
        assert 'id="warnings"' in page
        warned = page[page.index('id="warnings"') : page.index('id="key-figures"')]
        assert "张老师" in warned and "李老师" not in warned  # 25 days; 42 days
        url = reverse("pairings:pairing_detail", args=[pairing.pk]) + "#forecast"
        assert f'href="{url}"' in page
        assert '<span class="badge text-bg-warning">6</span>' in page

    def test_the_dashboard_without_warnings_shows_no_card(
        self, client, pairing, regions, monkeypatch
    ):
        from django.utils import timezone

        monkeypatch.setattr(timezone, "localdate", lambda *a: d(2024, 11, 1))
        client.force_login(bureau("xian", regions["here"]))
        assert 'id="warnings"' not in client.get(reverse("home")).content.decode()

    def test_the_pairing_page_shows_its_forecast_and_warnings(
        self, client, pairing, regions
    ):
        client.force_login(bureau("xian", regions["here"]))
        url = reverse("pairings:pairing_detail", args=[pairing.pk])
        page = client.get(url).content.decode()
        block = page[page.index('id="forecast"') : page.index('id="compliance"')]
        assert 'id="forecast-warnings"' in block
        wang = block[block.index("王老师") - 300 : block.index("王老师")]
        assert 'data-met="false"' in wang  # 12 days projected
        assert 'class="forecast-research" data-met="true"' in block
        assert block.count('data-met="false"') == 6
        assert block.count('data-met="true"') == 3  # 李老师, teachers out, research


def test_an_arrival_without_its_departure_is_on_post_to_the_semesters_end(
    semester, regions
):
    """A teacher recorded arriving on 1 December and no departure yet; the host
    school confirmed the arrival. Stored as that day alone, the teacher is on post
    today and taken as staying: 20 days so far (1–20 December), 30 still to come,
    50 at the end; no warning. Closed with a departure on 5 December, the stint
    counts its 5 days and the pace says what it says."""
    p = pairing_in(regions["here"], "乙结对")
    secondment = seconded(p, name="孙老师")
    stint = Stint.objects.create(
        secondment=secondment, start=d(2024, 12, 1), end=d(2024, 12, 1), open=True
    )
    (days,) = [f for f in pairing_forecast(p, today=TODAY).forecasts if f.secondment]
    assert (days.figure, days.projected, days.met) == (20, 20 + REMAINING, True)
    stint.end, stint.open = d(2024, 12, 5), False
    stint.save()
    (days,) = [f for f in pairing_forecast(p, today=TODAY).forecasts if f.secondment]
    assert (days.figure, days.projected, days.met) == (5, at_pace(5), False)
