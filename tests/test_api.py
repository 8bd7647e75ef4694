"""The REST API: tokens, writes through the browser's forms (same rules, same
messages, nothing half-saved), the report workflow, statistics as JSON, export jobs,
the OpenAPI schema and docs pages, and query counts of every list endpoint."""

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from config.api_urls import router
from core.api.authentication import token_create
from core.api.viewsets import ScopedReadViewSet
from core.models import ApiToken, AuditEntry, Notification
from dispatch.models import Person, Secondment, Stint
from pairings.models import Pairing, School
from reporting.models import (
    ExportJob,
    ReportAttachment,
    ReportingPeriod,
    SemesterReport,
)
from reporting.reports import services
from reporting.statistics import partner_assistance
from reporting.statistics.base import Spec

pytestmark = pytest.mark.django_db


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


# Tokens ----------------------------------------------------------------------------


def test_token_created_in_the_ui_reads_the_api_and_revoking_stops_it(client, w):
    client.force_login(w["xian"])
    page = client.post("/accounts/tokens/", {"name": "省平台同步"})
    assert page.status_code == 200
    key = re.search(r'id="new-token-key">([^<]+)<', page.content.decode()).group(1)
    token = ApiToken.objects.get(user=w["xian"])
    assert token.key_hash != key and key.startswith(token.prefix)
    # The key is shown once: the list page does not show it again.
    assert key not in client.get("/accounts/tokens/").content.decode()

    client.logout()
    response = client.get("/api/v1/schools/", **auth(key))
    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    assert w["a1r"].name in names and w["b1r"].name not in names

    client.force_login(w["xian"])
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    client.logout()
    response = client.get("/api/v1/schools/", **auth(key))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_is_revoked_only_by_its_owner(client, w):
    token, _key = token_create(user=w["xian"], name="x")
    client.force_login(w["sheng"])
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_writes_with_a_token_are_audited_as_the_tokens_owner(client, w):
    _token, key = token_create(user=w["xian"], name="sync")
    school = w["a1r"]
    response = client.patch(
        f"/api/v1/schools/{school.pk}/",
        {"address": "历下区文化东路 1 号"},
        content_type="application/json",
        **auth(key),
    )
    assert response.status_code == 200, response.content
    school.refresh_from_db()
    assert school.address == "历下区文化东路 1 号"
    entry = AuditEntry.objects.filter(object_id=str(school.pk)).latest("pk")
    assert (entry.user_id, entry.source) == (w["xian"].pk, "api")
    assert entry.changes["address"][1] == "历下区文化东路 1 号"


# Validation and writes -------------------------------------------------------------


def secondment_payload(w, **extra):
    return {
        "pairing": w["pA1"].pk,
        "person": w["in_A1"][Secondment].person_id,
        "direction": "to_receiving",
        "kind": "teaching",
        "sending_school": w["a1s"].pk,
        "host_school": w["a1r"].pk,
        "batch": 2,
        "planned_start": "2025-02-17",
        "planned_end": "2025-07-10",
        "status": "on_post",
        "subject": "maths",
        "weekly_periods": 12,
        **extra,
    }


