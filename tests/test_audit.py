"""Every write path leaves an audit entry with the right before/after values."""

import datetime as dt
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from openpyxl import load_workbook

from core.audit import audit_context
from core.models import AuditEntry
from dispatch.models import Secondment
from pairings.models import School
from pairings.services import pairing_create
from reporting.models import ExportJob
from reporting.tasks import expire_exports

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).order_by("id")


def test_browser_form_records_user_before_after_and_request_id(client, w):
    client.force_login(w["xian"])
    target = w["xuexiao"]
    response = client.post(
        f"/users/{target.pk}/",
        {
            "form": "edit",
            "last_name": "王",
            "first_name": "小红",
            "email": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    entry = entries_for(target).last()
    assert entry.action == "update"
    assert entry.source == "web"
    assert entry.username == "xian"
    assert entry.changes["first_name"] == ["", "小红"]
    assert entry.changes["last_name"] == ["", "王"]
    assert entry.request_id == response["X-Request-ID"]


def test_admin_change_is_recorded_with_source_admin(client, w):
    client.force_login(w["admin"])
    school = w["a1r"]
    old_name = school.name
    response = client.get(f"/admin/pairings/school/{school.pk}/change/")
    form = response.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(name="历下新区小学", region=school.region_id)
    for prefix in ("profiles", "former_names", "region_changes"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post(f"/admin/pairings/school/{school.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = entries_for(school).last()
    assert entry.source == "admin"
    assert entry.username == "admin"
    assert entry.changes == {"name": [old_name, "历下新区小学"]}


def test_task_write_is_recorded_with_source_task(w, settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path
    (tmp_path / "old.xlsx").write_bytes(b"x")
    job = ExportJob.objects.create(
        user=w["xian"],
        table="roster",
        status="done",
        file="old.xlsx",
        finished_at=timezone.now() - dt.timedelta(days=30),
    )
    assert expire_exports.apply().get() == 1
    entry = entries_for(job).last()
    assert entry.source == "task"
    assert entry.changes["status"] == ["done", "expired"]
    assert entry.changes["file"] == ["old.xlsx", ""]
    assert not (tmp_path / "old.xlsx").exists()


def test_service_create_and_delete_are_recorded(w, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        audit_context(user=w["xian"], source="import"),
    ):
        pairing = pairing_create(
            programme=w["pA1"].programme,
            name="导入的结对",
            supporting=[w["a1s"]],
            receiving=[w["a1r"]],
            start_date=dt.date(2025, 9, 1),
            end_date=dt.date(2027, 8, 31),
        )
    created = entries_for(pairing).get()
    assert created.action == "create"
    assert created.source == "import"
    assert created.changes["name"] == [None, "导入的结对"]
    assert w["A1"].path in created.region_paths
    parties = AuditEntry.objects.filter(
        content_type__model="pairingparty", action="create"
    )
    assert parties.filter(request_id=created.request_id).count() == 2
    pk = pairing.pk
    pairing.delete()
    deleted = AuditEntry.objects.filter(
        content_type__model="pairing", object_id=str(pk), action="delete"
    ).get()
    assert deleted.changes["name"] == ["导入的结对", None]
    assert w["A1"].path in deleted.region_paths


def test_passwords_never_reach_the_log(w):
    user = w["xuexiao"]
    user.set_password("another-secret-9")
    user.save()
    entry = entries_for(user).last()
    assert entry.changes["password"] == ["***", "***"]
    assert "another-secret-9" not in str(entry.changes)


def test_id_numbers_are_masked_in_the_log(w):
    person = w["in_A1"][Secondment].person
    before = person.id_number
    person.id_number = "370102199001011234"
    person.save()
    entry = entries_for(person).last()
    assert entry.changes["id_number"][1] == "3701**********1234"
    assert entry.changes["id_number"][0] == before[:4] + "*" * 10 + before[-4:]
    assert "370102199001011234" not in str(entry.changes)
    assert before not in str(entry.changes)


class TestAuditList:
    def test_bureau_sees_entries_of_its_region_only(self, client, w):
        w["a1r"].name = "A1改名"
        w["a1r"].save()
        w["b1r"].name = "B1改名"
        w["b1r"].save()
        client.force_login(w["xian"])
        page = client.get("/audit/").content.decode()
        assert "A1改名" in page
        assert "B1改名" not in page

    def test_inspector_and_school_staff_have_no_audit_list(self, client, w):
        for name in ("duxue", "xuexiao"):
            client.force_login(w[name])
            assert client.get("/audit/").status_code == 404
            assert client.get("/audit/export.xlsx").status_code == 404

    def test_filters_and_excel_export(self, client, w):
        w["a1r"].name = '=HYPERLINK("http://evil")'
        w["a1r"].save()
        client.force_login(w["admin"])
        response = client.get(
            "/audit/", {"model": "pairings.school", "action": "update"}
        )
        assert response.status_code == 200
        assert all(
            e.content_type.model == "school" and e.action == "update"
            for e in response.context["page"]
        )
        export = client.get("/audit/export.xlsx", {"model": "pairings.school"})
        assert export.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "时间"
        assert rows[0][4] == "对象类型"
        assert (
            len(rows) - 1
            == AuditEntry.objects.filter(content_type__model="school").count()
        )
        objects = [row[5] for row in rows[1:]]
        assert '=HYPERLINK("http://evil")' in objects
        cell = next(c for c in sheet["F"] if c.value == '=HYPERLINK("http://evil")')
        assert cell.data_type == "s"


def test_history_page_shows_before_and_after(client, w):
    school = w["a1r"]
    school.name = "历下第二小学"
    school.save()
    client.force_login(w["xuexiao"])
    page = client.get(f"/history/pairings/school/{school.pk}/").content.decode()
    assert "历下乡村小学" in page
    assert "历下第二小学" in page
    assert "名称" in page  # the field's verbose name, in Chinese
    assert School.objects.get(pk=school.pk).name == "历下第二小学"
