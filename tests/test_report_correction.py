"""The school's correction loop: the reviewer's return comment on the edit page, an
approved report that explains who can unlock it, attachments added without leaving
the form, and breadcrumbs that lead where each role may go."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reporting.models import ReportAttachment, ReportEvent, SemesterReport
from reporting.reports import services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48
IN_PLACE = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
# 2025-10-08 06:05 UTC is 14:05 in Beijing.
AT = dt.datetime(2025, 10, 8, 6, 5, tzinfo=dt.UTC)


@pytest.fixture
def report(w):
    today = timezone.localdate()
    w["period"].deadline = today + dt.timedelta(days=30)
    w["period"].lock_date = today + dt.timedelta(days=60)
    w["period"].save()
    SemesterReport.objects.filter(school=w["a1r"], period=w["period"]).delete()
    w["xian"].last_name, w["xian"].first_name = "王", "科长"
    w["xian"].save()
    return services.report_for(school=w["a1r"], period=w["period"], user=w["xuexiao"])


def at_fixed_time(report, action):
    """The report's last event of this kind, moved to AT."""
    event = report.events.filter(action=action).order_by("-pk").first()
    ReportEvent.objects.filter(pk=event.pk).update(created_at=AT)


def edit_url(report):
    return reverse("reporting:report_edit", args=[report.pk])


def returned(w, report, comment="请补充教研活动照片"):
    services.report_submit(report=report, user=w["xuexiao"])
    services.report_return(report=report, user=w["xian"], comment=comment)
    at_fixed_time(report, "return")
    return report


def approved(w, report):
    services.report_submit(report=report, user=w["xuexiao"])
    services.report_approve(report=report, user=w["xian"])
    at_fixed_time(report, "approve")
    return report


def text_of(response):
    """The page's main text, tags and blank runs removed."""
    html = response.content.decode()
    main = html[html.index("<main") :] if "<main" in html else html
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


class TestReturnCommentOnTheEditPage:
    def test_who_when_and_what_above_the_form(self, client, w, report):
        returned(w, report)
        client.force_login(w["xuexiao"])
        response = client.get(edit_url(report))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="return-comment"' in html
        # Above the form, not only in the timeline of another page.
        assert html.index('id="return-comment"') < html.index('id="report-form"')
        text = text_of(response)
        assert "请补充教研活动照片" in text
        assert "王科长" in text
        assert "2025年10月8日 14:05" in text  # Beijing time, not 06:05 UTC

    def test_the_latest_return_is_the_one_shown(self, client, w, report):
        returned(w, report, comment="第一次：缺少照片")
        services.report_submit(report=report, user=w["xuexiao"])
        services.report_return(
            report=report, user=w["xian"], comment="第二次：人数不对"
        )
        client.force_login(w["xuexiao"])
        text = text_of(client.get(edit_url(report)))
        assert "第二次：人数不对" in text
        assert "第一次：缺少照片" not in text

    def test_an_unlock_shows_its_reason(self, client, w, report):
        approved(w, report)
        services.report_unlock(report=report, user=w["shi"], reason="市里核对发现有误")
        client.force_login(w["xuexiao"])
        response = client.get(edit_url(report))
        assert response.status_code == 200
        assert "市里核对发现有误" in text_of(response)

    def test_a_draft_shows_no_comment_box(self, client, w, report):
        client.force_login(w["xuexiao"])
        assert (
            'id="return-comment"' not in client.get(edit_url(report)).content.decode()
        )


class TestTimeline:
    def test_local_time_and_no_doubled_words(self, client, w, report):
        returned(w, report)
        client.force_login(w["xuexiao"])
        page = client.get(reverse("reporting:report_detail", args=[report.pk]))
        html = page.content.decode()
        timeline = html[html.index('id="timeline"') :]
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", timeline))
        assert "2025年10月8日 14:05" in text
        assert "已退回" in text and "已退回 → 已退回" not in text
        assert "已提交 → 已提交" not in text
        assert "已创建 → 草稿" in text  # a step whose state says more is kept


class TestApprovedReportExplainsItself:
    def test_school_is_told_it_is_approved_and_who_unlocks(self, client, w, report):
        approved(w, report)
        client.force_login(w["xuexiao"])
        for response in (
            client.get(edit_url(report)),
            client.post(edit_url(report), {"practices": "改", "action": "save"}),
        ):
            assert response.status_code == 403
            text = text_of(response)
            assert "审核通过" in text
            assert "王科长" in text and "2025年10月8日 14:05" in text
            # The reviewing county cannot unlock; the city above it can.
            assert "济南市" in text and "历下区" in text
            # The site's layout: the menu and a way back to the report.
            html = response.content.decode()
            assert 'id="notification-bell"' in html
            assert reverse("reporting:report_detail", args=[report.pk]) in html
        report.refresh_from_db()
        assert report.practices == ""

    def test_a_save_refused_meanwhile_gives_the_typed_text_back(
        self, client, w, report
    ):
        """The report was approved while the school had the form open: their save
        is refused, and what they typed is shown back to copy, not lost."""
        approved(w, report)
        client.force_login(w["xuexiao"])
        typed = "每周两次送教下乡，本学期共十六次。"
        response = client.post(
            edit_url(report),
            {"practices": typed, "problems": "", "action": "save"},
        )
        assert response.status_code == 403
        html = response.content.decode()
        assert 'id="report-typed"' in html
        assert typed in html
        assert "主要做法" in text_of(response)
        # Opening the page is not a refused save: nothing to give back.
        assert 'id="report-typed"' not in client.get(edit_url(report)).content.decode()
        report.refresh_from_db()
        assert report.practices == ""

    def test_submitted_report_says_whom_to_ask(self, client, w, report):
        services.report_submit(report=report, user=w["xuexiao"])
        client.force_login(w["xuexiao"])
        response = client.get(edit_url(report))
        assert response.status_code == 403
        text = text_of(response)
        assert "等待" in text and "历下区" in text

    def test_a_report_out_of_scope_is_still_not_found(self, client, w, report):
        approved(w, report)
        client.force_login(w["school_b1"])
        assert client.get(edit_url(report)).status_code == 404


