"""The dashboard (issue 17, item 5): it opens on the newest school year with data,
puts each month in its place, counts schools attached directly to a county, and
every card links to the list that shows the same figure.

Expected figures are worked out here from the records the tests make (the world of
``tests/world.py`` plus a few), not by the code under test."""

import datetime as dt
from decimal import Decimal
from html import escape

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import Direction, Side
from dispatch.models import Activity, Person, Secondment, Stint
from pairings import periods
from pairings.models import Pairing, PairingParty
from projects.models import FundingLine
from reporting.models import SemesterReport
from tests import world

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 15)  # school year 2026-2027, with no data in the world
YEAR_2024 = periods.school_year(2024)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


def dash(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("home"), params)
    assert response.status_code == 200
    return response


def activity(pairing, day, title="讲座"):
    return Activity.objects.create(
        pairing=pairing, kind="lecture", title=title, date=day, host_side="receiving"
    )


def secondment(pairing, sending, host, direction, *stints, name="张老师"):
    person = Person.objects.create(
        name=name, gender="F", home_school=sending, subject="maths"
    )
    made = Secondment.objects.create(
        person=person,
        pairing=pairing,
        direction=direction,
        kind="teaching",
        sending_school=sending,
        host_school=host,
        planned_start=stints[0][0],
        planned_end=stints[-1][1],
        subject="maths",
    )
    for start, end in stints:
        Stint.objects.create(secondment=made, start=start, end=end)
    return made


def pairing(name, supporting, receiving, *, start, end, status="active"):
    with transaction.atomic():
        made = Pairing.objects.create(
            programme=Pairing.objects.first().programme,
            name=name,
            mode="one_to_one",
            start_date=start,
            end_date=end,
            status=status,
        )
        PairingParty.objects.create(
            pairing=made, school=supporting, side=Side.SUPPORTING
        )
        PairingParty.objects.create(pairing=made, school=receiving, side=Side.RECEIVING)
    return made


class TestDefaultYear:
    def test_opens_on_the_newest_year_with_data_not_the_empty_current_one(
        self, client, w
    ):
        # The world's records lie in 2024-2025; today is in 2026-2027.
        response = dash(client, w["xian"])
        assert response.context["year"] == 2024
        page = response.content.decode()
        assert '<option value="2024" selected>2024-2025 学年</option>' in page
        # The empty current year is offered, and says it is empty.
        empty = _("%(year)s (no data)") % {"year": "2026-2027 学年"}
        assert f'<option value="2026">{empty}</option>' in page
        shown = _(
            "%(year)s: %(start)s to %(end)s. Click a figure to see the records "
            "behind it."
        ) % {"year": "2024-2025 学年", "start": "2024年9月1日", "end": "2025年8月31日"}
        assert shown in page

    def test_a_newer_year_with_data_wins_and_a_future_one_does_not(self, client, w):
        activity(w["pA1"], dt.date(2026, 3, 5))  # 2025-2026
        activity(w["pA1"], dt.date(2028, 3, 5))  # planned, two years ahead
        assert dash(client, w["xian"]).context["year"] == 2025
        # Outside the user's scope: does not move another county's dashboard.
        assert dash(client, w["xian_l"]).context["year"] == 2024

    def test_money_alone_makes_a_year_with_data(self, client, w):
        FundingLine.objects.create(
            pairing=w["pA1"], source="county", year=2025, kind="received", amount=1
        )
        assert dash(client, w["xian"]).context["year"] == 2025

    def test_a_chosen_year_is_kept(self, client, w):
        response = dash(client, w["xian"], year="2026")
        assert response.context["year"] == 2026
        assert response.context["dash"]["activities"]["value"] == 0


class TestMonths:
    def test_each_month_at_its_place(self, client, w):
        """Activities in September and March only; a stint that began in August,
        before the year, is on post in it but did not start in it."""
        activity(w["pA1"], dt.date(2025, 9, 10))
        activity(w["pA1"], dt.date(2026, 3, 5))
        activity(w["pA1"], dt.date(2026, 3, 30))
        secondment(
            w["pA1"],
            w["a1s"],
            w["a1r"],
            Direction.TO_RECEIVING,
            (dt.date(2025, 8, 20), dt.date(2025, 10, 10)),
        )
        secondment(
            w["pA1"],
            w["a1s"],
            w["a1r"],
            Direction.TO_RECEIVING,
            (dt.date(2026, 3, 2), dt.date(2026, 4, 30)),
            name="李老师",
        )
        chart = dash(client, w["xian"], year=2025).context["dash"]["charts"]
        months = chart["by_month"]
        assert months["labels"][0] == "9月" and months["labels"][6] == "3月"
        assert months["labels"][11] == "8月"
        assert months["activities"] == [1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]
        assert months["stints"] == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]


