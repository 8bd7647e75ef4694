"""Semester reports: prefilled figures, the workflow for each role, locking, and
optimistic locking."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from dispatch.models import Activity, Secondment, Stint
from pairings.models import School
from projects.models import Donation, FundingLine
from reporting.models import ReportEvent, ReportingPeriod, SemesterReport
from reporting.reports import services
from reporting.reports.prefill import FIGURES, prefill

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(w):
    # A fresh report, prefilled from the world's records; the period is still open.
    today = timezone.localdate()
    w["period"].deadline = today + dt.timedelta(days=30)
    w["period"].lock_date = today + dt.timedelta(days=60)
    w["period"].save()
    SemesterReport.objects.filter(school=w["a1r"], period=w["period"]).delete()
    return services.report_for(school=w["a1r"], period=w["period"], user=w["xuexiao"])


def figures_of(report):
    return {name: getattr(report, name) for name in FIGURES}


def form_data(report, **changes):
    data = {"version": report.version, "action": "save"}
    for name in FIGURES:
        data[name] = getattr(report, name)
        data[f"explain_{name}"] = ""
    data.update(practices="送教下乡", outcomes="", problems="", next_steps="")
    data.update(changes)
    return data


class TestPrefill:
    def test_figures_match_the_records_including_a_stint_across_the_boundary(self, w):
        period = w["period"]  # 2024-09-01 .. 2025-01-19
        a1s, a1r = w["a1s"], w["a1r"]
        secondment = w["in_A1"][Secondment]  # a1s → a1r, stint 2024-09-02 .. 10-30
        Stint.objects.create(
            secondment=secondment, start=dt.date(2025, 1, 10), end=dt.date(2025, 2, 28)
        )
        Activity.objects.create(
            pairing=w["pA1"],
            kind="demonstration_lesson",
            title="示范课",
            date=dt.date(2024, 11, 5),
            host_side="receiving",
            lessons=3,
            student_participants=40,
        )
        Activity.objects.create(
            pairing=w["pA1"],
            kind="lecture",
            title="讲座",
            date=dt.date(2025, 3, 1),
            host_side="receiving",
        )  # after the period
        FundingLine.objects.create(
            pairing=w["pA1"],
            source="county",
            year=2024,
            kind="received",
            amount=Decimal("12000.50"),
            date=dt.date(2024, 12, 1),
        )
        Donation.objects.create(
            donor_kind="school",
            donor_name=a1s.name,
            recipient_school=a1r,
            date=dt.date(2024, 12, 12),
            form="goods",
            category="books",
            quantity=100,
            unit="册",
            amount=Decimal("3000"),
        )
        figures = prefill(a1r, period)
        # Computed here from the fixture: the receiving school hosts one teacher, whose
        # stints give 59 days (2 Sep – 30 Oct) + 10 days (10–19 Jan) in the period.
        assert figures["secondments_in"] == 1
        assert figures["people_in"] == 1
        assert figures["days_in"] == 59 + 10
        assert figures["secondments_out"] == figures["days_out"] == 0
        assert figures["demonstration_lessons"] == 3
        assert figures["lectures"] == 0
        # the world's training activity (10 Oct 2024) belongs to pA1 too
        assert figures["training_sessions"] == 1
        assert figures["student_participants"] == 40
        assert figures["funds_received"] == Decimal("12000.50")
        assert figures["goods_value"] == Decimal("3000.00") + Decimal("4500.00")
        supporting = prefill(a1s, period)
        assert supporting["secondments_out"] == 1 and supporting["days_out"] == 69
        assert supporting["funds_received"] == 0  # funds go to the receiving side

    def test_a_new_report_starts_from_the_records(self, w, report):
        assert figures_of(report) == prefill(w["a1r"], w["period"])
        assert report.prefilled["days_in"] == report.days_in
        assert report.events.get().action == "create"


class TestSchoolFilesTheReport:
    def test_save_and_submit_through_the_form(self, client, w, report):
        client.force_login(w["xuexiao"])
        url = reverse("reporting:report_edit", args=[report.pk])
        response = client.post(url, form_data(report, action="submit"))
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == "submitted"
        assert report.practices == "送教下乡"
        assert not report.is_late  # today is after the deadline only in real life
        assert Notification.objects.filter(user=w["xian"]).exists()

    def test_a_changed_figure_needs_an_explanation(self, client, w, report):
        client.force_login(w["xuexiao"])
        url = reverse("reporting:report_edit", args=[report.pk])
        data = form_data(report, lectures=report.lectures + 2)
        page = client.post(url, data).content.decode()
        assert "请说明" in page
        assert f'value="{report.lectures + 2}"' in page  # input kept
        report.refresh_from_db()
        assert report.version == 1
        data["explain_lectures"] = "两场讲座由学校自行组织，未录入系统"
        assert client.post(url, data).status_code == 302
        report.refresh_from_db()
        assert report.lectures == data["lectures"]
        assert report.explanations == {"lectures": data["explain_lectures"]}

    def test_second_save_is_refused_and_keeps_the_input(self, client, w, report):
        client.force_login(w["xuexiao"])
        url = reverse("reporting:report_edit", args=[report.pk])
        first = form_data(report, practices="第一位老师的修改")
        second = form_data(report, practices="第二位老师的修改")
        assert client.post(url, first).status_code == 302
        response = client.post(url, second)
        page = response.content.decode()
        assert "其他人" in page
        assert "第二位老师的修改" in page
        report.refresh_from_db()
        assert report.practices == "第一位老师的修改"
        assert report.version == 2

    def test_late_submission_is_marked_late(self, w, report):
        deadline = w["period"].deadline
        late = timezone.make_aware(dt.datetime.combine(deadline, dt.time(9)))
        late += dt.timedelta(days=1)
        services.report_submit(report=report, user=w["xuexiao"], now=late)
        assert report.is_late

    def test_after_the_lock_date_only_an_unlock_lets_the_school_edit(self, w, report):
        lock = w["period"].lock_date
        after = lock + dt.timedelta(days=1)
        assert services.can_edit(w["xuexiao"], report, today=lock)
        assert not services.can_edit(w["xuexiao"], report, today=after)
        report.reopened = True
        assert services.can_edit(w["xuexiao"], report, today=after)


def submitted(w, report):
    return services.report_submit(report=report, user=w["xuexiao"])


class TestTransitions:
    """Every allowed and forbidden transition, for each role."""

    def test_return_needs_a_comment_and_notifies_the_school(self, w, report):
        submitted(w, report)
        with pytest.raises(ValidationError):
            services.report_return(report=report, user=w["xian"], comment=" ")
        services.report_return(
            report=report, user=w["xian"], comment="教研活动次数有误"
        )
        assert report.status == "returned"
        assert Notification.objects.filter(
            user=w["xuexiao"], message__contains="教研活动次数有误"
        )
        services.report_submit(report=report, user=w["xuexiao"])
        assert report.events.order_by("-id").first().action == "resubmit"

    @pytest.mark.parametrize("role", ["xuexiao", "duxue", "xian_b1", "school_b1"])
    def test_who_may_not_review(self, w, report, role):
        submitted(w, report)
        for step in (services.report_approve, services.report_return):
            with pytest.raises(PermissionDenied):
                step(report=report, user=w[role], comment="x")
        assert report.status == "submitted"

    @pytest.mark.parametrize("role", ["xian", "shi", "sheng", "admin"])
    def test_who_may_approve(self, w, report, role):
        submitted(w, report)
        services.report_approve(report=report, user=w[role])
        assert report.status == "approved" and report.approved_at

    @pytest.mark.parametrize("role", ["xian", "shi", "duxue", "xuexiao", "admin"])
    def test_a_draft_cannot_be_approved_or_returned(self, w, report, role):
        with pytest.raises((ValidationError, PermissionDenied)):
            services.report_approve(report=report, user=w[role])
        with pytest.raises((ValidationError, PermissionDenied)):
            services.report_return(report=report, user=w[role], comment="x")

    def test_only_school_staff_submit(self, w, report):
        for role in ("xian", "duxue", "school_b1"):
            with pytest.raises(PermissionDenied):
                services.report_submit(report=report, user=w[role])

    def test_unlock_needs_a_superior_and_a_reason(self, w, report):
        submitted(w, report)
        services.report_approve(report=report, user=w["xian"])
        with pytest.raises(PermissionDenied):
            services.report_unlock(report=report, user=w["xian"], reason="数据有误")
        with pytest.raises(ValidationError):
            services.report_unlock(report=report, user=w["shi"], reason="")
        services.report_unlock(report=report, user=w["shi"], reason="市里核对发现有误")
        assert report.status == "returned" and report.reopened
        assert report.events.order_by("-id").first().comment == "市里核对发现有误"

    def test_second_level_acceptance(self, w, report):
        w["period"].second_level_review = True
        w["period"].save()
        submitted(w, report)
        services.report_approve(report=report, user=w["xian"])
        with pytest.raises(PermissionDenied):
            services.report_accept(report=report, user=w["xian"])
        services.report_accept(report=report, user=w["shi"])
        assert report.accepted_at
        assert [e.action for e in report.events.order_by("id")] == [
            "create",
            "submit",
            "approve",
            "accept",
        ]


def stale(report):
    """A second copy of the report as another browser tab loaded it."""
    return SemesterReport.objects.select_related("school__region", "period").get(
        pk=report.pk
    )


def approvals_notified(w):
    return Notification.objects.filter(
        user=w["xuexiao"], message__contains="审核通过"
    ).count()


class TestConcurrentTransitions:
    """Two people acting on the same report from pages loaded before either acted:
    the second decides on the report as it is now, so exactly one step happens."""

    def review_events(self, report):
        return list(
            report.events.filter(action__in=["approve", "return"]).values_list(
                "action", "actor__username"
            )
        )

    def test_of_two_approvals_one_wins_and_the_other_is_told(self, w, report):
        submitted(w, report)
        first, second = stale(report), stale(report)
        services.report_approve(report=first, user=w["xian"])
        with pytest.raises(services.ConflictError) as refused:
            services.report_approve(report=second, user=w["shi"])
        assert refused.value.messages == ["已由他人审核。"]
        assert self.review_events(report) == [("approve", "xian")]
        assert approvals_notified(w) == 1

    def test_approve_against_return_exactly_one_wins(self, w, report):
        submitted(w, report)
        approving, returning = stale(report), stale(report)
        services.report_approve(report=approving, user=w["xian"])
        with pytest.raises(services.ConflictError) as refused:
            services.report_return(report=returning, user=w["shi"], comment="有误")
        assert refused.value.messages == ["已由他人审核。"]
        report.refresh_from_db()
        assert report.status == "approved"
        assert self.review_events(report) == [("approve", "xian")]
        assert not Notification.objects.filter(message__contains="有误").exists()

    def test_return_against_approve_exactly_one_wins(self, w, report):
        submitted(w, report)
        returning, approving = stale(report), stale(report)
        services.report_return(report=returning, user=w["shi"], comment="请补充")
        with pytest.raises(services.ConflictError):
            services.report_approve(report=approving, user=w["xian"])
        report.refresh_from_db()
        assert report.status == "returned"
        assert self.review_events(report) == [("return", "shi")]
        assert approvals_notified(w) == 0

    def test_the_same_reviewers_second_click_is_already_done(self, w, report):
        submitted(w, report)
        first, second = stale(report), stale(report)
        services.report_approve(report=first, user=w["xian"])
        with pytest.raises(services.AlreadyDone) as done:
            services.report_approve(report=second, user=w["xian"])
        assert done.value.messages == ["已审核通过。"]
        assert self.review_events(report) == [("approve", "xian")]
        assert approvals_notified(w) == 1

    def test_two_approvals_on_the_page_one_is_told(self, client, w, report):
        submitted(w, report)
        url = reverse("reporting:report_act", args=[report.pk])
        client.force_login(w["xian"])
        assert client.post(url, {"action": "approve"}).status_code == 302
        client.force_login(w["shi"])
        response = client.post(url, {"action": "approve"}, follow=True)
        assert "已由他人审核" in response.content.decode()
        assert self.review_events(report) == [("approve", "xian")]

    def test_two_approvals_in_the_api_the_second_is_409(self, w, report):
        from rest_framework.test import APIClient

        submitted(w, report)
        url = f"/api/v1/reports/{report.pk}/approve/"
        first, second = APIClient(), APIClient()
        first.force_authenticate(w["xian"])
        second.force_authenticate(w["shi"])
        assert first.post(url).status_code == 200
        response = second.post(url)
        assert response.status_code == 409
        assert response.json() == {"detail": "已由他人审核。"}
        assert approvals_notified(w) == 1


class TestRepeatedSubmit:
    """A second click on 提交, or the form sent again from the back button."""

    def submit_events(self, report):
        return report.events.filter(action="submit").count()

    def test_the_report_form_sent_twice_says_already_submitted(self, client, w, report):
        client.force_login(w["xuexiao"])
        url = reverse("reporting:report_edit", args=[report.pk])
        data = form_data(report, action="submit")
        first = client.post(url, data)
        assert first["Location"] == reverse("reporting:report_detail", args=[report.pk])
        again = client.post(url, data, follow=True)
        assert again.status_code == 200
        assert again.redirect_chain[-1][0] == reverse(
            "reporting:report_detail", args=[report.pk]
        )
        shown = [(m.level_tag, str(m)) for m in again.context["messages"]]
        assert ("info", "已提交。") in shown
        assert self.submit_events(report) == 1

    def test_the_submit_button_pressed_twice(self, client, w, report):
        client.force_login(w["xuexiao"])
        url = reverse("reporting:report_act", args=[report.pk])
        assert client.post(url, {"action": "submit"}, follow=True).status_code == 200
        again = client.post(url, {"action": "submit"}, follow=True)
        shown = [(m.level_tag, str(m)) for m in again.context["messages"]]
        assert shown == [("info", "已提交。")]
        assert self.submit_events(report) == 1
        assert Notification.objects.filter(message__contains="提交").count() == 1

    def test_a_retried_submit_in_the_api_answers_the_report(self, w, report):
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(w["xuexiao"])
        url = f"/api/v1/reports/{report.pk}/submit/"
        assert client.post(url).status_code == 200
        again = client.post(url)
        assert again.status_code == 200
        assert again.json()["status"] == "submitted"
        assert self.submit_events(report) == 1

    def test_someone_elses_submit_is_still_refused(self, client, w, report):
        submitted(w, report)
        client.force_login(w["school_b1"])
        url = reverse("reporting:report_edit", args=[report.pk])
        # Out of scope: not found, whatever the button.
        assert client.post(url, {"action": "submit"}).status_code == 404


class TestApprovedIsLocked:
    def approved(self, w, report):
        submitted(w, report)
        return services.report_approve(report=report, user=w["xian"])

    def test_form_refuses(self, client, w, report):
        self.approved(w, report)
        client.force_login(w["xuexiao"])
        url = reverse("reporting:report_edit", args=[report.pk])
        assert client.get(url).status_code == 403
        assert (
            client.post(url, form_data(report, practices="偷偷改")).status_code == 403
        )
        with pytest.raises(PermissionDenied):
            services.report_save(
                report=report,
                user=w["xuexiao"],
                version=report.version,
                figures=figures_of(report),
                explanations={},
                narrative={"practices": "改"},
            )
        report.refresh_from_db()
        assert report.practices == ""  # the narrative was never saved

    def test_admin_refuses(self, client, w, report):
        self.approved(w, report)
        client.force_login(w["admin"])
        response = client.post(
            f"/admin/reporting/semesterreport/{report.pk}/change/", {"practices": "改"}
        )
        assert response.status_code == 403
        report.refresh_from_db()
        assert report.practices != "改"


class TestPages:
    def test_timeline_shows_who_when_what_why(self, client, w, report):
        submitted(w, report)
        services.report_return(report=report, user=w["xian"], comment="请补充照片")
        client.force_login(w["xuexiao"])
        page = client.get(reverse("reporting:report_detail", args=[report.pk])).content
        page = page.decode()
        assert "请补充照片" in page and "已退回" in page

    def test_review_buttons_only_for_reviewers(self, client, w, report):
        submitted(w, report)
        url = reverse("reporting:report_detail", args=[report.pk])
        client.force_login(w["duxue"])
        assert 'value="approve"' not in client.get(url).content.decode()
        client.force_login(w["xian"])
        assert 'value="approve"' in client.get(url).content.decode()
        response = client.post(
            reverse("reporting:report_act", args=[report.pk]), {"action": "approve"}
        )
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == "approved"

    def test_review_queue_queries_do_not_grow_with_rows(self, client, w, report):
        client.force_login(w["sheng"])
        url = reverse("reporting:review")
        client.get(url)  # the session, menu and unread count are cached from then on
        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        schools = list(School.objects.all())
        for year in (2021, 2022, 2023):
            period = ReportingPeriod.objects.create(
                school_year=year,
                semester="autumn",
                start=dt.date(year, 9, 1),
                end=dt.date(year + 1, 1, 20),
                deadline=dt.date(year + 1, 2, 10),
                lock_date=dt.date(year + 1, 3, 1),
            )
            SemesterReport.objects.bulk_create(
                SemesterReport(school=school, period=period) for school in schools
            )
        with CaptureQueriesContext(connection) as many:
            response = client.get(url)
        assert len(response.context["page"]) > len(schools)
        assert len(many) == len(few)

    def test_review_queue_says_when_a_filter_is_not_valid(self, client, w, report):
        client.force_login(w["xian"])
        url = reverse("reporting:review")
        assert len(client.get(url).context["page"]) > 0
        # Another county's school is not a choice: said so, and nothing listed
        # (rather than every report, as if filtered).
        response = client.get(url, {"school": w["b1r"].pk})
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()
        assert len(response.context["page"]) == 0

    def test_bulk_approve_in_the_review_queue(self, client, w, report):
        submitted(w, report)
        other = services.report_for(school=w["a1s"], period=w["period"])
        client.force_login(w["xian"])
        response = client.post(
            reverse("reporting:review"), {"report": [report.pk, other.pk]}
        )
        assert response.status_code == 302
        report.refresh_from_db()
        other.refresh_from_db()
        assert report.status == "approved"
        assert other.status == "draft"  # not submitted: skipped, named in a warning

    def test_my_reports_tabs(self, client, w, report):
        client.force_login(w["xuexiao"])
        response = client.get(reverse("reporting:my_reports"))
        assert report in response.context["reports"]
        submitted(w, report)
        response = client.get(reverse("reporting:my_reports"), {"tab": "submitted"})
        assert report in response.context["reports"]
        client.force_login(w["xian"])
        assert client.get(reverse("reporting:my_reports")).status_code == 404

    def test_school_starts_an_expected_report(self, client, w):
        client.force_login(w["xuexiao"])
        SemesterReport.objects.filter(school=w["a1r"]).delete()
        response = client.post(
            reverse("reporting:report_start", args=[w["a1r"].pk, w["period"].pk])
        )
        report = SemesterReport.objects.get(school=w["a1r"], period=w["period"])
        assert response["Location"] == reverse(
            "reporting:report_edit", args=[report.pk]
        )
        before = ReportEvent.objects.count()
        response = client.post(
            reverse("reporting:report_start", args=[w["b1r"].pk, w["period"].pk])
        )
        assert response.status_code == 404
        assert ReportEvent.objects.count() == before
