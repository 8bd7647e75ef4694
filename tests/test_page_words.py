"""What a clerk reads on the pages the page-text check found wrong: history and
audit pages in labels and local time, words that depend on their context, the
download centre's description of each job, the statistics page's workbook button,
the site's own password page, and no 添加 button that always fails."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from core.audit import audit_context
from core.models import AuditEntry
from core.templatetags.duikou import browser
from dispatch.models import Person
from pairings.models import Pairing, School
from projects.models import AidProject
from reporting.models import ExportJob

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def clerk_time(moment: dt.datetime) -> str:
    """2025年10月8日 14:05, on the clock in Shanghai: written here, not by the code."""
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_history_shows_labels_choice_words_names_and_local_time(client, w):
    pairing = w["pA1"]
    with audit_context(user=w["xian"], source="web"):
        pairing.status = "terminated"
        pairing.end_date = dt.date(2026, 7, 31)
        pairing.save()
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Pairing),
        object_id=str(pairing.pk),
        action="update",
    ).latest("id")
    client.force_login(w["xian"])
    response = client.get(f"/history/pairings/pairing/{pairing.pk}/")
    text = visible_text(response)
    assert clerk_time(entry.time) in text
    assert "执行中" in text and "已终止" in text  # active → terminated, as labels
    assert "2026年7月31日" in text
    assert "结束日期" in text  # the field's label, not end_date
    for raw in ("terminated", "end_date", "UTC", "+00:00", "True", "False"):
        assert raw not in text, raw
    # The creation lists the programme by its name, not its id.
    assert pairing.programme.name in text


def test_history_of_a_time_field_is_in_local_time(client, w):
    report = w["in_A1"][next(m for m in w["in_A1"] if m.__name__ == "SemesterReport")]
    submitted = dt.datetime(2025, 1, 20, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai
    with audit_context(user=w["xuexiao"], source="web"):
        report.status = "submitted"
        report.submitted_at = submitted
        report.save()
    client.force_login(w["xian"])
    text = visible_text(client.get(f"/history/reporting/semesterreport/{report.pk}/"))
    assert "2025年1月20日 09:30" in text
    assert "2025-01-20T01:30" not in text


def test_audit_log_names_fields_by_label(client, w):
    person = w["in_A1"][Person]
    with audit_context(user=w["xian"], source="web"):
        person.subject = "english"
        person.save()
    client.force_login(w["xian"])
    text = visible_text(client.get("/audit/?model=dispatch.person"))
    assert "学科" in text and "英语" in text and "数学" in text
    assert "subject" not in text and "english" not in text


def test_audit_export_writes_labels(client, w):
    from io import BytesIO

    from openpyxl import load_workbook

    person = w["in_A1"][Person]
    with audit_context(user=w["xian"], source="web"):
        person.subject = "english"
        person.save()
    client.force_login(w["xian"])
    response = client.get("/audit/export.xlsx?model=dispatch.person")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any("学科：数学 → 英语" in c for c in cells)


@pytest.mark.parametrize(
    ("agent", "named"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
            "like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0",
            "Edge · Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605 "
            "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0",
            "微信 · iPhone",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0", "Chrome · Linux"),
        ("", "—"),
    ],
)
def test_login_log_names_the_browser_as_a_clerk_would(agent, named):
    with translation.override("zh-hans"):
        assert browser(agent) == named


def test_words_that_depend_on_their_context(client, w):
    """英语 the subject is not English the language; a project's phase is not a
    report's or a secondment's status; a rule is 达标, not 合格."""
    from dispatch.choices import SecondmentStatus, Subject
    from projects.choices import ProjectPhase

    with translation.override("zh-hans"):
        assert str(Subject.ENGLISH.label) == "英语"
        assert str(ProjectPhase.APPROVED.label) == "已立项"
        assert str(ProjectPhase.COMPLETED.label) == "已竣工"
        assert str(SecondmentStatus.COMPLETED.label) == "期满"
        assert str(Person._meta.get_field("name").verbose_name) == "姓名"
    client.force_login(w["xian"])
    page = client.get("/")
    assert 'lang="en"' in page.content.decode()  # the switcher's own "English"
    person = w["in_A1"][Person]
    person.subject = "english"
    person.save()
    text = visible_text(client.get(f"/people/{person.pk}/"))
    assert "英语" in text
    project = w["in_A1"][AidProject]
    text = visible_text(client.get(f"/projects/{project.pk}/"))
    assert "已立项" in text and "已审核" not in text
    text = visible_text(client.get(f"/pairings/{w['pA1'].pk}/"))
    assert "合格" not in text.replace("不合格", "")  # rules say 达标


def test_download_centre_says_what_each_job_covers(
    client, w, django_assert_max_num_queries
):
    client.force_login(w["xian"])
    period = w["period"]
    ExportJob.objects.create(
        user=w["xian"],
        table="partner_assistance",
        filters={"span": "school_year", "year": 2024, "region": w["A1"].pk},
    )
    ExportJob.objects.create(
        user=w["xian"],
        table="roster",
        filters={"span": "semester", "semester": period.pk},
        status="done",
        stage="完成",
    )
    text = visible_text(client.get("/exports/"))
    assert "对口支援工作统计表" in text and "支教人员花名册" in text
    assert "2024-2025 学年" in text
    assert "历下区" in text
    assert "本人全部数据范围" in text  # the job without a region
    assert "已完成 完成" not in text
    # More jobs, naming more periods and regions, cost no more queries.
    with django_assert_max_num_queries(30) as few:
        client.get("/exports/")
    for year in (2021, 2022, 2023):
        ExportJob.objects.create(
            user=w["xian"],
            table="funds_goods",
            filters={"span": "school_year", "year": year, "region": w["A1"].pk},
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/exports/")


def test_export_detail_does_not_say_done_twice(client, w):
    job = ExportJob.objects.create(
        user=w["xian"], table="roster", status="done", stage="完成"
    )
    client.force_login(w["xian"])
    text = visible_text(client.get(f"/exports/{job.pk}/"))
    assert "已完成" in text
    assert "完成 完成" not in text and "已完成 完成" not in text


def test_statistics_page_offers_the_workbook_without_a_preview(client, w):
    client.force_login(w["xian"])
    page = client.get("/statistics/").content.decode()
    assert 'id="export-yearly"' in page
    button = re.search(r'<button[^>]*id="export-yearly"[^>]*>', page).group(0)
    assert 'formmethod="post"' in button
    assert 'formaction="/exports/request/"' in button
    table = re.search(r'name="table" value="([^"]+)"', button).group(1)
    # What the button sends: its own value and the form's filters as they stand.
    response = client.post(
        "/exports/request/", {"table": table, "span": "school_year", "year": 2024}
    )
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.get_table_display() == "年度统计报表"
    assert response["Location"] == f"/exports/{job.pk}/"


def test_password_change_uses_the_site_layout(client, w):
    client.force_login(w["xuexiao"])
    response = client.get("/accounts/password/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "/admin/" not in page
    assert 'class="navbar' in page  # the site's own menu bar
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "demo12345",
            "new_password1": "Xq7-ten-letters",
            "new_password2": "Xq7-ten-letters",
        },
    )
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert "/admin/" not in done and "密码已修改" in done


def test_school_staff_see_no_add_button_that_always_fails(client, w):
    client.force_login(w["xuexiao"])
    page = client.get("/schools/").content.decode()
    assert "/schools/add/" not in page
    assert client.get("/schools/add/").status_code == 403
    schools = School.objects.count()
    response = client.post(
        "/api/v1/schools/",
        {"name": "新学校", "code": "3700009999", "region": w["A1"].pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert School.objects.count() == schools
    # What they may add, they still see: an activity of their pairing.
    assert "/activities/add/" in client.get("/activities/").content.decode()
    # And their own school they may still edit.
    assert client.get(f"/schools/{w['a1r'].pk}/edit/").status_code == 200


def test_the_audit_export_reads_a_jobs_filters_as_what_it_covers(
    client, w, django_assert_max_num_queries
):
    from io import BytesIO

    from openpyxl import load_workbook

    def jobs(n):
        for year in range(2024 - n, 2024):
            ExportJob.objects.create(
                user=w["xian"],
                table="roster",
                filters={"span": "school_year", "year": year, "region": w["A1"].pk},
            )

    def cells():
        response = client.get("/audit/export.xlsx?model=reporting.exportjob")
        book = load_workbook(BytesIO(b"".join(response.streaming_content)))
        return [str(c) for r in book.active.iter_rows(values_only=True) for c in r]

    client.force_login(w["admin"])  # a job's entries are the administrators'
    jobs(1)
    with django_assert_max_num_queries(40) as few:
        found = cells()
    assert any("2023-2024 学年 · 历下区" in c for c in found)
    assert not any("school_year" in c or "span" in c for c in found)
    jobs(5)  # five more jobs on the log: no more queries to read them
    with django_assert_max_num_queries(len(few.captured_queries)):
        found = cells()
    assert any("2019-2020 学年 · 历下区" in c for c in found)