class TestRegions:
    def bars(self, client, user, year=2024):
        chart = dash(client, user, year=year).context["dash"]["charts"]["by_region"]
        return {
            label: (s, a)
            for label, s, a in zip(
                chart["labels"], chart["secondments"], chart["activities"], strict=True
            )
        }

    def test_a_county_without_townships_is_one_bar(self, client, w):
        # 历下区: pA1 (a1s → a1r) and pX (a1s → 龙山's lx), both with schools
        # attached directly to the county; one secondment hosted by a1r.
        in_year = Activity.objects.filter(
            pairing__in=[w["pA1"], w["pX"]],
            date__range=(YEAR_2024.start, YEAR_2024.end),
        ).count()
        assert self.bars(client, w["xian"]) == {"历下区": (1, in_year)}

    def test_schools_attached_directly_to_a_county_beside_its_townships(
        self, client, w
    ):
        township = world.region("370102001", "姚家街道", 4, w["A1"])
        town_school = world.school("姚家小学", township)
        town = pairing(
            "姚家结对",
            w["a1s"],
            town_school,
            start=dt.date(2024, 9, 1),
            end=dt.date(2027, 8, 31),
        )
        activity(town, dt.date(2024, 11, 3))
        activity(town, dt.date(2025, 4, 3))
        secondment(
            town,
            w["a1s"],
            town_school,
            Direction.TO_RECEIVING,
            (dt.date(2024, 10, 8), dt.date(2024, 12, 20)),
        )
        county_activities = Activity.objects.filter(
            pairing__in=[w["pA1"], w["pX"], town],  # each has a1s, in the county
            date__range=(YEAR_2024.start, YEAR_2024.end),
        ).count()
        assert county_activities == 3  # pX has none
        assert self.bars(client, w["xian"]) == {
            "姚家街道": (1, 2),
            # a1r hosts the world's secondment; a1s takes part in every pairing.
            "历下区（本级）": (1, county_activities),
        }

    def test_a_city_counts_its_counties_own_schools_in_their_bars(self, client, w):
        city_school = world.school("济南市直属学校", w["A"])
        in_city = pairing(
            "市直结对",
            city_school,
            w["a1r"],
            start=dt.date(2024, 9, 1),
            end=dt.date(2027, 8, 31),
        )
        activity(in_city, dt.date(2025, 5, 6))
        bars = self.bars(client, w["shi"])
        assert bars["历下区"] == (1, 2)  # pA1's and the city pairing's (a1r)
        assert bars["市中区"] == (0, 0)
        assert bars["济南市（本级）"] == (0, 1)