class TestAttachInPlace:
    """The page's script sends the upload in the background and swaps the
    attachments card, so the form with the unsaved text stays as it is."""

    def upload(self, client, report, content, name="照片说明.pdf"):
        return client.post(
            reverse("reporting:attachment_upload", args=[report.pk]),
            {"file": SimpleUploadedFile(name, content)},
            **IN_PLACE,
        )

    def test_upload_answers_with_the_card_not_a_redirect(self, client, w, report):
        client.force_login(w["xuexiao"])
        response = self.upload(client, report, PDF)
        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith('<div class="card mb-3" id="attachments"')
        assert "照片说明.pdf" in html and "已上传" in html
        assert ReportAttachment.objects.filter(report=report).count() == 1
        # Said in the card, not again on the next page.
        assert list(get_messages(response.wsgi_request)) == []

    def test_a_refused_file_is_said_in_the_card(self, client, w, report):
        client.force_login(w["xuexiao"])
        response = self.upload(client, report, EXE, name="病毒.exe")
        assert response.status_code == 400
        assert 'id="attachments"' in response.content.decode()
        assert "不支持此类文件" in response.content.decode()
        assert not ReportAttachment.objects.filter(report=report).exists()

    def test_delete_answers_with_the_card(self, client, w, report):
        client.force_login(w["xuexiao"])
        self.upload(client, report, PDF)
        attachment = ReportAttachment.objects.get(report=report)
        response = client.post(
            reverse("reporting:attachment_delete", args=[attachment.pk]), **IN_PLACE
        )
        assert response.status_code == 200
        assert "已删除" in response.content.decode()
        assert not ReportAttachment.objects.filter(report=report).exists()

    def test_a_report_approved_meanwhile_is_said_in_the_card(self, client, w, report):
        client.force_login(w["xuexiao"])
        approved(w, report)
        response = self.upload(client, report, PDF)
        assert response.status_code == 403
        html = response.content.decode()
        assert 'id="attachments"' in html and "当前不能修改" in html
        assert 'name="file"' not in html  # no upload offered any more
        assert not ReportAttachment.objects.filter(report=report).exists()

    def test_without_the_script_the_upload_still_redirects(self, client, w, report):
        client.force_login(w["xuexiao"])
        response = client.post(
            reverse("reporting:attachment_upload", args=[report.pk]),
            {"file": SimpleUploadedFile("a.pdf", PDF)},
        )
        assert response.status_code == 302
        assert response["Location"] == edit_url(report)

    def test_the_edit_page_loads_the_script(self, client, w, report):
        client.force_login(w["xuexiao"])
        html = client.get(edit_url(report)).content.decode()
        assert "js/report_form.js" in html


def breadcrumb_links(html):
    nav = re.search(r'<nav aria-label="breadcrumb">(.*?)</nav>', html, re.S)
    assert nav, "no breadcrumb"
    return re.findall(r'href="([^"]+)"', nav.group(1))


class TestBreadcrumbs:
    @pytest.mark.parametrize(
        "role", ["xuexiao", "xian", "shi", "sheng", "duxue", "admin"]
    )
    def test_every_link_on_the_report_page_opens(self, client, w, report, role):
        client.force_login(w[role])
        html = client.get(reverse("reporting:report_detail", args=[report.pk]))
        links = breadcrumb_links(html.content.decode())
        assert links
        for link in links:
            assert client.get(link).status_code == 200, link

    @pytest.mark.parametrize("role", ["xuexiao", "admin"])
    def test_every_link_on_the_edit_page_opens(self, client, w, report, role):
        client.force_login(w[role])
        response = client.get(edit_url(report))
        assert response.status_code == 200
        links = breadcrumb_links(response.content.decode())
        assert links
        for link in links:
            assert client.get(link).status_code == 200, link

    def test_school_staff_are_led_to_their_reports(self, client, w, report):
        client.force_login(w["xuexiao"])
        html = client.get(reverse("reporting:report_detail", args=[report.pk]))
        assert reverse("reporting:my_reports") in breadcrumb_links(
            html.content.decode()
        )
