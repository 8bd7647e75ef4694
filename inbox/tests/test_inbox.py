"""我的待办: each kind of work appears for the user who must do it, within their
scope, links to where it is done, and is gone once it is done."""

import datetime as dt

import pytest
from django.urls import reverse

from dispatch import services as dispatch_services
from dispatch.models import Secondment, Stint
from imports.models import ImportJob
from reporting.models import ReportingPeriod, SemesterReport
from reporting.reports import services as report_services
from tests import world

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 1, 10)  # in the world's autumn 2024 semester
LOCK = dt.date(2030, 3, 1)  # reports of the world's period can still be written


@pytest.fixture(autouse=True)
def open_period(w):
    ReportingPeriod.objects.filter(pk=w["period"].pk).update(lock_date=LOCK)
    w["period"].refresh_from_db()


def groups(client, user, today=TODAY):
    from inbox.selectors import todo_for

    return {g.key: g for g in todo_for(user, today=today)}


def page(client, user):
    client.force_login(user)
    response = client.get(reverse("inbox:index"))
    assert response.status_code == 200
    return response.content.decode()


def submitted(w, tag="A1"):
    report = w[f"in_{tag}"][SemesterReport]
    report_services.report_submit(report=report, user=w["xuexiao"])
    return report


def test_a_submitted_report_waits_for_its_reviewers_only_until_reviewed(client, w):
    report = submitted(w)
    review = groups(client, w["xian"])["review"]
    assert review.count == 1
    assert review.items[0].url == reverse("reporting:report_detail", args=[report.pk])
    assert report.school.name in page(client, w["xian"])
    # The province above sees it too; a bureau elsewhere and the school do not.
    assert groups(client, w["sheng"])["review"].count == 1
    assert "review" not in groups(client, w["xian_b1"])
    assert "review" not in groups(client, w["xuexiao"])
    report_services.report_approve(report=report, user=w["xian"])
    assert "review" not in groups(client, w["xian"])


def test_a_returned_report_waits_for_its_school_until_resubmitted(client, w):
    report = submitted(w)
    report_services.report_return(report=report, user=w["xian"], comment="请补充")
    item = groups(client, w["xuexiao"])["resubmit"].items[0]
    assert item.url == reverse("reporting:report_edit", args=[report.pk])
    assert "resubmit" not in groups(client, w["school_b1"])
    report.refresh_from_db()
    report_services.report_submit(report=report, user=w["xuexiao"])
    assert "resubmit" not in groups(client, w["xuexiao"])


def test_a_deadline_near_lists_the_schools_report_not_yet_submitted(client, w):
    period = w["period"]  # deadline 2025-02-10, lock 2030-03-01
    before = groups(client, w["xuexiao"], today=dt.date(2025, 1, 10))
    assert "due" not in before  # a month ahead: not yet
    near = groups(client, w["xuexiao"], today=dt.date(2025, 2, 1))["due"]
    assert [i.title for i in near.items] == [f"{w['a1r'].name} · {period}"]
    assert not near.items[0].overdue
    late = groups(client, w["xuexiao"], today=dt.date(2025, 2, 15))["due"]
    assert late.items[0].overdue
    # The bureau sees the period, with the board of schools not yet submitted.
    bureau = groups(client, w["xian"], today=dt.date(2025, 2, 1))["due"]
    assert bureau.items[0].url.endswith(f"?period={period.pk}")
    submitted(w)
    assert "due" not in groups(client, w["xuexiao"], today=dt.date(2025, 2, 1))
    # Past the lock date nothing can come in any more: no item.
    assert "due" not in groups(client, w["school_b1"], today=LOCK + dt.timedelta(1))


def sending_staff(w):
    return world.user("a1s_staff", "school", school_=w["a1s"])


