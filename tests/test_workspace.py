"""The bureau workspace: lists, detail pages and forms, within the user's scope."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.choices import Side
from dispatch.models import Activity, Secondment
from pairings.models import Pairing, School
from projects.models import AidProject

from . import world

pytestmark = pytest.mark.django_db

LISTS = {
    "pairings:school_list": "name",
    "pairings:programme_list": "name",
    "pairings:pairing_list": "name",
    "pairings:agreement_list": "title",
    "dispatch:person_list": "name",
    "dispatch:secondment_list": "person.name",
    "dispatch:activity_list": "title",
    "projects:aidproject_list": "name",
    "projects:fundingline_list": None,
    "projects:donation_list": "donor_name",
}


def names_on(response):
    return {obj.pk for obj in response.context["page"]}


@pytest.mark.parametrize("name", list(LISTS))
def test_lists_show_the_scope_only(client, w, name):
    client.force_login(w["xian"])
    response = client.get(reverse(name))
    assert response.status_code == 200
    model = response.context["meta"].model
    listed = names_on(response)
    inside = w["in_A1"].get(model)
    outside = w["in_B1"].get(model)
    if inside is not None:
        assert inside.pk in listed
    if outside is not None:
        assert outside.pk not in listed


def add_rows(w, n):
    """More rows of every kind in the A1 county, to show the query count stays."""
    for i in range(n):
        world.objects_under(
            world.pairing(
                f"加{i}", w["programme"], w["a1s"], world.school(f"新校{i}", w["A1"])
            ),
            w["a1s"],
            School.objects.get(name=f"新校{i}"),
            w["period"],
            w["admin"],
            f"X{i}",
        )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_list_query_counts_do_not_grow_with_rows(
    client, w, django_capture_on_commit_callbacks
):
    client.force_login(w["xian"])
    urls = [reverse(name) for name in LISTS] + [
        reverse("pairings:pairing_detail", args=[w["pA1"].pk]),
        reverse("reporting:compliance"),
        reverse("home"),
    ]
    client.get(urls[0])  # the session, menu and unread count are cached from then on
    before = {url: count_queries(client, url) for url in urls}
    # Committed, as in real use: the dashboard's cache then counts again.
    with django_capture_on_commit_callbacks(execute=True):
        add_rows(w, 6)
    after = {url: count_queries(client, url) for url in urls}
    assert after == before


def test_pinned_query_counts(client, w, django_assert_max_num_queries):
    """Upper bounds, so a new query per row or per column is caught at once."""
    client.force_login(w["xian"])
    for name in LISTS:
        with django_assert_max_num_queries(16):
            client.get(reverse(name))


class TestFiltersAndTotals:
    def test_search_and_filters(self, client, w):
        client.force_login(w["sheng"])
        response = client.get(reverse("pairings:pairing_list"), {"q": "市南"})
        assert names_on(response) == {w["pB1"].pk}
        response = client.get(reverse("pairings:pairing_list"), {"region": w["A1"].pk})
        assert names_on(response) == {w["pA1"].pk, w["pX"].pk}
        response = client.get(reverse("pairings:school_list"), {"region": w["B1"].pk})
        assert names_on(response) == {w["b1s"].pk, w["b1r"].pk}

    def test_yes_no_filters_offer_all_yes_and_no(self, client, w):
        w["a1r"].is_weak = True
        w["a1r"].save()
        client.force_login(w["xian"])
        response = client.get(reverse("pairings:school_list"))
        select = re.search(
            r'<select name="is_weak".*?</select>', response.content.decode(), re.S
        ).group(0)
        assert re.findall(r">([^<]+)</option>", select) == ["全部", "是", "否"]
        every = names_on(client.get(reverse("pairings:school_list")))
        shown = client.get(reverse("pairings:school_list"), {"is_weak": "unknown"})
        assert names_on(shown) == every
        weak = client.get(reverse("pairings:school_list"), {"is_weak": "true"})
        assert names_on(weak) == {w["a1r"].pk}

    def test_money_totals_cover_all_filtered_rows(self, client, w):
        for i in range(60):  # more than one page
            AidProject.objects.create(
                receiving_school=w["a1r"],
                name=f"项目{i}",
                category="equipment",
                total_investment=Decimal("1000.10"),
                aid_amount=Decimal("500.05"),
            )
        client.force_login(w["xian"])
        response = client.get(reverse("projects:aidproject_list"))
        totals = {c.accessor: t for c, t in response.context["totals"] if t is not None}
        rows = AidProject.objects.filter(
            receiving_school__region__path__startswith=w["A1"].path
        )
        assert totals["total_investment"] == sum(p.total_investment for p in rows)
        assert totals["aid_amount"] == sum(p.aid_amount for p in rows)
        assert len(response.context["page"]) == 50

    def test_sorting(self, client, w):
        client.force_login(w["sheng"])
        response = client.get(reverse("pairings:school_list"), {"sort": "-name"})
        names = [s.name for s in response.context["page"]]
        assert names == sorted(names, reverse=True)

    def test_bad_filter_value_says_so_and_lists_nothing(self, client, w):
        client.force_login(w["xian"])
        response = client.get(reverse("pairings:pairing_list"), {"school": w["b1r"].pk})
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()
        assert names_on(response) == set()


class TestPairingForm:
    def payload(self, w, **extra):
        data = {
            "programme": w["programme"].pk,
            "name": "历下两校帮扶乡村小学",
            "mode": "",
            "status": "active",
            "start_date": "2025-09-01",
            "end_date": "2027-08-31",
            "aid_teaching": "on",
            "note": "",
            "supporting": [w["a1s"].pk, w["a1t"].pk],
            "receiving": [w["a1r"].pk],
        }
        data.update(extra)
        return data

    def test_county_creates_a_pairing_with_two_supporting_schools(self, client, w):
        client.force_login(w["xian"])
        response = client.post(reverse("pairings:pairing_add"), self.payload(w))
        assert response.status_code == 302
        pairing = Pairing.objects.get(name="历下两校帮扶乡村小学")
        parties = {(p.school_id, p.side, p.is_lead) for p in pairing.parties.all()}
        assert parties == {
            (w["a1s"].pk, Side.SUPPORTING, True),
            (w["a1t"].pk, Side.SUPPORTING, False),
            (w["a1r"].pk, Side.RECEIVING, False),
        }
        assert pairing.mode == "many_to_one"

    def test_error_keeps_what_was_typed(self, client, w):
        client.force_login(w["xian"])
        response = client.post(
            reverse("pairings:pairing_add"),
            self.payload(w, receiving=[], note="备注保留"),
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "结对至少需要一所受援学校" in page
        assert "历下两校帮扶乡村小学" in page and "备注保留" in page
        assert f'value="{w["a1t"].pk}" selected' in page
        assert not Pairing.objects.filter(name="历下两校帮扶乡村小学").exists()

    def test_out_of_scope_school_is_refused(self, client, w):
        client.force_login(w["xian"])
        response = client.post(
            reverse("pairings:pairing_add"), self.payload(w, receiving=[w["b1r"].pk])
        )
        assert "选择一个有效的选项" in response.content.decode()

    def test_edit_moves_parties(self, client, w):
        client.force_login(w["xian"])
        pairing = w["pA1"]
        data = self.payload(w, name=pairing.name, supporting=[w["a1t"].pk])
        response = client.post(
            reverse("pairings:pairing_edit", args=[pairing.pk]), data
        )
        assert response.status_code == 302
        assert set(pairing.parties.values_list("school_id", "side")) == {
            (w["a1t"].pk, Side.SUPPORTING),
            (w["a1r"].pk, Side.RECEIVING),
        }


class TestSecondmentForm:
    def payload(self, w, stints):
        data = {
            "pairing": w["pA1"].pk,
            "person": w["in_A1"][Secondment].person_id,
            "direction": "to_receiving",
            "kind": "teaching",
            "sending_school": w["a1s"].pk,
            "host_school": w["a1r"].pk,
            "batch": 2,
            "planned_start": "2025-02-17",
            "planned_end": "2025-07-05",
            "subject": "maths",
            "weekly_periods": 12,
            "duties": "",
            "status": "on_post",
            "note": "",
            "stints-TOTAL_FORMS": len(stints),
            "stints-INITIAL_FORMS": 0,
            "stints-MIN_NUM_FORMS": 0,
            "stints-MAX_NUM_FORMS": 1000,
        }
        for i, (start, end) in enumerate(stints):
            data[f"stints-{i}-start"] = start
            data[f"stints-{i}-end"] = end
            data[f"stints-{i}-note"] = ""
        return data

    def test_secondment_with_two_stints(self, client, w):
        client.force_login(w["xian"])
        response = client.post(
            reverse("dispatch:secondment_add"),
            self.payload(
                w, [("2025-02-17", "2025-04-01"), ("2025-04-10", "2025-07-05")]
            ),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        secondment = Secondment.objects.get(batch=2)
        assert list(secondment.stints.values_list("start", flat=True)) == [
            dt.date(2025, 2, 17),
            dt.date(2025, 4, 10),
        ]

    def test_overlapping_stints_save_nothing(self, client, w):
        client.force_login(w["xian"])
        response = client.post(
            reverse("dispatch:secondment_add"),
            self.payload(
                w, [("2025-02-17", "2025-04-01"), ("2025-03-10", "2025-07-05")]
            ),
        )
        page = response.content.decode()
        assert "重叠" in page
        assert 'value="2025-03-10"' in page
        assert not Secondment.objects.filter(batch=2).exists()

    def test_wrong_side_is_explained(self, client, w):
        client.force_login(w["xian"])
        data = self.payload(w, [])
        data.update(sending_school=w["a1r"].pk, host_school=w["a1s"].pk)
        response = client.post(reverse("dispatch:secondment_add"), data)
        assert "派出学校必须是本结对支援方的学校" in response.content.decode()


class TestActivityBySchoolStaff:
    def test_school_records_an_activity_for_its_pairing(self, client, w):
        client.force_login(w["xuexiao"])
        trainee = w["in_A1"][Activity].participations.get().person
        response = client.post(
            reverse("dispatch:activity_add"),
            {
                "pairing": w["pA1"].pk,
                "kind": "training",
                "title": "校本培训",
                "date": "2024-11-20",
                "host_side": "receiving",
                "lessons": 0,
                "sessions": 1,
                "teacher_participants": 5,
                "student_participants": 0,
                "trainees": [trainee.pk],
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        activity = Activity.objects.get(title="校本培训")
        assert list(activity.trainees.all()) == [trainee]

    def test_school_cannot_record_for_another_pairing(self, client, w):
        client.force_login(w["xuexiao"])
        response = client.post(
            reverse("dispatch:activity_add"),
            {
                "pairing": w["pB1"].pk,
                "kind": "lecture",
                "title": "越权",
                "date": "2024-11-20",
                "host_side": "receiving",
                "lessons": 0,
                "sessions": 1,
                "teacher_participants": 5,
                "student_participants": 0,
            },
        )
        assert response.status_code == 200
        assert not Activity.objects.filter(title="越权").exists()

    def test_inspector_cannot_open_add_forms(self, client, w):
        client.force_login(w["duxue"])
        assert client.get(reverse("dispatch:activity_add")).status_code == 403
        assert client.get(reverse("pairings:pairing_add")).status_code == 403


def test_pairing_page_shows_compliance_that_follows_the_records(client, w):
    client.force_login(w["xian"])
    url = reverse("pairings:pairing_detail", args=[w["pA1"].pk])
    page = client.get(url).content.decode()
    assert "达标情况" in page
    research = client.get(url).context["compliance"].result("research")
    assert research.passed is False
    Activity.objects.create(
        pairing=w["pA1"],
        kind="research",
        title="集体教研",
        date=dt.date(2024, 12, 2),
        host_side="receiving",
    )
    research = client.get(url).context["compliance"].result("research")
    assert research.passed is True


def test_dashboard_figures_match_the_records(client, w):
    client.force_login(w["xian"])
    response = client.get(reverse("home"), {"year": 2024})
    dash = response.context["dash"]
    in_year = Activity.objects.filter(
        date__range=(dt.date(2024, 9, 1), dt.date(2025, 8, 31)),
        pairing__in=[w["pA1"], w["pX"]],
    ).count()
    assert dash["activities"]["value"] == in_year
    assert dash["active_pairings"]["value"] == 2  # pA1 and the cross-region pX
    # One secondment in A1 with one stint of 59 days (2 Sep – 30 Oct 2024).
    assert (dash["out"]["people"], dash["out"]["times"]) == (1, 1)
    assert dash["days_on_post"]["value"] == 59
    assert b'id="chart-region"' in response.content


class TestComplianceList:
    def test_filter_by_rule_and_result(self, client, w):
        Activity.objects.create(
            pairing=w["pA1"],
            kind="research",
            title="教研",
            date=dt.date(2024, 12, 2),
            host_side="receiving",
        )
        client.force_login(w["xian"])
        url = reverse("reporting:compliance")
        base = {"semester": w["period"].pk}
        passing = client.get(url, {**base, "rule": "research", "result": "pass"})
        assert [r.pairing for r in passing.context["page"]] == [w["pA1"]]
        failing = client.get(url, {**base, "rule": "research", "result": "fail"})
        assert [r.pairing for r in failing.context["page"]] == [w["pX"]]
        assert "历下结对" not in failing.content.decode()

    def test_unfiltered_list_judges_every_pairing_shown(self, client, w):
        client.force_login(w["sheng"])
        response = client.get(
            reverse("reporting:compliance"), {"semester": w["period"].pk}
        )
        rows = list(response.context["page"])
        assert {r.pairing.name for r in rows} == {
            "历下结对",
            "市南结对",
            "济南—龙山东西部协作",
        }
        assert all(len(r.results) == 7 for r in rows)

    def test_region_filter(self, client, w):
        client.force_login(w["sheng"])
        response = client.get(
            reverse("reporting:compliance"),
            {"semester": w["period"].pk, "region": w["B1"].pk},
        )
        assert [r.pairing.name for r in response.context["page"]] == ["市南结对"]


def test_pages_hide_what_the_role_may_not_do(client, w):
    secondment = w["in_A1"][Secondment]
    url = reverse("dispatch:secondment_detail", args=[secondment.pk])
    client.force_login(w["duxue"])
    page = client.get(url).content.decode()
    assert "登记在岗时段" not in page and "编辑" not in page
    assert "添加" not in client.get(reverse("pairings:pairing_list")).content.decode()
    client.force_login(w["xuexiao"])
    page = client.get(url).content.decode()
    assert "登记在岗时段" in page  # school staff record stints
    assert f"/secondments/{secondment.pk}/edit/" not in page  # but not secondments
    client.force_login(w["xian"])
    assert f"/secondments/{secondment.pk}/edit/" in client.get(url).content.decode()


def test_dashboard_is_cached_until_the_next_write(
    client, w, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """The second view reads the cached figures; a committed write makes the next
    view count it at once."""
    client.force_login(w["xian"])
    url = reverse("home")
    first = client.get(url, {"year": 2024}).context["dash"]["activities"]["value"]
    # Session, user, scope, menu, notifications and the session save: no aggregate.
    with django_assert_max_num_queries(9):
        again = client.get(url, {"year": 2024}).context["dash"]
    assert again["activities"]["value"] == first
    with django_capture_on_commit_callbacks(execute=True):
        Activity.objects.create(
            pairing=w["pA1"],
            kind="lecture",
            title="专题讲座",
            date=dt.date(2024, 11, 5),
            host_side="receiving",
        )
    after = client.get(url, {"year": 2024}).context["dash"]["activities"]["value"]
    assert after == first + 1