class TestCardsLinkToTheirLists:
    """Each card's link opens a list whose count or total is the card's figure,
    both equal to what the records say."""

    @pytest.fixture
    def more(self, w):
        """Records around the edges of 2024-2025 in 历下区."""
        a1s, a1r = w["a1s"], w["a1r"]
        span = dict(start=dt.date(2023, 9, 1), end=dt.date(2025, 6, 30))
        ended = pairing("已结束结对", a1s, w["a1t"], status="ended", **span)
        pairing("筹备结对", a1s, w["a1t"], status="preparing", **span)
        later = pairing(
            "下学年结对",
            w["a1t"],
            a1r,
            start=dt.date(2025, 9, 1),
            end=dt.date(2028, 8, 31),
        )
        # On post before and after the year, never in it: not in its figures.
        secondment(
            w["pA1"],
            a1s,
            a1r,
            Direction.TO_RECEIVING,
            (dt.date(2024, 3, 1), dt.date(2024, 6, 30)),
            (dt.date(2025, 10, 8), dt.date(2025, 12, 1)),
            name="王老师",
        )
        secondment(
            w["pA1"],
            a1r,
            a1s,
            Direction.TO_SUPPORTING,
            (dt.date(2025, 8, 1), dt.date(2025, 9, 30)),  # 31 days in the year
            name="赵老师",
        )
        activity(ended, dt.date(2025, 5, 1))
        activity(later, dt.date(2025, 9, 1))
        for date, year, kind, amount in [
            (dt.date(2025, 3, 1), 2025, "received", "10000.00"),
            (dt.date(2025, 9, 2), 2025, "received", "7000.00"),  # next year
            (None, 2025, "received", "3000.00"),  # undated: 31 Dec 2025
            (dt.date(2025, 3, 1), 2025, "planned", "5000.00"),
        ]:
            FundingLine.objects.create(
                pairing=w["pA1"],
                source="province",
                year=year,
                date=date,
                kind=kind,
                amount=Decimal(amount),
            )
        return {"ended": ended}

    def follow(self, client, card):
        response = client.get(card["url"])
        assert response.status_code == 200, card["url"]
        return response.context

    def test_every_card_matches_its_list(self, client, w, more):
        response = dash(client, w["xian"], year=2024)
        cards = response.context["dash"]
        page = response.content.decode()
        for name in (
            "active_pairings",
            "out",
            "back",
            "days_on_post",
            "activities",
            "funds_received",
            "compliance",
            "reports_outstanding",
        ):
            assert f'href="{escape(cards[name]["url"])}"' in page, name

        # Pairings in force during the year, whatever their status since: pA1, the
        # cross-region pX, the one ended in June 2025; not the one in preparation,
        # nor the one starting next year.
        expected = {"历下结对", "济南—龙山东西部协作", "已结束结对"}
        listed = self.follow(client, cards["active_pairings"])["page"]
        assert cards["active_pairings"]["value"] == len(expected)
        assert {p.name for p in listed.object_list} == expected
        assert listed.paginator.count == len(expected)

        # Secondments on post in the year: the world's (a1s → a1r, 2 Sep – 30 Oct
        # 2024, 59 days) and 赵老师 back the other way (1 – 31 Aug 2025, 31 days).
        # 王老师 was on post before and after the year, not in it.
        out = self.follow(client, cards["out"])["page"]
        assert (cards["out"]["people"], cards["out"]["times"]) == (1, 1)
        assert [s.person.name for s in out.object_list] == ["A1老师"]
        back = self.follow(client, cards["back"])["page"]
        assert (cards["back"]["people"], cards["back"]["times"]) == (1, 1)
        assert [s.person.name for s in back.object_list] == ["赵老师"]
        on_post = self.follow(client, cards["days_on_post"])["page"]
        days = sum(
            periods.clipped_days(stint.start, stint.end, YEAR_2024)
            for s in on_post.object_list
            for stint in s.stints.all()
        )
        assert {s.person.name for s in on_post.object_list} == {"A1老师", "赵老师"}
        assert cards["days_on_post"]["value"] == days == 59 + 31

        in_year = Activity.objects.filter(
            pairing__in=[w["pA1"], w["pX"], more["ended"]],
            date__range=(YEAR_2024.start, YEAR_2024.end),
        ).count()
        listed = self.follow(client, cards["activities"])["page"]
        assert cards["activities"]["value"] == listed.paginator.count == in_year

        # 到位资金: the world's undated 2024 line (20,000) and the one dated March
        # 2025 (10,000); not next year's, not the undated 2025 one, not a plan.
        funds = self.follow(client, cards["funds_received"])
        total = next(t for column, t in funds["totals"] if column.accessor == "amount")
        assert cards["funds_received"]["value"] == total == Decimal("30000.00")
        assert funds["page"].paginator.count == 2

        # Compliance: the autumn 2024 semester's pairings, judged.
        compliance = cards["compliance"]
        listed = self.follow(client, compliance)
        assert listed["page"].paginator.count == compliance["total"]
        passing = client.get(compliance["url"] + "&result=pass").context
        assert passing["total"] == compliance["passed"]

        # Reports not submitted for autumn 2024 by the county's expected schools:
        # a1r (a draft), a1s (no report), a1t (no report: party to the pairing
        # that ended in 2025). lx, in 龙山, reports to its own bureau.
        missing = self.follow(client, cards["reports_outstanding"])["page"]
        names = {s.name for s in missing.object_list}
        assert names == {"历下乡村小学", "历下实验小学", "历下第二实验小学"}
        assert cards["reports_outstanding"]["value"] == len(names)

    def test_a_schools_outstanding_reports(self, client, w):
        cards = dash(client, w["xuexiao"]).context["dash"]
        assert cards["reports_outstanding"]["value"] == 1  # its own draft
        assert cards["reports_outstanding"]["url"] == reverse("reporting:my_reports")
        SemesterReport.objects.filter(school=w["a1r"]).update(status="submitted")
        cache.clear()  # an update() leaves the cached figures' data version as is
        cards = dash(client, w["xuexiao"]).context["dash"]
        assert cards["reports_outstanding"]["value"] == 0