def test_a_stint_the_sending_school_records_waits_for_the_host_school(client, w):
    secondment = w["in_A1"][Secondment]
    sender = sending_staff(w)
    stint = Stint(
        secondment=secondment, start=dt.date(2024, 11, 4), end=dt.date(2024, 11, 29)
    )
    dispatch_services.stint_mark_recorded(stint, sender)
    stint.save()
    confirm = groups(client, w["xuexiao"])["confirm"]  # 历下乡村小学 hosts it
    assert confirm.count == 1
    assert secondment.person.name in confirm.items[0].title
    assert "confirm" not in groups(client, sender)  # not the host
    assert "confirm" not in groups(client, w["school_b1"])
    # Sent back: it leaves the host's list and waits for the sender to correct it.
    dispatch_services.stint_send_back(
        stint=stint, user=w["xuexiao"], comment="日期有误"
    )
    assert "confirm" not in groups(client, w["xuexiao"])
    correct = groups(client, sender)["correct"]
    assert correct.items[0].detail == "日期有误"
    stint.end = dt.date(2024, 11, 22)
    dispatch_services.stint_mark_recorded(stint, sender)
    stint.save()
    assert "correct" not in groups(client, sender)
    assert groups(client, w["xuexiao"])["confirm"].count == 1
    dispatch_services.stint_confirm(stint=stint, user=w["xuexiao"])
    assert "confirm" not in groups(client, w["xuexiao"])


def test_a_stint_sent_back_waits_for_the_teacher_on_their_own_page(client, w):
    stint = Stint.objects.get(pk=w["in_A1"][Stint].pk)
    stint.recorded_by = w["jiaoshi"]
    stint.save()
    dispatch_services.stint_send_back(stint=stint, user=w["xuexiao"], comment="补全")
    item = groups(client, w["jiaoshi"])["correct"].items[0]
    assert item.url == reverse("dispatch:teacher:stint_edit", args=[stint.pk])
    assert client.get(item.url).status_code == 302  # not logged in yet: to log in
    client.force_login(w["jiaoshi"])
    assert client.get(item.url).status_code == 200
    assert "correct" not in groups(client, w["jiaoshi_b1"])


def test_an_import_waits_for_the_user_who_uploaded_it(client, w):
    job = ImportJob.objects.create(
        user=w["xian"], record_type="persons", file_name="人员.xlsx", status="checked"
    )
    item = groups(client, w["xian"])["imports"].items[0]
    assert item.url == reverse("imports:detail", args=[job.pk])
    assert "imports" not in groups(client, w["sheng"])
    job.status = "applied"
    job.save()
    assert "imports" not in groups(client, w["xian"])


def test_the_forecasts_warnings_wait_on_the_pairings_they_concern(client, w):
    from reporting.compliance.forecast import warnings_for

    near_end = dt.date(2025, 1, 5)  # two weeks before the semester ends
    expected = warnings_for(w["xian"], today=near_end)
    assert expected, "the world's pairings miss some rule at this pace"
    group = groups(client, w["xian"], today=near_end)["warnings"]
    assert group.count == len(expected)
    assert [i.url for i in group.items] == [x.url for x in expected[:10]]
    assert [i.title for i in group.items] == [
        f"{x.pairing.name} · {x.rule_label}" for x in expected[:10]
    ]
    assert w["pA1"].name in {x.pairing.name for x in expected}
    # Another county's bureau sees none of 历下区's warnings.
    others = groups(client, w["xian_l"], today=near_end).get("warnings")
    names = {i.title.split(" · ")[0] for i in others.items} if others else set()
    assert w["pA1"].name not in names
    # Early in the semester nothing is raised yet.
    assert "warnings" not in groups(client, w["xian"], today=dt.date(2024, 10, 1))


def test_nothing_waiting_says_so(client, w):
    text = page(client, w["duxue"])
    assert "当前没有待办事项" in text


def test_the_inbox_costs_the_same_queries_however_much_waits(
    client, w, django_assert_max_num_queries
):
    submitted(w)
    client.force_login(w["sheng"])
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("inbox:index"))
    # Many more reports, periods' schools and stints waiting.
    for n in range(12):
        extra = world.school(f"历下新增小学{n}", w["A1"])
        report = SemesterReport.objects.create(school=extra, period=w["period"])
        report_services.report_submit(
            report=report, user=world.user(f"s{n}", "school", school_=extra)
        )
    ReportingPeriod.objects.filter(pk=w["period"].pk).update(
        deadline=dt.date.today() + dt.timedelta(days=3),
        lock_date=dt.date.today() + dt.timedelta(days=30),
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("inbox:index"))