def test_secondment_with_nested_stints_is_created_in_one_go(client, w):
    client.force_login(w["xian"])
    payload = secondment_payload(
        w,
        stints=[
            {"start": "2025-02-17", "end": "2025-04-30"},
            {"start": "2025-05-06", "end": "2025-07-10", "note": "第二段"},
        ],
    )
    response = client.post(
        "/api/v1/secondments/", payload, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    created = Secondment.objects.get(pk=body["id"])
    assert [(s.start, s.end) for s in created.stints.order_by("start")] == [
        (dt.date(2025, 2, 17), dt.date(2025, 4, 30)),
        (dt.date(2025, 5, 6), dt.date(2025, 7, 10)),
    ]
    assert [s["days"] for s in body["stints"]] == [73, 66]

    # Replace: keep the first (changed), drop the second, add a third.
    first = body["stints"][0]["id"]
    response = client.patch(
        f"/api/v1/secondments/{created.pk}/",
        {
            "stints": [
                {"id": first, "start": "2025-02-17", "end": "2025-03-31"},
                {"start": "2025-06-01", "end": "2025-06-30"},
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert [(s.start, s.end) for s in created.stints.order_by("start")] == [
        (dt.date(2025, 2, 17), dt.date(2025, 3, 31)),
        (dt.date(2025, 6, 1), dt.date(2025, 6, 30)),
    ]
    assert created.stints.filter(pk=first).exists()


def test_overlapping_stints_are_refused_and_nothing_is_saved(client, w):
    client.force_login(w["xian"])
    before = (Secondment.objects.count(), Stint.objects.count())
    payload = secondment_payload(
        w,
        stints=[
            {"start": "2025-02-17", "end": "2025-04-30"},
            {"start": "2025-04-01", "end": "2025-05-30"},
        ],
    )
    response = client.post(
        "/api/v1/secondments/", payload, content_type="application/json"
    )
    assert response.status_code == 400
    errors = response.json()["stints"]
    assert "重叠" in " ".join(errors[1]["start"])
    assert (Secondment.objects.count(), Stint.objects.count()) == before


def test_field_errors_come_in_the_requests_language(client, w):
    client.force_login(w["xian"])
    payload = {"name": "", "code": "12", "region": w["A1"].pk}
    chinese = client.post("/api/v1/schools/", payload, content_type="application/json")
    english = client.post(
        "/api/v1/schools/",
        payload,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert chinese.status_code == english.status_code == 400
    assert chinese["Content-Language"] == "zh-hans"
    assert english["Content-Language"] == "en"
    assert chinese.json()["name"] == ["该字段不能为空。"]
    assert english.json()["name"] == ["This field may not be blank."]
    assert "code" in chinese.json() and "code" in english.json()


def test_a_school_outside_the_scope_is_not_a_valid_choice(client, w):
    """The form's scoped choices: the API cannot attach another county's school."""
    client.force_login(w["xian"])
    response = client.post(
        "/api/v1/pairings/",
        {
            "programme": w["pA1"].programme_id,
            "name": "越界结对",
            "status": "active",
            "start_date": "2025-09-01",
            "end_date": "2028-08-31",
            "supporting": [w["a1s"].pk],
            "receiving": [w["b1r"].pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "receiving" in response.json()
    assert not Pairing.objects.filter(name="越界结对").exists()


def test_type_errors_are_400_not_500(client, w):
    client.force_login(w["xian"])
    for payload in (
        {"pairing": "abc"},
        {"planned_start": "not a date"},
        {"batch": 10**30},
        {"stints": "x"},
        {"stints": [{"id": 999999, "start": "2025-01-01", "end": "2025-01-02"}]},
    ):
        response = client.patch(
            f"/api/v1/secondments/{w['in_A1'][Secondment].pk}/",
            payload,
            content_type="application/json",
        )
        assert response.status_code == 400, (payload, response.content)


def test_delete_of_a_referenced_object_is_409(client, w):
    client.force_login(w["xian"])
    school = w["a1s"]
    response = client.delete(f"/api/v1/schools/{school.pk}/")
    assert response.status_code == 409
    assert School.objects.filter(pk=school.pk).exists()


# Report workflow ---------------------------------------------------------------------


def act(client, url, action, **body):
    return client.post(f"{url}{action}/", body, content_type="application/json")


@pytest.fixture
def open_period(w):
    today = dt.date.today()
    return ReportingPeriod.objects.create(
        school_year=today.year,
        semester="autumn" if today.month >= 8 else "spring",
        start=today - dt.timedelta(days=60),
        end=today + dt.timedelta(days=30),
        deadline=today + dt.timedelta(days=40),
        lock_date=today + dt.timedelta(days=60),
    )


def test_report_workflow_through_the_api_follows_the_browsers_rules(
    client, w, open_period
):
    school_user, county = w["xuexiao"], w["xian"]
    client.force_login(school_user)
    started = client.post(
        "/api/v1/reports/",
        {"school": w["a1r"].pk, "period": open_period.pk},
        content_type="application/json",
    )
    assert started.status_code == 200, started.content
    report = started.json()
    url = f"/api/v1/reports/{report['id']}/"

    # A changed figure needs an explanation (the service's rule).
    changed = report["lectures"] + 3
    response = client.patch(
        url,
        {"version": report["version"], "lectures": changed},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "lectures" in response.json()
    response = client.patch(
        url,
        {
            "version": report["version"],
            "lectures": changed,
            "explanations": {"lectures": "含线上讲座"},
            "practices": "师徒结对",
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    saved = response.json()
    assert (saved["lectures"], saved["practices"]) == (changed, "师徒结对")

    # The version read before is stale now: 409 and nothing written.
    stale = client.patch(
        url,
        {"version": report["version"], "practices": "覆盖"},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert SemesterReport.objects.get(pk=report["id"]).practices == "师徒结对"

    # The school cannot approve its own report.
    assert act(client, url, "submit").status_code == 200
    assert act(client, url, "approve").status_code == 403

    client.force_login(county)
    assert act(client, url, "return").status_code == 400  # comment required
    assert act(client, url, "approve").json()["status"] == "approved"

    # Approved is locked: the school can neither change nor resubmit it.
    client.force_login(school_user)
    current = SemesterReport.objects.get(pk=report["id"])
    response = client.patch(
        url,
        {"version": current.version, "practices": "改动"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert act(client, url, "submit").status_code == 403
    current.refresh_from_db()
    assert (current.status, current.practices) == ("approved", "师徒结对")
    actions = [e["action"] for e in client.get(url).json()["events"]]
    assert actions == ["create", "save", "submit", "approve"]


def test_unlock_and_city_acceptance_through_the_api(client, w, open_period):
    """Only a superior unlocks an approved report, with a reason; the school may
    then change it again. The city accepts a county's approval once."""
    open_period.second_level_review = True
    open_period.save()
    report = services.report_for(school=w["a1r"], period=open_period, user=w["xuexiao"])
    url = f"/api/v1/reports/{report.pk}/"
    client.force_login(w["xuexiao"])
    assert act(client, url, "submit").status_code == 200
    client.force_login(w["xian"])
    assert act(client, url, "approve").status_code == 200
    # The approving county is not its own superior.
    assert act(client, url, "unlock", comment="数字有误").status_code == 403
    assert act(client, url, "accept").status_code == 403

    client.force_login(w["shi"])
    response = act(client, url, "accept")
    assert response.status_code == 200 and response.json()["accepted_at"]
    assert act(client, url, "accept").status_code == 400  # only once
    response = act(client, url, "unlock")
    assert response.status_code == 400 and "comment" in response.json()
    response = act(client, url, "unlock", comment="培训人次填错，请更正")
    assert response.status_code == 200
    unlocked = response.json()
    assert (unlocked["status"], unlocked["accepted_at"]) == ("returned", None)
    assert unlocked["events"][-1]["comment"] == "培训人次填错，请更正"

    client.force_login(w["xuexiao"])
    response = client.patch(
        url,
        {"version": unlocked["version"], "problems": "已更正"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert SemesterReport.objects.get(pk=report.pk).problems == "已更正"


def test_the_review_queue_and_the_api_filter_and_sort_reports_alike(client, w):
    """One FilterSet and one order: the page and the endpoint list the same reports
    in the same order for the same query."""
    periods = [w["period"]]
    for year in (2023, 2024):
        periods.append(
            ReportingPeriod.objects.create(
                school_year=year,
                semester="spring",
                start=dt.date(year + 1, 2, 17),
                end=dt.date(year + 1, 7, 10),
                deadline=dt.date(year + 1, 7, 31),
                lock_date=dt.date(year + 1, 8, 31),
            )
        )
    statuses = ["submitted", "approved", "draft", "returned"]
    for n, school in enumerate(School.objects.order_by("pk")):
        for k, period in enumerate(periods[1:]):
            SemesterReport.objects.create(
                school=school,
                period=period,
                status=statuses[(n + k) % len(statuses)],
                is_late=bool((n + k) % 3 == 0),
            )
    client.force_login(w["sheng"])
    for query in (
        "",
        "status=submitted",
        "is_late=true",
        f"period={periods[1].pk}&status=approved",
        f"region={w['A'].pk}",
        "q=历下",
    ):
        page = client.get(f"/reports/review/?{query}")
        assert page.status_code == 200, query
        shown = [r.pk for r in page.context["page"].object_list]
        api = client.get(f"/api/v1/reports/?{query}&page_size=50").json()
        assert shown, query  # the world has rows for every one of these
        assert [r["id"] for r in api["results"]] == shown, query
        assert api["count"] == page.context["page"].paginator.count, query


def test_only_the_schools_own_staff_start_a_report(client, w, open_period):
    client.force_login(w["xuexiao"])
    response = client.post(
        "/api/v1/reports/",
        {"school": w["b1r"].pk, "period": open_period.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not SemesterReport.objects.filter(school=w["b1r"], period=open_period)


# Report attachments ------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48


@pytest.fixture
def editable_report(w, settings, tmp_path):
    """The school's draft report, inside its editing window, with no attachment."""
    settings.MEDIA_ROOT = tmp_path / "media"
    period = w["period"]
    period.lock_date = dt.date.today() + dt.timedelta(days=30)
    period.save()
    ReportAttachment.objects.all().delete()  # the world's point at no file
    return w["in_A1"][SemesterReport]


def attach(client, report, name, content, **headers):
    return client.post(
        f"/api/v1/reports/{report.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content)},
        **headers,
    )


def stored(settings) -> list:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_the_school_attaches_a_file_with_a_token_and_the_county_downloads_it(
    client, w, settings, editable_report
):
    key = token_create(user=w["xuexiao"], name="校园平台")[1]
    response = attach(client, editable_report, "学期总结.pdf", PDF, **auth(key))
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["content_type"], created["size"]) == (
        "学期总结.pdf",
        "application/pdf",
        len(PDF),
    )
    attachment = ReportAttachment.objects.get(pk=created["id"])
    assert attachment.uploaded_by == w["xuexiao"]
    assert len(stored(settings)) == 1
    assert "学期总结" not in stored(settings)[0].name  # stored under a random name
    assert AuditEntry.objects.filter(
        user=w["xuexiao"],
        action="create",
        object_id=str(attachment.pk),
    ).exists()

    client.force_login(w["xian"])
    report = client.get(f"/api/v1/reports/{editable_report.pk}/").json()
    assert [a["id"] for a in report["attachments"]] == [attachment.pk]
    listed = client.get(f"/api/v1/report-attachments/?report={editable_report.pk}")
    assert [a["id"] for a in listed.json()["results"]] == [attachment.pk]
    download = client.get(created["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"

    # The county reads it but neither adds nor removes files of the school's report.
    assert attach(client, editable_report, "b.pdf", PDF).status_code == 403
    url = f"/api/v1/report-attachments/{attachment.pk}/"
    assert client.delete(url).status_code == 403
    assert ReportAttachment.objects.count() == 1 and len(stored(settings)) == 1

    # Another county's bureau and school do not find it.
    for role in ("xian_b1", "school_b1"):
        client.force_login(w[role])
        for path in (url, created["download"]):
            assert client.get(path).status_code == 404, (role, path)
        assert client.delete(url).status_code == 404
        assert attach(client, editable_report, "c.pdf", PDF).status_code == 404
    assert ReportAttachment.objects.count() == 1


def test_a_refused_file_is_400_in_chinese_and_nothing_is_stored(
    client, w, settings, editable_report
):
    client.force_login(w["xuexiao"])
    response = attach(client, editable_report, "总结.pdf", EXE)
    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith("不支持此类文件")
    response = client.post(f"/api/v1/reports/{editable_report.pk}/attachments/", {})
    assert response.status_code == 400 and "file" in response.json()
    response = client.post(
        f"/api/v1/reports/{editable_report.pk}/attachments/",
        {"file": "x"},
        content_type="application/json",
    )
    assert response.status_code == 415
    assert not ReportAttachment.objects.exists() and stored(settings) == []


def test_the_school_removes_a_file_until_the_report_is_approved(
    client, w, settings, editable_report, django_capture_on_commit_callbacks
):
    client.force_login(w["xuexiao"])
    first = attach(client, editable_report, "a.pdf", PDF).json()
    second = attach(client, editable_report, "b.pdf", PDF).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/v1/report-attachments/{first['id']}/")
    assert response.status_code == 204
    assert list(ReportAttachment.objects.values_list("pk", flat=True)) == [second["id"]]
    assert len(stored(settings)) == 1

    assert (
        act(client, f"/api/v1/reports/{editable_report.pk}/", "submit").status_code
        == 200
    )
    client.force_login(w["xian"])
    assert (
        act(client, f"/api/v1/reports/{editable_report.pk}/", "approve").status_code
        == 200
    )
    client.force_login(w["xuexiao"])
    # Approved is locked: no file added or removed.
    assert attach(client, editable_report, "c.pdf", PDF).status_code == 403
    response = client.delete(f"/api/v1/report-attachments/{second['id']}/")
    assert response.status_code == 403
    assert ReportAttachment.objects.count() == 1 and len(stored(settings)) == 1


# Audit trail and notifications -----------------------------------------------------


def test_the_audit_trail_reads_as_on_the_audit_page(client, w):
    w["a1r"].name = "A1改名"
    w["a1r"].save()
    w["b1r"].name = "B1改名"
    w["b1r"].save()
    client.force_login(w["xian"])
    response = client.get("/api/v1/audit/?model=pairings.school&action=update")
    assert response.status_code == 200
    rows = response.json()["results"]
    names = [row["object_repr"] for row in rows]
    assert "A1改名" in names and "B1改名" not in names
    assert {(row["model"], row["action"]) for row in rows} == {
        ("pairings.school", "update")
    }
    entry = next(row for row in rows if row["object_repr"] == "A1改名")
    assert entry["changes"]["name"][1] == "A1改名"
    assert entry["model_name"] == "学校"

    # One object's history; the other county's object is not there.
    school = client.get(
        f"/api/v1/audit/?model=pairings.school&object_id={w['a1r'].pk}"
    ).json()
    assert {row["object_id"] for row in school["results"]} == {str(w["a1r"].pk)}
    other = AuditEntry.objects.filter(object_repr="B1改名").latest("pk")
    assert client.get(f"/api/v1/audit/{other.pk}/").status_code == 404

    bad = client.get("/api/v1/audit/?date_from=someday&object_id=x1")
    assert bad.status_code == 400 and "date_from" in bad.json()
    for role in ("xuexiao", "duxue"):
        client.force_login(w[role])
        assert client.get("/api/v1/audit/").status_code == 404


def test_notifications_are_the_users_own_and_are_marked_read(client, w):
    mine = [
        Notification.objects.create(user=w["xuexiao"], message=f"提醒 {n}")
        for n in range(3)
    ]
    theirs = Notification.objects.create(user=w["school_b1"], message="别人的")
    client.force_login(w["xuexiao"])
    listed = client.get("/api/v1/notifications/").json()
    assert [row["id"] for row in listed["results"]] == [n.pk for n in reversed(mine)]
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    response = client.post(f"/api/v1/notifications/{mine[0].pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    unread = client.get("/api/v1/notifications/?unread=true").json()
    assert [row["id"] for row in unread["results"]] == [mine[2].pk, mine[1].pk]
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get("/api/v1/notifications/?unread=maybe").status_code == 400


# Statistics and exports --------------------------------------------------------------


def test_statistics_json_has_the_tables_figures(client, w):
    client.force_login(w["xian"])
    response = client.get(
        "/api/v1/statistics/partner_assistance/?span=school_year&year=2024"
    )
    assert response.status_code == 200
    body = response.json()
    table = partner_assistance.build(
        user=w["xian"], spec=Spec(span="school_year", year=2024)
    )
    assert body["title"] == table.title
    expected = [plain(row.values) for row in table.rows]
    got = [plain(row["values"]) for row in body["rows"]]
    assert got == expected
    assert len(got) >= 2  # the county's row and the total
    assert body["more"] is False
    # The reconciliation lines, as on the page: the total against its rows.
    assert body["checks"] and all(c["ok"] for c in body["checks"])
    assert body["checks"][0]["label"].startswith(gettext("Total"))


def plain(values: dict) -> dict:
    """Numbers as Decimal (JSON gives floats), so 2.0 equals 2."""
    return {
        key: Decimal(str(v)) if isinstance(v, int | float | Decimal) else v
        for key, v in values.items()
    }


def test_statistics_refuse_bad_spans_and_school_staff(client, w):
    client.force_login(w["xian"])
    response = client.get("/api/v1/statistics/roster/?span=range&start=2025-01-01")
    assert response.status_code == 400
    assert "end" in response.json()
    assert client.get("/api/v1/statistics/roster/?limit=0").status_code == 400
    client.force_login(w["xuexiao"])
    assert client.get("/api/v1/statistics/roster/").status_code == 404
    assert client.get("/api/v1/statistics/").status_code == 404


def test_the_statistics_catalogue_names_every_table_it_can_build(client, w):
    client.force_login(w["xian"])
    catalogue = client.get("/api/v1/statistics/", HTTP_ACCEPT_LANGUAGE="en").json()
    codes = [entry["code"] for entry in catalogue]
    assert codes == [
        "partner_assistance",
        "roster",
        "project_ledger",
        "funds_goods",
        "report_submission",
        "compliance",
        "pairing_list",
    ]
    assert catalogue[1]["title"] == "roster of seconded staff"
    for code in codes:
        response = client.get(f"/api/v1/statistics/{code}/?limit=1")
        assert response.status_code == 200, code
        assert response.json()["code"] == code


def test_export_job_is_created_joined_and_not_downloadable_until_done(
    client, w, django_capture_on_commit_callbacks
):
    client.force_login(w["xian"])
    url = "/api/v1/exports/?span=school_year&year=2024"
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post(url, {"table": "roster"}, content_type="application/json")
        again = client.post(url, {"table": "roster"}, content_type="application/json")
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]  # joined, not a second job
    job = ExportJob.objects.get(pk=first.json()["id"])
    assert job.filters == {"span": "school_year", "year": 2024, "group": "region"}
    assert client.get(f"/api/v1/exports/{job.pk}/").json()["download"] is None
    assert client.get(f"/api/v1/exports/{job.pk}/download/").status_code == 404
    bad = client.post(url, {"table": "nope"}, content_type="application/json")
    assert bad.status_code == 400


# Schema and docs ---------------------------------------------------------------------


def test_schema_generates_without_warnings_and_validates():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for prefix, _viewset, _basename in router.registry:
        assert f"/api/v1/{prefix}/" in schema
    assert "tokenAuth" in schema


def test_schema_describes_filters_and_errors_in_the_chosen_language(client, w):
    client.force_login(w["xian"])
    zh = client.get("/api/schema/?format=json&lang=zh-hans").json()
    en = client.get("/api/schema/?format=json&lang=en").json()
    params = {
        p["name"]: p.get("description", "")
        for p in zh["paths"]["/api/v1/secondments/"]["get"]["parameters"]
    }
    assert params["on_post_from"] == "在岗起"  # the catalogue's Chinese
    en_params = {
        p["name"]: p.get("description", "")
        for p in en["paths"]["/api/v1/secondments/"]["get"]["parameters"]
    }
    assert en_params["on_post_from"] == "on post from"
    assert params["on_post_from"] != en_params["on_post_from"]
    responses = en["paths"]["/api/v1/schools/{id}/"]["get"]["responses"]
    assert responses["404"]["description"].startswith("Not found, outside your data")
    # Every query parameter (the filters too) and every answer says what it is, in
    # both languages.
    for schema in (zh, en):
        undescribed = [
            (path, parameter["name"])
            for path, item in schema["paths"].items()
            for operation in item.values()
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query" and not parameter.get("description")
        ]
        assert undescribed == []
        silent = [
            (path, method, code)
            for path, item in schema["paths"].items()
            for method, operation in item.items()
            for code, response in operation["responses"].items()
            if not response.get("description")
        ]
        assert silent == []
    # Each operation is named beside its path: subject and operation.
    for schema in (zh, en):
        unnamed = [
            (path, method)
            for path, item in schema["paths"].items()
            for method, operation in item.items()
            if not operation.get("summary")
        ]
        assert unnamed == []
    secondments = "/api/v1/secondments/"
    assert zh["paths"][secondments]["get"]["summary"] == "派遣 · 列表"
    assert en["paths"][secondments]["get"]["summary"] == "secondments · list"
    approve = "/api/v1/reports/{id}/approve/"
    assert zh["paths"][approve]["post"]["summary"] == "学期报告 · 审核通过"
    list_ok = zh["paths"]["/api/v1/schools/"]["get"]["responses"]["200"]
    assert list_ok["description"] == "符合筛选条件、在您数据范围内的一页记录。"
    schools = {
        p["name"]: (p["description"], e["description"])
        for p, e in zip(
            zh["paths"]["/api/v1/schools/"]["get"]["parameters"],
            en["paths"]["/api/v1/schools/"]["get"]["parameters"],
            strict=True,
        )
    }
    assert schools["is_weak"] == ("薄弱学校", "Weak school")
    assert schools["region"] == ("行政区划", "region")
    # Each section of the documentation is named in Chinese and English.
    sections = {t["name"]: t["description"] for t in zh["tags"]}
    assert set(sections) == {prefix for prefix, _v, _b in router.registry}
    assert sections["secondments"].startswith("派遣（人次） Secondments")
    assert all(re.match(r"[\u4e00-\u9fff]", text) for text in sections.values())
    upload = zh["paths"]["/api/v1/reports/{id}/attachments/"]["post"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    assert "multipart/form-data" in upload["responses"]["415"]["description"]


def test_schema_documents_the_write_headers(client, w):
    """A client learns from the schema that a create takes an Idempotency-Key and a
    change of a record with a version takes If-Match (412 when stale)."""
    client.force_login(w["xian"])
    schema = client.get("/api/schema/?format=json&lang=zh-hans").json()

    def headers(path, method):
        operation = schema["paths"][path][method]
        return {
            p["name"]: p.get("description", "")
            for p in operation.get("parameters", [])
            if p["in"] == "header"
        }

    one = "/api/v1/secondments/{id}/"
    assert "Idempotency-Key" in headers("/api/v1/secondments/", "post")
    for method in ("put", "patch"):
        documented = headers(one, method)
        assert "If-Match" in documented and documented["If-Match"]
        assert "412" in schema["paths"][one][method]["responses"]
    assert "Idempotency-Key" not in headers(one, "patch")
    # A workflow step is no change of fields: neither header, no 412.
    approve = "/api/v1/reports/{id}/approve/"
    assert headers(approve, "post") == {}
    assert "412" not in schema["paths"][approve]["post"]["responses"]
    # Reads take neither header.
    assert headers("/api/v1/secondments/", "get") == {}


def test_docs_pages_are_served_from_local_static_files(client, w):
    client.force_login(w["xian"])
    for url in ("/api/docs/", "/api/redoc/"):
        html = client.get(url).content.decode()
        assert "/static/drf_spectacular_sidecar/" in html
        assert not re.search(r"(src|href)=\"https?://", html), url
    client.logout()
    assert client.get("/api/docs/").status_code in (401, 403)


# Query counts ------------------------------------------------------------------------

# Queries per list page, pinned for an administrator, a county bureau and school
# staff: the same for 1 row and for every row. They are the user (1; the session is
# read through the cache and written at most once a minute, core/sessions.py), the
# user's scope memberships (1), the count, the page and one per nested relation.
# School staff: one more for their school's region path, which scopes the rows.
LIST_QUERIES = {
    "regions": (3, 3, 6),
    "schools": (3, 3, 4),
    "school-profiles": (3, 3, 4),
    "programmes": (3, 3, 4),
    "pairings": (4, 4, 5),
    "agreements": (4, 4, 5),
    "people": (3, 3, 4),
    "secondments": (4, 4, 5),
    "stints": (3, 3, 4),
    "appraisals": (3, 3, 4),
    "activities": (4, 4, 5),
    "projects": (4, 4, 5),
    "funding-lines": (3, 3, 4),
    "donations": (3, 3, 4),
    "reporting-periods": (3, 3, 3),
    "reports": (6, 6, 7),  # ids first, then the page (IdsFirstPaginator)
    "report-attachments": (3, 3, 4),
}
ROLE_COLUMN = {"admin": 0, "xian": 1, "xuexiao": 2}


def warm_user_row(client):
    """The signed-in user's row is read by the first request, and from the cache
    after it (``core.users``): the counts below are of the requests after it."""
    assert client.get("/api/v1/").status_code == 200


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("role", ["admin", "xian", "xuexiao"])
def test_list_endpoints_have_a_fixed_number_of_queries(client, w, role):
    for semester, start in (("spring", dt.date(2025, 2, 17)), ("autumn", None)):
        if start:
            ReportingPeriod.objects.create(
                school_year=2024,
                semester=semester,
                start=start,
                end=dt.date(2025, 7, 10),
                deadline=dt.date(2025, 7, 31),
                lock_date=dt.date(2025, 8, 31),
            )
    ReportingPeriod.objects.create(
        school_year=2025,
        semester="autumn",
        start=dt.date(2025, 9, 1),
        end=dt.date(2026, 1, 20),
        deadline=dt.date(2026, 2, 10),
        lock_date=dt.date(2026, 3, 1),
    )
    client.force_login(w[role])
    warm_user_row(client)
    prefixes = [p for p, v, _b in router.registry if issubclass(v, ScopedReadViewSet)]
    assert set(prefixes) == set(LIST_QUERIES)
    wrong = []
    for prefix in prefixes:
        one, count = queries_for(client, f"/api/v1/{prefix}/?page_size=1")
        every, _count = queries_for(client, f"/api/v1/{prefix}/?page_size=500")
        if role == "admin":
            assert count >= 3, prefix  # the world has a row in every region
        pinned = LIST_QUERIES[prefix][ROLE_COLUMN[role]]
        if not (one == every == pinned):
            wrong.append((prefix, one, every, pinned))
    assert wrong == []


# Found by the fuzzer ------------------------------------------------------------------


def test_odd_filter_values_are_400_in_the_api_and_ignored_safely_in_pages(client, w):
    client.force_login(w["xian"])
    for url in (
        "/api/v1/agreements/?signed_year=0",
        "/api/v1/secondments/?pairing=99999999999999999999999",
        "/api/v1/activities/?date_from=0000-01-01",
        "/api/v1/schools/?page=0",
    ):
        assert client.get(url).status_code in (400, 404), url
    assert client.get("/agreements/?signed_year=0").status_code == 200
    response = client.get("/api/v1/schools/abc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_record_outside_the_users_region_is_refused(client, w):
    """A county user may not place a school in the province's own region (it would
    vanish from their view): refused in the API and in the browser."""
    client.force_login(w["xian"])
    payload = {
        "code": "3701020099",
        "name": "越界学校",
        "region": w["P1"].pk,
        "stage": "primary",
        "ownership": "public",
        "locality": "urban",
    }
    response = client.post("/api/v1/schools/", payload, content_type="application/json")
    assert response.status_code == 400
    assert "管理范围" in response.json()["non_field_errors"][0]
    page = client.post("/schools/add/", payload)
    assert page.status_code == 200 and "管理范围" in page.content.decode()
    assert not School.objects.filter(code="3701020099").exists()


def test_the_provincial_bureau_changes_reporting_periods(client, w):
    client.force_login(w["sheng"])
    period = w["period"]
    response = client.patch(
        f"/api/v1/reporting-periods/{period.pk}/",
        {"deadline": "2025-02-20"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    period.refresh_from_db()
    assert period.deadline == dt.date(2025, 2, 20)
    assert client.get(f"/periods/{period.pk}/edit/").status_code == 200
    client.force_login(w["xian"])
    assert client.get(f"/periods/{period.pk}/edit/").status_code == 403


def test_computed_and_own_lists_have_a_fixed_number_of_queries(client, w):
    """Compliance is judged in batch queries; export jobs, the audit trail and
    notifications are plain lists: the number of queries does not grow with the
    rows either."""
    for table in ("roster", "project_ledger", "funds_goods"):
        ExportJob.objects.create(user=w["admin"], table=table)
        Notification.objects.create(user=w["admin"], message=table)
    client.force_login(w["admin"])
    warm_user_row(client)
    semester = f"semester={w['period'].pk}"
    for url, pinned in (
        (f"/api/v1/compliance/?{semester}", 14),
        ("/api/v1/exports/?", 2),  # own jobs: no scope to compute
        ("/api/v1/audit/?", 3),
        ("/api/v1/notifications/?", 2),
    ):
        one, count = queries_for(client, f"{url}&page_size=1")
        every, _count = queries_for(client, f"{url}&page_size=500")
        assert count >= 3, url
        assert one == every == pinned, (url, one, every)


def test_a_viewset_without_its_own_serializer_never_sends_personal_fields():
    """A new record type may rely on the derived read serializer: it sends every
    field but an ID number (or a secret)."""
    from core.api.viewsets import ScopedReadViewSet

    class PeopleWithoutSerializer(ScopedReadViewSet):
        model = Person

    fields = PeopleWithoutSerializer.serializer_class().fields
    assert "id_number" not in fields
    assert {"name", "home_school", "subject"} <= set(fields)
